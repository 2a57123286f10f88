"""Bulk onboarding, plain Python (no Flask, no SQLAlchemy): read and check the two CSV layouts.

* A school's student export from its MIS (:func:`read_students`, then :func:`plan_students`), uploaded
  by a careers leader. Columns are found by header name, ignoring case, spaces, ``_`` and ``-``.
* The DfE's Get Information About Schools file (:func:`read_gias`), read by ``flask schools import``:
  cp1252, DD-MM-YYYY dates, exact header names (domain.md §7.1). It is streamed, so memory stays flat.

Every message here is written for the person who has to fix the file.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from .numbers import is_digits, whole_number

MAX_STUDENT_ROWS = 5_000  # the largest English secondary schools have about 3,500 students
UPN_RE = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")  # a letter, 11 digits, a digit (or a letter if temporary)
YEAR_RE = re.compile(r"^(?:y|yr|year)?\s*0?([0-9]{1,2})$")
TRUE = {"y", "yes", "true", "1"}
FALSE = {"n", "no", "false", "0", ""}
SEN_CODES = ("E", "K", "N")
# Plain ASCII addresses that email_validator always accepts; anything else goes to email_validator
# (about 0.3 ms an address, which dominated a 2,000-row file).
PLAIN_EMAIL_RE = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63})$"
)
YEAR_GROUPS = range(7, 14)


class FileProblem(ValueError):
    """A file we cannot read at all; str(error) is the message for people. Nothing is written."""


# ---------------------------------------------------------------------------------------------
# Reading bytes as CSV text


def decode(data: bytes, filename: str) -> str:
    """The text of an uploaded CSV file: UTF-8 (with or without a byte order mark) or cp1252."""
    if not filename.lower().endswith(".csv"):
        raise FileProblem("Choose a CSV file: its name ends in .csv. Export one from your MIS.")
    if not data.strip():
        raise FileProblem("The file is empty.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem("This is a spreadsheet workbook, not a CSV file. Save it as CSV (UTF-8) and upload that.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise FileProblem("This file is not text. Choose the CSV file exported from your MIS, saved as CSV UTF-8.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise FileProblem(
                "We could not read the characters in this file. Save it as CSV UTF-8 and upload it again."
            ) from None
    if re.search(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise FileProblem("This file is not text. Choose the CSV file exported from your MIS, saved as CSV UTF-8.")
    return text


def header_key(name: str) -> str:
    """' Legal_First-Name ' -> 'legal first name'."""
    return " ".join(re.sub(r"[_\-]+", " ", name or "").lower().split())


# ---------------------------------------------------------------------------------------------
# Students from a school's MIS

# field -> (the name shown to people, accepted header spellings after header_key())
STUDENT_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "upn": ("UPN", ("upn", "unique pupil number")),
    "legal_first_name": ("Legal first name", ("legal first name", "legal forename")),
    "legal_last_name": ("Legal last name", ("legal last name", "legal surname")),
    "first_name": ("Preferred first name", ("preferred first name", "preferred forename")),
    "last_name": ("Preferred last name", ("preferred last name", "preferred surname")),
    "year_group": ("Year group", ("year group", "year", "nc year")),
    "form": ("Form", ("form", "form group", "registration group", "reg group", "tutor group")),
    "sen_provision": ("SEN provision", ("sen provision", "sen")),
    "disadvantaged": ("Disadvantaged", ("disadvantaged", "pupil premium")),
    "email": ("Email", ("email", "email address")),
}
OPTIONAL_STUDENT_COLUMNS = ("last_name", "email")
TEMPLATE_HEADER = [label for label, _ in STUDENT_COLUMNS.values()]


@dataclass
class StudentRow:
    """One student row as read from the file, its values normalised and its problems listed."""

    line: int  # the row number people see in a spreadsheet (the header is row 1)
    upn: str
    legal_first_name: str
    legal_last_name: str
    first_name: str
    last_name: str
    year_group: int | None
    form: str | None
    sen_provision: str
    disadvantaged: bool
    email: str | None
    problems: list[str] = field(default_factory=list)
    action: str = ""  # "new", "update" or "unchanged" once planned
    changes: list[str] = field(default_factory=list)
    user_id: int | None = None  # the existing student this row updates

    @property
    def values(self) -> dict[str, Any]:
        """What the import writes for this row (the email only when the file gives one)."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "legal_first_name": self.legal_first_name,
            "legal_last_name": self.legal_last_name,
            "year_group": self.year_group,
            "form": self.form,
            "sen_provision": self.sen_provision,
            "disadvantaged": self.disadvantaged,
        }


