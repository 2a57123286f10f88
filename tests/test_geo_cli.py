"""`flask geo load-codepoint` and `flask geo import-onspd` through the Flask CLI runner, on the real database.

Each test starts from the demo tables (real Code-Point Open rows for the demo districts, see conftest.py).
"""

from __future__ import annotations

import csv
import gzip
from statistics import fmean

import pytest
from sqlalchemy import delete, func, select

from placements import geo
from placements.extensions import db
from placements.models import Outcode, Postcode


def tables(app) -> tuple[set, set]:
    """Everything in both postcode tables, to compare before and after."""
    with app.app_context():
        postcodes = set(db.session.execute(select(Postcode.postcode, Postcode.outcode, Postcode.lat, Postcode.lon)))
        outcodes = set(db.session.execute(select(Outcode.outcode, Outcode.lat, Outcode.lon, Outcode.postcode_count)))
        db.session.remove()
    return postcodes, outcodes


def codepoint_count(outcode: str) -> int:
    """How many postcodes of a district the shipped file gives a grid reference, counted independently."""
    (path,) = geo.codepoint_files({outcode})
    with gzip.open(path, "rt", newline="") as handle:
        return sum(1 for pc, quality, *_ in csv.reader(handle) if pc.split()[0] == outcode and quality != "90")


def test_load_codepoint_for_some_districts(app, runner):
    result = runner.invoke(args=["geo", "load-codepoint", "--outcode", "sw1a", "--outcode", "M1"])
    assert result.exit_code == 0, result.output
    expected = {"SW1A": codepoint_count("SW1A"), "M1": codepoint_count("M1")}
    assert f"Loaded {sum(expected.values()):,} postcodes" in result.output
    with app.app_context():
        assert geo.postcode_count() == sum(expected.values())
        counts = dict(db.session.execute(select(Postcode.outcode, func.count()).group_by(Postcode.outcode)).all())
        assert counts == expected and all(n > 50 for n in counts.values())
        palace = geo.lookup("SW1A 1AA")
        assert palace.lat == pytest.approx(51.501, abs=5e-4) and palace.lon == pytest.approx(-0.1416, abs=5e-4)
        assert geo.lookup("M1 1AE").lat == pytest.approx(53.48, abs=0.01)
        with pytest.raises(geo.PostcodeError):
            geo.lookup("SE1 7PB")  # the demo rows were replaced, not added to
        assert db.session.scalars(select(Outcode.outcode).order_by(Outcode.outcode)).all() == ["M1", "SW1A"]
        sw1a = db.session.get(Outcode, "SW1A")
        rows = db.session.execute(select(Postcode.lat, Postcode.lon).where(Postcode.outcode == "SW1A")).all()
    assert sw1a.postcode_count == expected["SW1A"]
    assert sw1a.lat == pytest.approx(fmean(r.lat for r in rows), abs=1e-9)
    assert sw1a.lon == pytest.approx(fmean(r.lon for r in rows), abs=1e-9)
    assert 51.49 < sw1a.lat < 51.51 and -0.15 < sw1a.lon < -0.12


def test_load_codepoint_if_empty_leaves_a_loaded_table_alone(app, runner):
    before = tables(app)
    result = runner.invoke(args=["geo", "load-codepoint", "--if-empty", "--outcode", "SW1A"])
    assert result.exit_code == 0 and "already loaded" in result.output
    assert tables(app) == before


def test_load_codepoint_if_empty_loads_an_empty_table_once(app, runner):
    with app.app_context():
        db.session.execute(delete(Outcode))
        db.session.execute(delete(Postcode))
        db.session.commit()
    first = runner.invoke(args=["geo", "load-codepoint", "--if-empty", "--outcode", "SW1A"])
    assert first.exit_code == 0 and "Loaded" in first.output
    loaded = tables(app)
    assert len(loaded[0]) == codepoint_count("SW1A")
    second = runner.invoke(args=["geo", "load-codepoint", "--if-empty", "--outcode", "M1"])
    assert second.exit_code == 0 and "already loaded" in second.output
    assert tables(app) == loaded


@pytest.mark.parametrize(
    ("outcode", "message"),
    [("QQ1", "“QQ1” is not a postcode district"), ("ZE9", "no postcodes to load"), ("XX", "not a postcode district")],
)
def test_load_codepoint_with_a_bad_district_changes_nothing(app, runner, outcode, message):
    before = tables(app)
    result = runner.invoke(args=["geo", "load-codepoint", "--outcode", outcode])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output
    assert tables(app) == before


ONSPD_HEADER = "\ufeffPCD,PCDS,dointr,DOTERM,oseast1m,Lat,LONG,rgn\r\n"
ONSPD_ROWS = [
    "SW1A1AA,SW1A 1AA,198001,,529090,51.501009,-0.141588,E12000007",
    "SW1A0AA,sw1a0aa,198001,,530268,51.499840,-0.124663,E12000007",  # normalised on the way in
    "SW1A1AB,SW1A 1AB,198001,200212,529090,51.501009,-0.141588,E12000007",  # terminated
    "GY1 1AA,GY1 1AA,198001,,,99.999999,0.000000,L99999999",  # no grid reference
    "M1  1AE,M1 1AE,198001,,384756,53.479302,-2.234850,E12000002",
    "bad,not a postcode,198001,,1,53.0,-2.0,E12000002",
    "M1  1AF,M1 1AF,198001,,384359,not a number,-2.2,E12000002",
]


