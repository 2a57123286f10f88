"""Time the full OS Code-Point Open load (`flask geo load-codepoint`, about 1.74M postcodes).

    python benchmarks/geo_load.py [--runs N]

Loads into a temporary SQLite file and, when DATABASE_URL names a PostgreSQL database, into a
throw-away schema there (created and dropped by this script; nothing else in that database is touched).
Progress goes to stderr; the last line on stdout is one JSON object per database:
{"name": "geo_load_codepoint", "median": s, "unit": "s", "measured": ..., "rows": N, "database": ...,
 "peak_rss_mb": ...}. Peak RSS is the whole process's high-water mark so far (getrusage), so later
databases inherit earlier peaks.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from placements import create_app, database_url, geo  # noqa: E402
from placements.extensions import db  # noqa: E402


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux reports KiB


def time_loads(uri: str, runs: int, engine_options: dict | None = None) -> tuple[list[float], list[float], int]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": uri,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options or {},
        }
    )
    files = geo.codepoint_files()
    seconds, cpu = [], []
    with app.app_context():
        db.create_all()
        for run in range(1, runs + 1):
            done = 0

            def progress(n: int, run: int = run) -> None:
                nonlocal done
                done += n
                print(f"\r  run {run}/{runs}: {done}/{len(files)} files", end="", file=sys.stderr, flush=True)

            start, start_cpu = time.perf_counter(), time.process_time()
            rows = geo.load_codepoint(files, progress=progress)
            seconds.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            print(
                f"  {seconds[-1]:.1f} s ({cpu[-1]:.1f} s CPU), {rows:,} rows, peak RSS {peak_rss_mb()} MB",
                file=sys.stderr,
            )
        assert geo.postcode_count() == rows
        assert geo.lookup("SW1A 1AA").lat > 51
        db.session.remove()
        db.engine.dispose()
    return seconds, cpu, rows


def report(database: str, seconds: list[float], cpu: list[float], rows: int) -> dict:
    measured = (
        f"wall-clock seconds of {len(seconds)} full load(s) of all {len(geo.codepoint_files())} Code-Point Open "
        f"files, one transaction each (runs after the first replace a loaded table): "
        + ", ".join(f"{s:.2f}" for s in seconds)
        + f"; this process's CPU seconds: {', '.join(f'{s:.2f}' for s in cpu)}; load average at the end "
        + ", ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    return {
        "name": "geo_load_codepoint",
        "median": round(statistics.median(seconds), 2),
        "unit": "s",
        "measured": measured,
        "rows": rows,
        "database": database,
        "cpu_median": round(statistics.median(cpu), 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="loads per database (default 3)")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "geo_bench.sqlite"
        print(f"SQLite file {path}", file=sys.stderr)
        results.append(report("sqlite (file)", *time_loads(f"sqlite:///{path}", args.runs)))
    url = database_url(os.environ.get("DATABASE_URL"))
    if url and url.startswith("postgresql"):
        schema = f"geo_bench_{os.getpid()}"
        admin = create_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            print(f"PostgreSQL schema {schema}", file=sys.stderr)
            options = {"connect_args": {"options": f"-c search_path={schema}"}}
            timings = time_loads(url, args.runs, options)
            results.append(report(f"postgresql {admin.url.database} (schema {schema})", *timings))
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    for result in results:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