def _columns(fieldnames: list[str] | None) -> dict[str, int]:
    keys = [header_key(name) for name in fieldnames or []]
    found: dict[str, int] = {}
    for name, (_, spellings) in STUDENT_COLUMNS.items():
        for index, key in enumerate(keys):
            if key in spellings:
                found[name] = index
                break
    missing = [STUDENT_COLUMNS[n][0] for n in STUDENT_COLUMNS if n not in found and n not in OPTIONAL_STUDENT_COLUMNS]
    if missing:
        raise FileProblem(
            f"The file has no column named {', '.join(missing)}. The first row must name the columns: "
            f"{', '.join(TEMPLATE_HEADER)} (Preferred last name and Email are optional)."
        )
    return found


def _cell(record: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return record[index].strip() if index is not None and index < len(record) else ""


def _student_row(line: int, record: list[str], columns: dict[str, int]) -> StudentRow:
    def cell(name: str) -> str:
        return _cell(record, columns, name)

    problems: list[str] = []
    upn = re.sub(r"\s+", "", cell("upn")).upper()
    if not upn:
        problems.append("The UPN is missing.")
    elif not UPN_RE.match(upn):
        problems.append(
            f"The UPN “{cell('upn')[:20]}” is not valid: a UPN is 13 characters, a letter then 12 digits "
            "(a temporary UPN ends in a letter)."
        )
    legal_first, legal_last = cell("legal_first_name"), cell("legal_last_name")
    if not legal_first:
        problems.append("The legal first name is missing.")
    if not legal_last:
        problems.append("The legal last name is missing.")
    first = cell("first_name") or legal_first
    last = cell("last_name") or legal_last
    for label, value in (("first name", first), ("last name", last)):
        if len(value) > 100:
            problems.append(f"The {label} is longer than 100 characters.")
    if len(legal_first) > 100 or len(legal_last) > 100:
        problems.append("A legal name is longer than 100 characters.")
    year_text = cell("year_group")
    match = YEAR_RE.match(year_text.lower())
    year = int(match.group(1)) if match else None
    if year not in YEAR_GROUPS:
        year = None
        problems.append(f"The year group “{year_text[:20]}” is not one of Year 7 to Year 13.")
    form = cell("form") or None
    if form and len(form) > 20:
        problems.append("The form is longer than 20 characters.")
    sen = cell("sen_provision").upper() or "N"
    if sen not in SEN_CODES:
        problems.append(f"The SEN provision “{cell('sen_provision')[:20]}” is not E, K or N.")
    flag = cell("disadvantaged").lower()
    if flag not in TRUE | FALSE:
        problems.append(f"The disadvantaged flag “{cell('disadvantaged')[:20]}” is not Y or N.")
    email = cell("email").lower() or None
    if email:
        if not plain_email(email):
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError:
                problems.append(f"The email “{email[:60]}” is not an email address like name@example.org.")
        if len(email) > 254:
            problems.append("The email is longer than 254 characters.")
    return StudentRow(
        line=line,
        upn=upn,
        legal_first_name=legal_first,
        legal_last_name=legal_last,
        first_name=first,
        last_name=last,
        year_group=year,
        form=form,
        sen_provision=sen,
        disadvantaged=flag in TRUE,
        email=email,
        problems=problems,
    )


def plain_email(email: str) -> bool:
    match = PLAIN_EMAIL_RE.match(email)
    return bool(match) and len(email) <= 254 and match.group(1) not in SPECIAL_USE_DOMAIN_NAMES


def read_students(data: bytes, filename: str, *, max_rows: int = MAX_STUDENT_ROWS) -> list[StudentRow]:
    """Every student row of an uploaded file, each with its own problems listed.

    Raises FileProblem when the file as a whole cannot be used (not a CSV, unreadable, no header,
    missing columns, no rows, too many rows). Entirely blank rows are ignored.
    """
    reader = csv.reader(io.StringIO(decode(data, filename), newline=""))
    try:
        header = next(reader, None)
        columns = _columns(header)
        rows: list[StudentRow] = []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= max_rows:
                raise FileProblem(
                    f"The file has more than {max_rows:,} students. Upload one school's students at a time, "
                    "from your MIS's export."
                )
            rows.append(_student_row(reader.line_num, record, columns))
    except csv.Error as error:
        raise FileProblem(f"Row {reader.line_num} could not be read as CSV ({error}).") from None
    if not rows:
        raise FileProblem("The file has a header row but no students.")
    _flag_repeats(rows, "upn", "UPN")
    _flag_repeats(rows, "email", "email")
    return rows


def _flag_repeats(rows: list[StudentRow], attribute: str, label: str) -> None:
    lines: dict[str, list[int]] = {}
    for row in rows:
        value = getattr(row, attribute)
        if value:
            lines.setdefault(value, []).append(row.line)
    for row in rows:
        value = getattr(row, attribute)
        if value and len(lines[value]) > 1:
            others = ", ".join(str(n) for n in lines[value] if n != row.line)
            row.problems.append(f"The {label} {value} is also on row {others}: each student needs their own.")


@dataclass(frozen=True)
class ExistingStudent:
    """A student already at the school, as the plan compares them (values as in StudentRow.values).
    `upn` is None for a student added by hand."""

    user_id: int
    upn: str | None
    email: str | None
    is_leaver: bool
    values: dict[str, Any]
    name: str


@dataclass
class Plan:
    rows: list[StudentRow]
    absent: list[ExistingStudent]  # current students of the school who are not in the file

    @property
    def problem_rows(self) -> list[StudentRow]:
        return [row for row in self.rows if row.problems]

    @property
    def ok(self) -> bool:
        return not self.problem_rows

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if not row.problems and row.action == action)


