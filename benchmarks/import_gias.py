"""Benchmark: `flask schools import` on a synthetic Get Information About Schools file.

Run from the repository root: `python benchmarks/import_gias.py [--sizes 10000 50000]`, with
DATABASE_URL for PostgreSQL (the schema is dropped and recreated: use a scratch database), else a
temporary SQLite file. The file is generated with the real header names (plus filler columns to
about 130, as the real file has), cp1252 names, DD-MM-YYYY dates and roughly the real mix: about
half closed, most open schools primary. Each size runs in a fresh child process so peak RSS is its
own. The last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20260401
REAL = [
    "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName", "TypeOfEstablishment (code)",
    "TypeOfEstablishment (name)", "EstablishmentTypeGroup (code)", "EstablishmentTypeGroup (name)",
    "EstablishmentStatus (code)", "EstablishmentStatus (name)", "OpenDate", "CloseDate", "PhaseOfEducation (code)",
    "PhaseOfEducation (name)", "StatutoryLowAge", "StatutoryHighAge", "Street", "Locality", "Town", "Postcode",
    "SchoolWebsite", "TelephoneNum", "Easting", "Northing",
]  # fmt: skip
HEADER = REAL + [f"Filler{i} (name)" for i in range(130 - len(REAL))]
PHASES = [("Primary", 0.62), ("Secondary", 0.13), ("Not applicable", 0.15), ("16 plus", 0.05), ("Nursery", 0.02),
          ("All-through", 0.02), ("Middle deemed secondary", 0.01)]  # fmt: skip
NAMES = ["St Ædán's", "Sainte-Thérèse", "Ysgol Gymraeg", "King's", "Queen Elizabeth's", "Harrow", "Oakfield", "Brontë"]


def generate(path: Path, n: int) -> None:
    rng = random.Random(SEED + n)
    with open(path, "w", encoding="cp1252", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(n):
            status = rng.choices(["Open", "Closed", "Open, but proposed to close", "Proposed to open"],
                                 [0.53, 0.45, 0.01, 0.01])[0]  # fmt: skip
            phase = rng.choices([p for p, _ in PHASES], [w for _, w in PHASES])[0]
            special = phase == "Not applicable" and rng.random() < 0.5
            row = [
                str(100000 + i), "210", "Southwark", str(4000 + i % 999), f"{rng.choice(NAMES)} School {i}",
                "7" if special else "28", "Community special school" if special else "Academy sponsor led",
                "5" if special else "10", "Special schools" if special else "Academies", "1", status,
                f"{rng.randint(1, 28):02d}-{rng.randint(1, 12):02d}-{rng.randint(1950, 2024)}",
                "31-08-2015" if status == "Closed" else "", "4", phase, "11", str(rng.choice([11, 16, 18, 19])),
                "1 High Street", "", "London", f"SE{rng.randint(1, 28)} {rng.randint(1, 9)}AB",
                "www.school.example", "02070000000", str(rng.randint(150000, 650000)), str(rng.randint(20000, 1200000)),
            ]  # fmt: skip
            writer.writerow(row + ["Not applicable"] * (len(HEADER) - len(row)))


def child(path: str, url: str) -> None:
    from placements import create_app
    from placements.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b" * 40})
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.commit()
    start = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["schools", "import", path])
    seconds = time.perf_counter() - start
    assert result.exit_code == 0, result.output
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_mb, "summary": result.output.splitlines()[-12:]}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    from placements import database_url

    folder = Path(tempfile.mkdtemp(prefix="gias-bench-"))
    url = database_url(os.environ.get("DATABASE_URL")) or f"sqlite:///{folder}/bench.sqlite"
    results = {}
    for n in args.sizes:
        path = folder / f"edubasealldata-{n}.csv"
        generate(path, n)
        out = subprocess.run([sys.executable, __file__, "--child", str(path), url], capture_output=True, text=True,
                             check=True, cwd=ROOT)  # fmt: skip
        results[n] = json.loads(out.stdout.strip().splitlines()[-1]) | {"file_mb": round(path.stat().st_size / 1e6, 1)}
        print(f"{n:,} rows ({results[n]['file_mb']} MB): {results[n]['seconds']:.1f} s, peak RSS "
              f"{results[n]['peak_rss_mb']:.0f} MB; " + " | ".join(results[n]["summary"]), file=sys.stderr)  # fmt: skip
    largest = max(args.sizes)
    print(json.dumps({
        "name": "import_gias",
        "median": round(results[largest]["seconds"], 2),
        "unit": "s",
        "measured": f"flask schools import of a synthetic {largest:,}-row GIAS file (130 columns, cp1252), one run",
        "target_s": 60,
        "peak_rss_mb": {str(n): round(r["peak_rss_mb"]) for n, r in results.items()},
        "seconds": {str(n): round(r["seconds"], 2) for n, r in results.items()},
        "file_mb": {str(n): r["file_mb"] for n, r in results.items()},
        "database": url.split(":")[0],
        "seed": SEED,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_1m": round(os.getloadavg()[0], 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
