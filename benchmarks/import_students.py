"""Benchmark: a careers leader imports 2,000 students (upload + preview + commit, through the app).

Run from the repository root: `python benchmarks/import_students.py [--runs 3] [--n 2000]`, with
DATABASE_URL for PostgreSQL (the schema is dropped and recreated: use a scratch database), else a
temporary SQLite file. Each run is a new school, so every row is new and every student with an
email (90%) gets an invitation. Details go to stderr; the last stdout line is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.datastructures import FileStorage  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402
from werkzeug.test import encode_multipart  # noqa: E402

from placements import create_app, database_url  # noqa: E402
from placements.extensions import db  # noqa: E402
from placements.models import School, User  # noqa: E402
from placements.onboarding import TEMPLATE_HEADER  # noqa: E402

SEED = 20260401
PASSWORD = "benchmark password 2026"  # noqa: S105
FIRST = ["Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hamza", "Isla", "Jay", "Kai", "Lena", "Zoë"]
LAST = ["Adeyemi", "Brown", "Chen", "Davies", "Evans", "Ó Briain", "Green", "Hussain", "Khan", "Nowak", "Patel"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def students_csv(n: int, school: int, rng: random.Random) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(TEMPLATE_HEADER)
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        year = 7 + i % 7
        writer.writerow(
            [
                f"H{school:04d}{i:08d}",
                first,
                last,
                first if rng.random() < 0.9 else "Sam",
                "",
                year,
                f"{year}{'ABCDEF'[i % 6]}",
                rng.choice("NNNNNNNKKE"),
                rng.choice("YNN"),
                f"s{school}.{i}@school{school}.example" if rng.random() < 0.9 else "",
            ]
        )
    return buffer.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    url = database_url(os.environ.get("DATABASE_URL"))
    folder = tempfile.mkdtemp(prefix="import-bench-")
    url = url or f"sqlite:///{folder}/bench.sqlite"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SERVER_NAME": "localhost",
            "UPLOAD_FOLDER": folder,
            "SECRET_KEY": "b" * 40,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    rng = random.Random(SEED)
    with app.app_context():
        db.drop_all()
        db.create_all()
        password_hash = generate_password_hash(PASSWORD)
        for school in range(args.runs + 1):
            s = School(urn=f"{900000 + school}", name=f"Bench School {school}", postcode="SE5 8UH")
            db.session.add(s)
            db.session.add(
                User(
                    email=f"leader{school}@bench.example",
                    first_name="Lee",
                    last_name="Der",
                    role="careers_leader",
                    school=s,
                    password_hash=password_hash,
                )
            )
        db.session.commit()
    totals, cpu_totals, parts = [], [], {"upload": [], "preview": [], "commit": [], "reimport_unchanged": []}
    for school in range(args.runs + 1):  # the first run warms up
        client = app.test_client()
        client.post("/login", data={"email": f"leader{school}@bench.example", "password": PASSWORD})
        data = students_csv(args.n, school, rng)
        boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "students.csv")})
        c0, t0 = time.process_time(), time.perf_counter()
        r1 = client.post("/school/students/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
        t1 = time.perf_counter()
        preview = client.get("/school/students/import/preview")
        t2 = time.perf_counter()
        upload_id = preview.text.split('name="upload_id" type="hidden" value="')[1].split('"')[0]
        r3 = client.post("/school/students/import/commit", data={"upload_id": upload_id, "leavers": "keep"})
        t3, c3 = time.perf_counter(), time.process_time()
        assert (r1.status_code, preview.status_code, r3.status_code) == (302, 200, 302), r3.text[:500]
        client.post("/school/students/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
        again = client.get("/school/students/import/preview")
        upload_id = again.text.split('name="upload_id" type="hidden" value="')[1].split('"')[0]
        client.post("/school/students/import/commit", data={"upload_id": upload_id, "leavers": "keep"})
        t4 = time.perf_counter()
        log(
            f"run {school}: upload {t1 - t0:.2f} s, preview {t2 - t1:.2f} s, commit {t3 - t2:.2f} s, "
            f"re-import unchanged {t4 - t3:.2f} s; upload to commit {c3 - c0:.2f} s CPU in this process"
        )
        if school == 0:
            continue
        totals.append(t3 - t0)
        cpu_totals.append(c3 - c0)
        for name, value in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            parts[name].append(value)
    with app.app_context():
        students = db.session.scalar(db.select(db.func.count()).select_from(User).where(User.role == "student"))
        assert students == args.n * (args.runs + 1), students
        db.engine.dispose()
    print(
        json.dumps(
            {
                "name": "import_students_2000",
                "median": round(statistics.median(totals), 3),
                "unit": "s",
                "measured": (
                    f"upload + preview + commit of a {args.n:,}-student CSV (all new, 90% with email) through "
                    f"the Flask test client, median of {args.runs} runs after 1 warm-up"
                ),
                "target_s": 5,
                "parts_median_s": {k: round(statistics.median(v), 3) for k, v in parts.items()},
                "cpu_median_s": round(statistics.median(cpu_totals), 3),  # this process only, not the server's
                "database": url.split(":")[0],
                "n": args.n,
                "seed": SEED,
                "python": platform.python_version(),
                "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
                "load_average_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