FIELD_LABELS = {
    "first_name": "preferred first name",
    "last_name": "preferred last name",
    "legal_first_name": "legal first name",
    "legal_last_name": "legal last name",
    "year_group": "year group",
    "form": "form",
    "sen_provision": "SEN provision",
    "disadvantaged": "disadvantaged",
    "email": "email",
}


def plan_students(rows: list[StudentRow], existing: Iterable[ExistingStudent], email_owners: dict[str, int]) -> Plan:
    """Decide what happens to each row: new, update or unchanged.

    `existing` is this school's students, and only this school's: a row updates the student with
    its UPN, or else a student added by hand (no UPN yet) with its email. `email_owners` maps each
    email in the file that an account already uses to that account's user id; a row's email may
    belong only to the student the row updates. Students of the school matched by no row are absent.
    """
    existing = list(existing)
    by_upn = {s.upn: s for s in existing if s.upn}
    by_id = {s.user_id: s for s in existing}
    claimed: set[int] = set()
    for row in rows:
        current = by_upn.get(row.upn)
        owner = email_owners.get(row.email) if row.email else None
        if current is None and owner in by_id and by_id[owner].upn is None and owner not in claimed:
            current = by_id[owner]  # a student added by hand: the file gives them their UPN
        if owner is not None and (current is None or owner != current.user_id):
            row.problems.append(f"The email {row.email} is already used by another Placements account.")
        if current is None:
            row.action = "new"
            continue
        claimed.add(current.user_id)
        row.user_id = current.user_id
        row.changes = [FIELD_LABELS[k] for k, v in row.values.items() if current.values.get(k) != v]
        if current.upn is None:
            row.changes.insert(0, "UPN added (matched by email)")
        if row.email and row.email != current.email:
            row.changes.append("email")
        if current.is_leaver:
            row.changes.append("returns (no longer a leaver)")
        row.action = "update" if row.changes else "unchanged"
    absent = sorted(
        (s for s in existing if s.user_id not in claimed and not s.is_leaver), key=lambda s: (s.name, s.user_id)
    )
    return Plan(rows, absent)


# ---------------------------------------------------------------------------------------------
# Schools from Get Information About Schools

GIAS_COLUMNS = (
    "URN",
    "EstablishmentName",
    "EstablishmentStatus (name)",
    "PhaseOfEducation (name)",
    "StatutoryHighAge",
    "TypeOfEstablishment (name)",
    "EstablishmentTypeGroup (name)",
    "Postcode",
    "Easting",
    "Northing",
    "OpenDate",
    "CloseDate",
)
OPEN_STATUSES = {"Open", "Open, but proposed to close"}
SECONDARY_PHASES = {"Secondary", "All-through", "Middle deemed secondary", "16 plus"}
GIAS_ENCODING = "cp1252"
POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


@dataclass(frozen=True)
class SchoolRecord:
    urn: str
    name: str
    postcode: str
    easting: int | None
    northing: int | None


def gias_date(text: str) -> date | None:
    """'01-09-2011' -> date(2011, 9, 1); '' -> None. Raises ValueError for any other form."""
    text = text.strip()
    return datetime.strptime(text, "%d-%m-%Y").date() if text else None  # noqa: DTZ007 (a date)


