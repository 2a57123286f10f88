"""Benchmark: rank one student's 100,000 candidate placements (placements/matching.py).

Run from the repository root: `python benchmarks/matcher.py [--runs 50] [--n 100000]`. Details go to
stderr; the last line on stdout is one JSON object. Random data with a fixed seed: placements clustered
around English towns plus a scattered rural share, mixed modes, routes, year groups and adjustments.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from placements import matching  # noqa: E402
from placements.vocab import ACCESS_FEATURES, ROUTES, YEAR_GROUPS  # noqa: E402

SEED = 20260401
TOWNS = {  # (lat, lon, share of placements)
    "London": (51.507, -0.128, 0.30),
    "Birmingham": (52.486, -1.890, 0.10),
    "Manchester": (53.480, -2.242, 0.10),
    "Leeds": (53.801, -1.549, 0.07),
    "Liverpool": (53.408, -2.992, 0.06),
    "Newcastle": (54.978, -1.618, 0.05),
    "Bristol": (51.455, -2.588, 0.05),
    "Sheffield": (53.381, -1.470, 0.05),
    "Nottingham": (52.954, -1.158, 0.04),
    "Norwich": (52.630, 1.297, 0.03),
    "Plymouth": (50.376, -4.143, 0.03),
}
RURAL_SHARE = 1 - sum(share for *_, share in TOWNS.values())  # scattered over England's rough box

STUDENTS = [
    SimpleNamespace(  # inner London, a school location, wide interests
        lat=51.474,
        lon=-0.092,
        year_group=10,
        interests={"digital", "creative", "business"},
        must_needs=set(),
        preferred_needs={"quiet_space"},
        travel_radius_km=10,
        location_source="school",
    ),
    SimpleNamespace(  # Manchester, home district, a must-have need
        lat=53.450,
        lon=-2.220,
        year_group=12,
        interests={"engineering"},
        must_needs={"step_free_access"},
        preferred_needs={"accessible_toilet", "quiet_space"},
        travel_radius_km=25,
        location_source="home_area",
    ),
    SimpleNamespace(  # rural Cumbria, long radius
        lat=54.600,
        lon=-3.100,
        year_group=9,
        interests={"agriculture", "care"},
        must_needs=set(),
        preferred_needs=set(),
        travel_radius_km=40,
    ),
    SimpleNamespace(  # Birmingham, several needs
        lat=52.480,
        lon=-1.900,
        year_group=11,
        interests={"health_science"},
        must_needs={"quiet_space", "flexible_or_reduced_hours"},
        preferred_needs={"pre_visit_offered"},
        travel_radius_km=15,
    ),
]


def placements(n: int, rng: random.Random) -> list[SimpleNamespace]:
    towns = list(TOWNS.values())
    weights = [share for *_, share in towns] + [RURAL_SHARE]
    routes, features = list(ROUTES), list(ACCESS_FEATURES)
    first = date(2026, 6, 1)
    out = []
    for i in range(n):
        mode = rng.choices(("in_person", "virtual", "hybrid"), (0.75, 0.1, 0.15))[0]
        where = rng.choices(range(len(towns) + 1), weights)[0]
        if where < len(towns):
            lat, lon = towns[where][0] + rng.gauss(0, 0.12), towns[where][1] + rng.gauss(0, 0.18)
        else:
            lat, lon = rng.uniform(50.1, 55.6), rng.uniform(-5.6, 1.7)
        low = rng.choice(YEAR_GROUPS)
        out.append(
            SimpleNamespace(
                id=i + 1,
                lat=None if mode == "virtual" else lat,
                lon=None if mode == "virtual" else lon,
                delivery_mode=mode,
                route=rng.choice(routes),
                year_groups=set(range(low, min(13, low + rng.randint(0, 4)) + 1)),
                adjustment_features=set(rng.sample(features, rng.randint(0, 6))),
                places_left=rng.choice((0, 1, 1, 2, 3, 5)),
                is_open=rng.random() < 0.85,
                start_date=first + timedelta(days=rng.randint(0, 120)),
            )
        )
    return out


CPU_MS: list[float] = []  # process CPU time of every timed run, to set against wall time on a busy machine


def timed(fn, runs: int) -> list[float]:
    """Wall-clock ms of each run; the process CPU ms go to CPU_MS."""
    times = []
    for _ in range(runs):
        cpu, start = time.process_time(), time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        CPU_MS.append((time.process_time() - cpu) * 1000)
    return times


def summary(times: list[float]) -> str:
    q = statistics.quantiles(times, n=20)
    return f"median {statistics.median(times):.2f} ms, p5 {q[0]:.2f}, p95 {q[-1]:.2f}, min {min(times):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50, help="timed runs per student for rank_arrays")
    parser.add_argument("--object-runs", type=int, default=5, help="timed runs per student for rank(objects)")
    parser.add_argument("--limit", type=int, default=20)
    args = parser.parse_args()
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731

    rng = random.Random(SEED)
    start = time.perf_counter()
    items = placements(args.n, rng)
    log(f"generated {len(items):,} placements in {time.perf_counter() - start:.1f} s (seed {SEED})")

    build = timed(lambda: matching.CandidateArrays.from_placements(items), 5)
    arrays = matching.CandidateArrays.from_placements(items)
    log(f"CandidateArrays.from_placements: {summary(build)}")

    array_times, array_cpu, object_times = [], [], []
    for s in STUDENTS:
        everything = matching.rank_arrays(s, arrays)
        top = matching.rank_arrays(s, arrays, limit=args.limit)
        assert [m.placement for m in top] == [m.placement for m in everything[: args.limit]]
        for _ in range(3):  # warm-up
            matching.rank_arrays(s, arrays, limit=args.limit)
        CPU_MS.clear()
        t = timed(lambda s=s: matching.rank_arrays(s, arrays, limit=args.limit), args.runs)
        array_cpu += CPU_MS
        o = timed(lambda s=s: matching.rank(s, items, limit=args.limit), args.object_runs)
        array_times += t
        object_times += o
        log(
            f"Y{s.year_group} {s.travel_radius_km} km at ({s.lat}, {s.lon}): {len(everything):,} eligible; "
            f"top: {top[0].reasons if top else '-'}\n  rank_arrays: {summary(t)}; "
            f"CPU median {statistics.median(array_cpu[-args.runs :]):.2f} ms\n  rank(objects): "
            f"median {statistics.median(o):.1f} ms"
        )
    unlimited = timed(lambda: matching.rank_arrays(STUDENTS[0], arrays), 3)
    log(
        f"rank_arrays with limit=None (London student, every eligible match with geodesic + reasons): "
        f"median {statistics.median(unlimited):.1f} ms"
    )

    median = statistics.median(array_times)
    log(f"ALL rank_arrays: {summary(array_times)}; rank(objects): median {statistics.median(object_times):.1f} ms")
    result = {
        "name": "matcher_rank_100k",
        "median": round(median, 3),
        "unit": "ms",
        "measured": (
            f"rank_arrays(student, CandidateArrays of {args.n:,} placements, limit={args.limit}): median of "
            f"{len(array_times)} runs ({args.runs} each for {len(STUDENTS)} students) after 3 warm-up runs each"
        ),
        "p95": round(statistics.quantiles(array_times, n=20)[-1], 3),
        "min": round(min(array_times), 3),
        "cpu_median": round(statistics.median(array_cpu), 3),  # process CPU ms of the same runs
        "target_ms": 20,
        "rank_objects_median_ms": round(statistics.median(object_times), 1),
        "rank_objects_runs": len(object_times),
        "from_placements_median_ms": round(statistics.median(build), 1),
        "unlimited_median_ms": round(statistics.median(unlimited), 1),
        "n": args.n,
        "limit": args.limit,
        "seed": SEED,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_1m": round(os.getloadavg()[0], 2),  # other work on the machine inflates every figure
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