def write(tmp_path, content: str | bytes, name: str = "onspd.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def live_rows(count: int) -> str:
    """`count` distinct valid ONSPD rows (more than one batch when count > geo.BATCH)."""
    inward = [f"{d}{a}{b}" for d in range(10) for a in "ABDEFGHJLN" for b in "ABDEFGHJLNPQRSTUWXYZ"]
    outward = [f"LS{n}" for n in range(1, 30)]
    postcodes = [f"{o} {i}" for o in outward for i in inward][:count]
    assert len(postcodes) == count
    return "".join(f"{p},{53 + n / 1e6:.6f},-1.55,\n" for n, p in enumerate(postcodes))


def test_import_onspd(app, runner, tmp_path):
    result = runner.invoke(args=["geo", "import-onspd", write(tmp_path, ONSPD_HEADER + "\r\n".join(ONSPD_ROWS))])
    assert result.exit_code == 0, result.output
    assert "Imported 3 live postcodes" in result.output
    with app.app_context():
        assert geo.lookup("SW1A 1AA") == geo.Location("SW1A 1AA", 51.501009, -0.141588)
        assert geo.lookup("SW1A 0AA").lat == 51.49984
        assert geo.lookup("M1 1AE").lon == -2.23485
        assert geo.postcode_count() == 3
        sw1a = geo.lookup_outcode("SW1A")
        assert sw1a.lat == pytest.approx((51.501009 + 51.49984) / 2, abs=1e-9)
        assert sw1a.lon == pytest.approx((-0.141588 - 0.124663) / 2, abs=1e-9)
        assert db.session.get(Outcode, "M1").postcode_count == 1


def test_import_onspd_reports_progress_in_bytes(app, tmp_path):
    content = "pcds,lat,long,doterm\n" + live_rows(geo.BATCH + 10)
    path = write(tmp_path, content)
    seen: list[int] = []
    with app.app_context(), open(path, "rb") as handle:
        count = geo.import_onspd(handle, progress=seen.append)
    assert count == geo.BATCH + 10
    assert len(seen) >= 2 and sum(seen) == len(content.encode())


BAD_FILES = {
    "no columns": ("pcd,lat,lon\nSW1A1AA,51.5,-0.14\n", "no column named pcds, long"),
    "empty": ("", "This file is empty"),
    "blank lines only": ("\n\n\n", "This file is empty"),
    "header only": ("pcds,lat,long\n", "no postcodes to load"),
    "nothing live": (
        "pcds,lat,long,doterm\nSW1A 1AA,51.5,-0.14,202001\nGY1 1AA,99.999999,0,\n",
        "no postcodes to load",
    ),
    "latin-1": ("pcds,lat,long,name\nSW1A 1AA,51.5,-0.14,Café\n".encode("latin-1"), "not UTF-8 text"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x02\x00\xff\xfe\xfd", "not UTF-8 text"),
    "zip": (b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xa3\x8b\x9cX\xd1\xe2\xf3\x04", "not UTF-8 text"),
    "prose": ("Dear colleague,\nplease find the postcodes attached.\n", "no column named pcds, lat, long"),
    "json": ('{"pcds": "SW1A 1AA", "lat": 51.5, "long": -0.14}\n', "no column named"),
    "duplicate postcode": ("pcds,lat,long\nSW1A 1AA,51.5,-0.14\nsw1a1aa,51.5,-0.14\n", "more than once"),
    "runaway quote": ('pcds,lat,long\nSW1A 1AA,51.5,-0.14\n"' + "x" * 200_000, "not a readable CSV file"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_import_onspd_bad_file_changes_nothing(app, runner, tmp_path, case):
    content, message = BAD_FILES[case]
    before = tables(app)
    result = runner.invoke(args=["geo", "import-onspd", write(tmp_path, content)])
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output and message in result.output and "Traceback" not in result.output
    assert tables(app) == before


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        (b"LS30 1AA,53.8,-1.55,\n" + "Gar\xe7on,1,2,\n".encode("latin-1"), "not UTF-8 text"),
        (b"LS1 1AA,53.8,-1.55,\n", "more than once"),  # LS1 1AA is among the rows already written
        (b'"' + b"x" * 200_000, "not a readable CSV file"),
    ],
)
def test_import_onspd_failing_late_changes_nothing(app, runner, tmp_path, tail, message):
    """The bad part comes after more than a batch of good rows has been written: all of it is undone."""
    before = tables(app)
    content = b"pcds,lat,long,doterm\n" + live_rows(geo.BATCH + 5000).encode() + tail
    result = runner.invoke(args=["geo", "import-onspd", write(tmp_path, content)])
    assert result.exit_code == 1 and message in result.output, result.output
    assert tables(app) == before
    good = runner.invoke(args=["geo", "import-onspd", write(tmp_path, content[: -len(tail)], "good.csv")])
    assert good.exit_code == 0, good.output
    assert f"Imported {geo.BATCH + 5000:,} live postcodes" in good.output


def test_import_onspd_missing_file(runner, tmp_path):
    result = runner.invoke(args=["geo", "import-onspd", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "does not exist" in result.output