def is_secondary(phase: str, type_group: str, type_name: str, high_age: str) -> bool:
    """domain.md §7.1: a secondary phase, or a special school that teaches students aged 14 or more."""
    if phase in SECONDARY_PHASES:
        return True
    special = type_group == "Special schools" or "special" in type_name.lower()
    return special and (whole_number(high_age) or 0) >= 14


def _gias_record(get: Callable[[str], str], today: date) -> SchoolRecord | str:
    """A school to store, or the reason the row is skipped."""
    status = get("EstablishmentStatus (name)")
    if status not in OPEN_STATUSES:
        return f"status {status or 'missing'}"
    try:
        close = gias_date(get("CloseDate"))
        gias_date(get("OpenDate"))
    except ValueError:
        return "date not DD-MM-YYYY"
    if close is not None and close <= today:
        return "close date has passed"
    if not is_secondary(
        get("PhaseOfEducation (name)"),
        get("EstablishmentTypeGroup (name)"),
        get("TypeOfEstablishment (name)"),
        get("StatutoryHighAge"),
    ):
        return f"phase {get('PhaseOfEducation (name)') or 'missing'}"
    urn = get("URN")
    if not is_digits(urn, length=6):
        return "URN not 6 digits"
    name = get("EstablishmentName")
    if not name or len(name) > 200:
        return "name missing or too long"
    postcode = " ".join(get("Postcode").upper().split())
    if not POSTCODE_RE.match(postcode):
        return "postcode missing or not valid"
    try:
        easting, northing = int(get("Easting") or 0), int(get("Northing") or 0)
    except ValueError:
        easting = northing = 0
    located = easting > 0 and northing > 0
    return SchoolRecord(urn, name, postcode, easting if located else None, northing if located else None)


@dataclass
class GiasTally:
    """What an import did: counts of created, updated and unchanged schools and of skipped rows."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)

    def summary(self) -> list[str]:
        lines = [
            f"Created {self.created:,} schools, updated {self.updated:,}, left {self.unchanged:,} unchanged.",
            f"Skipped {sum(self.skipped.values()):,} rows" + (":" if self.skipped else "."),
        ]
        lines += [f"  {count:,} {reason}" for reason, count in self.skipped.most_common()]
        return lines


def read_gias(
    handle: IO[bytes],
    store: Callable[[list[SchoolRecord]], None],
    tally: GiasTally,
    *,
    batch_size: int = 2_000,
    progress: Callable[[int], None] | None = None,
    today: date | None = None,
) -> GiasTally:
    """Stream a GIAS file and call `store` with batches of eligible schools; skipped rows are counted
    in `tally` by reason. `progress` gets the bytes read since its last call.

    Raises FileProblem for a file without the needed columns or with bytes that are not cp1252
    (the caller rolls back what `store` wrote).
    """
    today = today or date.today()
    text = io.TextIOWrapper(handle, encoding=GIAS_ENCODING, newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
        if not header:
            raise FileProblem("The file is empty.")
        index = {name.strip(): i for i, name in enumerate(header)}
        missing = [name for name in GIAS_COLUMNS if name not in index]
        if missing:
            raise FileProblem(
                f"The file has no column named {', '.join(missing)}: is it the Get Information About Schools "
                "“all establishment data” file?"
            )
        seen: set[str] = set()
        batch: list[SchoolRecord] = []
        position = 0
        for record in reader:

            def get(name: str, record: list[str] = record) -> str:
                i = index[name]
                return record[i].strip() if i < len(record) else ""

            result = _gias_record(get, today)
            if isinstance(result, str):
                tally.skipped[result] += 1
                continue
            if result.urn in seen:
                tally.skipped["URN repeated in the file"] += 1
                continue
            seen.add(result.urn)
            batch.append(result)
            if len(batch) >= batch_size:
                store(batch)
                batch = []
                if progress:
                    now = handle.tell()
                    progress(now - position)
                    position = now
        store(batch)
        if progress:
            progress(max(0, handle.tell() - position))
    except UnicodeDecodeError:
        raise FileProblem(
            f"Row {reader.line_num + 1} has bytes that are not Windows-1252 text: is it the GIAS CSV file?"
        ) from None
    except csv.Error as error:
        raise FileProblem(f"Row {reader.line_num} could not be read as CSV ({error}).") from None
    finally:
        text.detach()
    return tally


def chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
