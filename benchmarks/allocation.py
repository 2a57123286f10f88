"""Benchmark placements.allocation.allocate, and compare it with the PyPI package `matching`.

Run from the repository root:  python benchmarks/allocation.py [--repeat 7] [--sizes 500,2000,5000,10000]

Instances come from a fixed seed: N students each list 10 distinct placements drawn uniformly from
N/5 placements with capacities 1-5 (about 0.6 places a student), and every placement ranks exactly
the students who listed it, in its own random order. Reported:

- median wall time (and CPU time) of allocate() at 50,000 students / 10,000 placements, string ids
  in and out;
- peak memory of one such call, measured with tracemalloc (Python objects and numpy buffers
  allocated during the call; the instance itself is built beforehand and not counted), in a
  separate run because tracemalloc slows the call down; and the process's peak RSS at that point,
  an upper bound that also counts the interpreter, numpy and the instance;
- at each smaller size, `matching`'s HospitalResident build + solve (create_from_dictionaries then
  solve(optimal="resident"), as a user calls it) against allocate() on the same instance, after
  checking that both give the same matching; the ratio of CPU times (less disturbed by other load
  than wall time, which is reported too). `matching` is too slow for the full size: its time grows
  about as N^2.2 (10,000 students took it 17 s of CPU at load 1.2), so the default run takes a few
  minutes.

The machine may be shared, so /proc/loadavg is printed at the start and the end.

The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import threading
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from placements.allocation import allocate  # noqa: E402

SEED = 20260504
CHOICES = 10


def instance(n_students: int, seed: int = SEED):
    """(student_prefs, placement_prefs, capacities) with string ids, as the app would pass them."""
    rng = np.random.default_rng(seed)
    n_placements = max(n_students // 5, CHOICES)
    picks = rng.integers(0, n_placements, size=(n_students, CHOICES))
    while True:  # redraw rows with a repeated placement until every list is distinct
        ordered = np.sort(picks, axis=1)
        bad = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
        if not bad.size:
            break
        picks[bad] = rng.integers(0, n_placements, size=(bad.size, CHOICES))
    sid = [f"S{i:06d}" for i in range(n_students)]
    pid = [f"P{j:06d}" for j in range(n_placements)]
    student_prefs = {sid[i]: [pid[j] for j in row] for i, row in enumerate(picks.tolist())}

    chooser = np.repeat(np.arange(n_students), CHOICES)
    chosen = picks.ravel()
    order = np.lexsort((rng.random(chosen.size), chosen))  # each placement's applicants, shuffled
    placement_prefs: dict[str, list[str]] = {p: [] for p in pid}
    for j, i in zip(chosen[order].tolist(), chooser[order].tolist(), strict=True):
        placement_prefs[pid[j]].append(sid[i])
    capacities = dict(zip(pid, rng.integers(1, 6, size=n_placements).tolist(), strict=True))
    return student_prefs, placement_prefs, capacities


def median_seconds(fn, repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU (process) seconds of ``repeat`` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(wall), statistics.median(cpu)


def with_matching(student_prefs, placement_prefs, capacities) -> dict[str, str | None]:
    """Build and solve with `matching`, as a user would, and read the result back per student."""
    from matching.games import HospitalResident

    with warnings.catch_warnings():  # it warns about placements nobody listed
        warnings.simplefilter("ignore")
        game = HospitalResident.create_from_dictionaries(student_prefs, placement_prefs, capacities)
        solved = game.solve(optimal="resident")
    result: dict[str, str | None] = dict.fromkeys(student_prefs)
    for hospital, residents in solved.items():
        for resident in residents:
            result[resident.name] = hospital.name
    return result


def in_big_stack(fn, *args):
    """`matching` deep-copies its players recursively: past a few hundred students that needs a
    higher recursion limit and a thread with a larger C stack."""
    out = {}
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1024 * 2**20)
    worker = threading.Thread(target=lambda: out.setdefault("value", fn(*args)))
    worker.start()
    worker.join()
    return out["value"]


def loadavg() -> str:
    """/proc/loadavg as it reads (1-, 5- and 15-minute load, running/total tasks, last pid)."""
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sizes", default="500,2000,5000,10000", help="sizes for the side-by-side with `matching`")
    args = parser.parse_args()
    print(f"load at the start: {loadavg()}")

    full = instance(args.students)
    allocate(*full)  # warm-up
    median, cpu_median = median_seconds(lambda: allocate(*full), args.repeat)
    result = allocate(*full)
    placed = sum(p is not None for p in result.values())
    print(
        f"allocate: {args.students} students, {len(full[2])} placements, {sum(full[2].values())} places, "
        f"{placed} placed: median {median:.3f} s wall, {cpu_median:.3f} s CPU, of {args.repeat}"
    )

    tracemalloc.start()
    allocate(*full)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_mb = peak / 2**20
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"allocate: peak {peak_mb:.1f} MiB allocated during one call (tracemalloc); process peak RSS {rss_mb:.0f} MiB"
    )

    speedup, speedup_wall = {}, {}
    for n in (int(s) for s in args.sizes.split(",") if s):
        inst = instance(n)
        w0, c0 = time.perf_counter(), time.process_time()
        theirs = in_big_stack(with_matching, *inst)
        theirs_cpu, theirs_wall = time.process_time() - c0, time.perf_counter() - w0
        ours_wall, ours_cpu = median_seconds(lambda inst=inst: allocate(*inst), 7)
        if allocate(*inst) != theirs:
            raise SystemExit(f"allocate and matching disagree at n={n}")
        speedup[str(n)] = round(theirs_cpu / ours_cpu)
        speedup_wall[str(n)] = round(theirs_wall / ours_wall)
        print(
            f"n={n}: same matching; matching {theirs_cpu:.3f} s CPU ({theirs_wall:.3f} s wall), "
            f"allocate {ours_cpu * 1000:.2f} ms CPU ({ours_wall * 1000:.2f} ms wall): "
            f"x{speedup[str(n)]} CPU, x{speedup_wall[str(n)]} wall"
        )

    load = os.getloadavg()[0]
    print(f"load at the end: {loadavg()} on {os.cpu_count()} CPUs")
    summary = {
        "name": "allocation",
        "median": round(median, 4),
        "unit": "s",
        "measured": (
            f"allocate() wall time on {args.students} students x {CHOICES} choices, {len(full[2])} placements "
            f"(capacity 1-5), string ids in and out, median of {args.repeat}; cpu_median = the same in process "
            "CPU time; peak_mb = tracemalloc peak during one call (Python objects and numpy buffers, excluding "
            "the input); peak_rss_mb = the process's peak RSS before the side-by-side, input included; "
            "speedup_vs_matching = matching HospitalResident create_from_dictionaries + "
            "solve(optimal='resident') CPU time / allocate() median CPU time on the same instance, by student "
            f"count (wall-clock ratios in speedup_wall); load_avg = 1-minute load on {os.cpu_count()} CPUs"
        ),
        "cpu_median": round(cpu_median, 4),
        "peak_mb": round(peak_mb, 1),
        "peak_rss_mb": round(rss_mb),
        "speedup_vs_matching": speedup,
        "speedup_wall": speedup_wall,
        "load_avg": round(load, 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
