"""Benchmark: the "Recommended for you" page end to end with 100,000 published placements.

Run from the repository root: `python benchmarks/recommend_page.py [--n 100000] [--runs 30]`. It builds a
temporary SQLite file database (and, when DATABASE_URL names a PostgreSQL database, uses that one: its
schema is dropped and recreated, so give it a scratch database), loads the demo (schools, students) and
bulk-inserts synthetic placements spread like benchmarks/matcher.py's (clustered round English towns, 15%
closed or full), then ANALYZEs (and on PostgreSQL VACUUMs, as autovacuum would after such a load). It then
signs in as demo students through the Flask test client and times GET /student/recommendations/ with
recommendations switched on. It also times the parts: the SQL candidate load (search.candidates) and the
pure ranking (matching.rank_arrays on those candidates; for the whole 100,000 see benchmarks/matcher.py).
Details go to stderr; the last stdout line is one JSON object.
Targets: the page at most 150 ms median, the ranking at most 20 ms median, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import matcher as matcher_benchmark  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from placements import create_app, database_url, geo, matching, recommend, search, seed  # noqa: E402
from placements.extensions import db  # noqa: E402
from placements.models import (  # noqa: E402
    Organisation,
    Placement,
    PlacementAdjustment,
    StudentInterest,
    StudentNeed,
    User,
    year_bit,
)

SEED = 20260402
PASSWORD = "benchmark password, not a secret"
# (email, year group, interests, must-have needs, preferred needs, radius km): schools in SE5, M14, LS6
STUDENTS = [
    ("student1@placements.example", 10, ["digital", "creative"], ["step_free_access"], ["quiet_space"], 10),
    ("student51@placements.example", 11, ["engineering"], [], ["accessible_toilet"], 25),
    ("student101@placements.example", 9, ["legal_finance", "business"], [], [], 15),
]
log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731


def demo_postcodes() -> list[dict]:
    wanted = set(seed.OUTCODES)
    areas = {geo.area(o) for o in wanted}
    rows: list[dict] = []
    for path in geo.codepoint_files():
        if path.name.split(".")[0].upper() in areas:
            rows.extend(geo.read_codepoint(path, wanted))
    return rows


def bulk_placements(n: int) -> None:
    """Insert n synthetic published placements and their adjustments with Core inserts in batches."""
    rng = random.Random(SEED)
    items = matcher_benchmark.placements(n, rng)
    organisations = list(db.session.scalars(select(Organisation.id).where(Organisation.status == "approved")))
    activities = ["workplace_visit", "work_shadowing", "employer_talk", "work_experience_placement", "mentoring"]
    today = date.today()
    first_id = (db.session.scalar(select(db.func.max(Placement.id))) or 0) + 1
    rows, adjustments = [], []
    for offset, p in enumerate(items):
        placement_id = first_id + offset
        start = today + timedelta(days=rng.randint(15, 150))
        capacity = rng.choice((1, 2, 3, 5, 10))
        filled = capacity if p.places_left == 0 else max(0, capacity - p.places_left)
        rows.append(
            {
                "id": placement_id,
                "organisation_id": organisations[offset % len(organisations)],
                "title": f"Synthetic placement {offset}",
                "description": "A synthetic placement for the benchmark: see how a real workplace runs.",
                "task": "A short project.",
                "activity_type": activities[offset % len(activities)],
                "delivery_mode": p.delivery_mode,
                "route": p.route,
                "postcode": None if p.delivery_mode == "virtual" else "SE1 7PB",
                "lat": p.lat,
                "lon": p.lon,
                "start_date": start,
                "end_date": start,
                "start_time": clock(9),
                "end_time": clock(15),
                "capacity": capacity,
                "places_filled": filled,
                "application_deadline": start - timedelta(days=7) if p.is_open else today - timedelta(days=1),
                "year_groups_mask": sum(year_bit(y) for y in p.year_groups),
                "criteria": "",
                "status": "published",
                "created_at": search_created(today, rng),
                "updated_at": search_created(today, rng),
            }
        )
        adjustments.extend({"placement_id": placement_id, "feature": f} for f in sorted(p.adjustment_features))
    for table, data in ((Placement.__table__, rows), (PlacementAdjustment.__table__, adjustments)):
        for start in range(0, len(data), 10_000):
            db.session.execute(insert(table), data[start : start + 10_000])
    db.session.commit()
    log(f"  inserted {len(rows):,} placements and {len(adjustments):,} adjustments")


def search_created(today: date, rng: random.Random):
    from datetime import datetime

    return datetime.combine(today - timedelta(days=rng.randint(0, 60)), clock(12))


def settle() -> None:
    """Bring the database to the state production reaches a little after a bulk load.

    ANALYZE: planner statistics. On PostgreSQL also VACUUM, which sets the visibility map: without it
    an index-only scan still visits the table for every row. Autovacuum does both on its own after
    this many inserts (autovacuum_vacuum_insert_threshold, PostgreSQL 13+), within about a minute.
    """
    db.session.commit()
    if db.engine.dialect.name != "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE)"))
        pages, visible = connection.execute(
            text("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'placement'")
        ).one()
    log(f"  VACUUM (ANALYZE): {visible:,} of placement's {pages:,} pages all-visible")


def prepare_students() -> None:
    for email, year, interests, must, preferred, radius in STUDENTS:
        user = db.session.scalar(select(User).where(User.email == email))
        user.set_password(PASSWORD)
        profile = user.student_profile
        profile.year_group = year
        profile.travel_radius_km = radius
        profile.home_outcode = None
        profile.recommendations_enabled = True
        profile.interests = [StudentInterest(route=r) for r in interests]
        profile.needs = [StudentNeed(feature=f, priority="must") for f in must] + [
            StudentNeed(feature=f, priority="preferred") for f in preferred
        ]
    db.session.commit()


def timed(fn, runs: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> str:
    q = statistics.quantiles(times, n=20)
    return f"median {statistics.median(times):.1f} ms, p5 {q[0]:.1f}, p95 {q[-1]:.1f}"


def measure(uri: str, label: str, n: int, runs: int) -> dict:
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "benchmark", "WTF_CSRF_ENABLED": False, "SQLALCHEMY_DATABASE_URI": uri}
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        geo.replace_postcodes(demo_postcodes())
        seed.demo(db.session)
        start = time.perf_counter()
        bulk_placements(n)
        log(f"  bulk insert took {time.perf_counter() - start:.1f} s")
        settle()
        prepare_students()
    page_times, rank_times, sql_times, counts = [], [], [], []
    for email, *_ in STUDENTS:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        response = client.get("/student/recommendations/")
        assert response.status_code == 200 and "Recommendations are on" in response.text, response.status_code
        t = timed(lambda client=client: client.get("/student/recommendations/"), runs)
        page_times += t
        with app.test_request_context():
            user = db.session.scalar(select(User).where(User.email == email))
            profile = user.student_profile
            origin = recommend.origin_of(profile)
            student = recommend.matcher_student(profile, origin)
            conditions = search.open_conditions(date.today()) + [Placement.open_to(profile.year_group)]
            query = {
                "branches": search.reach(origin.lat, origin.lon, profile.travel_radius_km),
                "required": student.must_needs,
                "features": student.preferred_needs,
            }
            s = timed(lambda c=conditions, q=query: search.candidates(c, **q), max(5, runs // 3), 1)
            rows = search.candidates(conditions, **query)
            arrays = matching.CandidateArrays.from_placements(rows)
            r = timed(lambda st=student, a=arrays: matching.rank_arrays(st, a, limit=25), runs)
            eligible = len(matching.rank_arrays(student, arrays))
            db.session.remove()
        sql_times += s
        rank_times += r
        counts.append((len(rows), eligible))
        log(
            f"  {email}: {len(rows):,} candidates from SQL, {eligible:,} eligible\n"
            f"    page: {summary(t)}\n    SQL candidates: median {statistics.median(s):.1f} ms; "
            f"rank_arrays(limit=25): {summary(r)}"
        )
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return {
        "page_median": round(statistics.median(page_times), 1),
        "page_p95": round(statistics.quantiles(page_times, n=20)[-1], 1),
        "rank_median": round(statistics.median(rank_times), 2),
        "sql_candidates_median": round(statistics.median(sql_times), 1),
        "candidates_and_eligible": counts,
        "runs": len(page_times),
        "backend": label,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30, help="timed page loads per student")
    args = parser.parse_args()

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        log(f"SQLite ({args.n:,} placements):")
        results["sqlite"] = measure(f"sqlite:///{folder}/bench.sqlite", "sqlite", args.n, args.runs)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql")):
        log(f"PostgreSQL ({args.n:,} placements):")
        results["postgresql"] = measure(database_url(url), "postgresql", args.n, args.runs)
    else:
        log("DATABASE_URL is not a PostgreSQL URL: PostgreSQL not measured")

    worst = max(r["page_median"] for r in results.values())
    result = {
        "name": "recommend_page_100k",
        "median": worst,
        "unit": "ms",
        "measured": (
            f"GET /student/recommendations/ through the Flask test client, signed in, recommendations on, "
            f"{args.n:,} published placements; the slowest backend's median of {args.runs} runs for each of "
            f"{len(STUDENTS)} students after 3 warm-up runs"
        ),
        "target_ms": 150,
        "rank_target_ms": 20,
        **{f"{name}_{key}": value for name, r in results.items() for key, value in r.items() if key != "backend"},
        "n": args.n,
        "seed": SEED,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
