"""`flask schools import FILE`: the DfE's Get Information About Schools file (cp1252, DD-MM-YYYY),
open secondary-phase schools only, inserted or updated by URN. Files are generated here."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from placements import onboarding
from placements.extensions import db
from placements.models import School

HEADER = [
    "URN", "LA (code)", "LA (name)", "EstablishmentNumber", "EstablishmentName",
    "TypeOfEstablishment (code)", "TypeOfEstablishment (name)", "EstablishmentTypeGroup (code)",
    "EstablishmentTypeGroup (name)", "EstablishmentStatus (code)", "EstablishmentStatus (name)",
    "OpenDate", "CloseDate", "PhaseOfEducation (code)", "PhaseOfEducation (name)", "StatutoryLowAge",
    "StatutoryHighAge", "Street", "Town", "Postcode", "Easting", "Northing",
]  # fmt: skip


def school(urn: str, name: str, **changes) -> dict[str, str]:
    row = {
        "URN": urn,
        "LA (code)": "210",
        "LA (name)": "Southwark",
        "EstablishmentNumber": "4001",
        "EstablishmentName": name,
        "TypeOfEstablishment (code)": "28",
        "TypeOfEstablishment (name)": "Academy sponsor led",
        "EstablishmentTypeGroup (code)": "10",
        "EstablishmentTypeGroup (name)": "Academies",
        "EstablishmentStatus (code)": "1",
        "EstablishmentStatus (name)": "Open",
        "OpenDate": "01-09-2011",
        "CloseDate": "",
        "PhaseOfEducation (code)": "4",
        "PhaseOfEducation (name)": "Secondary",
        "StatutoryLowAge": "11",
        "StatutoryHighAge": "18",
        "Street": "Peckham Road",
        "Town": "London",
        "Postcode": "SE5 8UH",
        "Easting": "533180",  # about 51.474 N, 0.087 W
        "Northing": "176560",
    }
    return row | changes


def gias_file(tmp_path, rows, header=HEADER, name="edubasealldata20260401.csv"):
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode("cp1252"))
    return str(path)


def school_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(School))


ROWS = [
    school("140001", "St Ædán's Catholic College"),
    school("140002", "Old Town School", **{"EstablishmentStatus (name)": "Closed", "CloseDate": "31-08-2019"}),
    school("140003", "Meadow Primary", **{"PhaseOfEducation (name)": "Primary", "StatutoryHighAge": "11"}),
    school("140004", "Riverside Special School", **{
        "PhaseOfEducation (name)": "Not applicable", "EstablishmentTypeGroup (name)": "Special schools",
        "TypeOfEstablishment (name)": "Community special school", "StatutoryHighAge": "16"}),
    school("140005", "Little Acorns Special", **{
        "PhaseOfEducation (name)": "Not applicable", "EstablishmentTypeGroup (name)": "Special schools",
        "StatutoryHighAge": "11"}),
    school("140006", "Northgate Sixth Form", **{
        "PhaseOfEducation (name)": "16 plus", "EstablishmentStatus (name)": "Open, but proposed to close",
        "CloseDate": "31-08-2099", "Postcode": "m14 5rb", "Easting": "", "Northing": ""}),
    school("140007", "Future Academy", **{"EstablishmentStatus (name)": "Proposed to open"}),
    school("140008", "Odd Dates High", OpenDate="2011-09-01"),
    school("140001", "St Ædán's Catholic College again"),
    school("999001", "Camberwell Park Academy (renamed)"),  # a demo school: updated by URN
]  # fmt: skip


def test_import_adds_and_updates_open_secondary_schools_and_explains_the_rest(runner, app, tmp_path):
    before = school_count(app)
    result = runner.invoke(args=["schools", "import", gias_file(tmp_path, ROWS)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-8:] == [
        "Created 3 schools, updated 1, left 0 unchanged.",
        "Skipped 6 rows:",
        "  1 status Closed",
        "  1 phase Primary",
        "  1 phase Not applicable",
        "  1 status Proposed to open",
        "  1 date not DD-MM-YYYY",
        "  1 URN repeated in the file",
    ]
    assert school_count(app) == before + 3
    with app.app_context():
        schools = {s.urn: s for s in db.session.scalars(select(School))}
        aedan = schools["140001"]
        assert aedan.name == "St Ædán's Catholic College" and aedan.postcode == "SE5 8UH"
        assert aedan.lat == pytest.approx(51.474, abs=0.01) and aedan.lon == pytest.approx(-0.087, abs=0.01)
        assert schools["140004"].name == "Riverside Special School"
        assert (schools["140006"].postcode, schools["140006"].lat) == ("M14 5RB", None)
        assert schools["999001"].name == "Camberwell Park Academy (renamed)"
        assert not {"140002", "140003", "140005", "140007", "140008"} & set(schools)

    again = runner.invoke(
        args=["schools", "import", gias_file(tmp_path, [*ROWS[:3], ROWS[3] | {"EstablishmentName": "Riverside"}])]
    )
    assert "Created 0 schools, updated 1, left 1 unchanged." in again.output
    assert school_count(app) == before + 3


def test_a_file_without_the_columns_changes_nothing(runner, app, tmp_path):
    before = school_count(app)
    header = [h for h in HEADER if h not in ("Easting", "PhaseOfEducation (name)")]
    result = runner.invoke(args=["schools", "import", gias_file(tmp_path, ROWS, header=header)])
    assert result.exit_code == 1
    assert (
        "Error: The file has no column named PhaseOfEducation (name), Easting: is it the Get Information About "
        "Schools “all establishment data” file? Nothing was imported."
    ) in result.output
    assert school_count(app) == before


def test_bytes_that_are_not_cp1252_roll_back_everything(runner, app, tmp_path, monkeypatch):
    monkeypatch.setattr(onboarding.read_gias, "__kwdefaults__", {"batch_size": 1, "progress": None, "today": None})
    path = tmp_path / "broken.csv"
    good = Path(gias_file(tmp_path, ROWS[:3])).read_bytes()
    path.write_bytes(good + b"140009,210,S,1,Bad \x81 name\r\n")
    before = school_count(app)
    result = runner.invoke(args=["schools", "import", str(path)])
    assert result.exit_code == 1
    assert "has bytes that are not Windows-1252 text: is it the GIAS CSV file? Nothing was imported." in result.output
    assert school_count(app) == before  # the first batch, already written, was rolled back


def test_eligibility_follows_domain_rules():
    assert onboarding.is_secondary("Middle deemed secondary", "", "", "13")
    assert onboarding.is_secondary("All-through", "", "", "16")
    assert not onboarding.is_secondary("Middle deemed primary", "", "", "12")
    assert onboarding.is_secondary("Not applicable", "Other types", "Academy special converter", "19")
    assert not onboarding.is_secondary("Not applicable", "Special schools", "", "")
    assert onboarding.gias_date("01-09-2011") == date(2011, 9, 1)
    with pytest.raises(ValueError):
        onboarding.gias_date("2011-09-01")
