"""placements.geo: postcode format rules, lookups against the real demo tables, and the Code-Point reader."""

from __future__ import annotations

import gzip
from statistics import fmean

import pytest
from sqlalchemy import select

from placements import geo
from placements.extensions import db
from placements.models import Outcode, Postcode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        ("  sw1a   1aa  ", "SW1A 1AA"),
        ("Sw1A\t1aA\n", "SW1A 1AA"),
        ("SW1A\u00a01AA", "SW1A 1AA"),  # a no-break space, as pasted from a web page
        ("M1 1AE", "M1 1AE"),  # A9 9AA
        ("m11ae", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),  # A99 9AA
        ("CR2 6XH", "CR2 6XH"),  # AA9 9AA
        ("DN55 1PT", "DN55 1PT"),  # AA99 9AA
        ("W1A 0AX", "W1A 0AX"),  # A9A 9AA
        ("EC1A 1BB", "EC1A 1BB"),  # AA9A 9AA
    ],
)
def test_normalise_accepts_every_uk_format(text, expected):
    assert geo.normalise(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "GIR 0AA",  # Girobank's non-geographic postcode: not in our tables, rejected as a format
        "SW1A 1A",
        "SW1A 1AAA",
        "SW1A",
        "1AA SW1A",
        "SW1A-1AA",
        "SW1A 1CA",  # C, I, K, M, O, V never end a postcode
        "QA1 1AA",  # Q, V, X never start one
        "AZ1 1AA",  # I, J, Z are never second
        "W1I 1AA",  # not a letter a district can end with
        "ＳＷ１Ａ １ＡＡ",  # full-width characters
        "hello",
        "99999",
    ],
)
def test_normalise_rejects_what_is_not_a_postcode(text):
    with pytest.raises(geo.PostcodeError) as caught:
        geo.normalise(text)
    message = str(caught.value)
    assert "is not a UK postcode" in message and "SW1A 1AA" in message


@pytest.mark.parametrize("text", ["", "   ", "\n\t", None])
def test_normalise_asks_for_a_postcode_when_there_is_none(text):
    with pytest.raises(geo.PostcodeError, match=r"^Enter a postcode\.$"):
        geo.normalise(text)


def test_error_message_quotes_input_on_one_short_line():
    with pytest.raises(geo.PostcodeError) as caught:
        geo.normalise("x" * 10_000 + "\n<script>")
    message = str(caught.value)
    assert len(message) < 80 and "\n" not in message and "xxxxxxxxxxx…" in message
    with pytest.raises(geo.PostcodeError, match="“SW1A 1A” is not"):
        geo.normalise("  SW1A \n 1A ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("sw1a", "SW1A"), (" se15 ", "SE15"), ("m1", "M1"), ("W1A", "W1A"), ("sw1a 1aa", "SW1A"), ("m11ae", "M1")],
)
def test_normalise_outcode(text, expected):
    assert geo.normalise_outcode(text) == expected


@pytest.mark.parametrize("text", ["SW", "1SW", "SW1A1", "SW123", "QA1", "x" * 500])
def test_normalise_outcode_rejects_what_is_not_a_district(text):
    with pytest.raises(geo.PostcodeError, match="is not a postcode district") as caught:
        geo.normalise_outcode(text)
    assert len(str(caught.value)) < 90


def test_normalise_outcode_asks_for_a_district_when_there_is_none():
    with pytest.raises(geo.PostcodeError, match=r"^Enter a postcode district\.$"):
        geo.normalise_outcode("  ")


def test_area():
    assert [geo.area(o) for o in ("SW1A", "M1", "EC1A", "B33")] == ["SW", "M", "EC", "B"]


def test_lookup_finds_a_real_postcode(app):
    with app.app_context():
        where = geo.lookup(" se1 7pb")
    assert where.postcode == "SE1 7PB"
    assert where.lat == pytest.approx(51.50, abs=0.02) and where.lon == pytest.approx(-0.11, abs=0.02)


def test_lookup_of_a_valid_postcode_not_in_the_table(app):
    with app.app_context(), pytest.raises(geo.PostcodeError, match="could not find the postcode ZE1 0AA"):
        geo.lookup("ze10aa")


def test_lookup_outcode_is_the_mean_of_its_postcodes(app):
    with app.app_context():
        where = geo.lookup_outcode("se5 8uh")
        rows = db.session.execute(select(Postcode.lat, Postcode.lon).where(Postcode.outcode == "SE5")).all()
        count = db.session.get(Outcode, "SE5").postcode_count
    assert where.postcode == "SE5" and count == len(rows) > 100
    assert where.lat == pytest.approx(fmean(r.lat for r in rows), abs=1e-9)
    assert where.lon == pytest.approx(fmean(r.lon for r in rows), abs=1e-9)


def test_lookup_outcode_not_in_the_table(app):
    with app.app_context(), pytest.raises(geo.PostcodeError, match="could not find the postcode district SW1A"):
        geo.lookup_outcode("SW1A")


def test_distance_km_london_to_manchester():
    assert geo.distance_km((51.501, -0.1416), (53.4794, -2.2453)) == pytest.approx(263, abs=3)


def test_codepoint_files_for_some_districts():
    assert [f.name for f in geo.codepoint_files({"SW1A", "M1", "SE15"})] == ["m.csv.gz", "se.csv.gz", "sw.csv.gz"]
    assert len(geo.codepoint_files()) == 120


def write_gz(path, text: str):
    with gzip.open(path, "wt", encoding="ascii", newline="") as handle:
        handle.write(text)
    return path


def test_read_codepoint_skips_lines_without_a_usable_position(tmp_path):
    path = write_gz(
        tmp_path / "sw.csv.gz",
        "SW1A 1AA,10,529090,179645\n"
        "SW1A 2AA,50,530047,179951\n"
        "SW1A 0AA,90,0,0\n"  # quality 90: no grid reference
        "SW1A 1AB,10,529090,179645\n",
    )
    rows = geo.read_codepoint(path)
    assert [r["postcode"] for r in rows] == ["SW1A 1AA", "SW1A 2AA", "SW1A 1AB"]
    assert rows[0] == {"postcode": "SW1A 1AA", "outcode": "SW1A", "lat": pytest.approx(51.501, abs=5e-4),
                       "lon": pytest.approx(-0.1416, abs=5e-4)}  # fmt: skip
    assert geo.read_codepoint(path, {"SW1B"}) == []


def test_read_codepoint_reads_unusual_lines_the_same_way(tmp_path):
    usual = geo.read_codepoint(write_gz(tmp_path / "a.csv.gz", "SW1A 1AA,10,529090,179645\nM1 1AE,10,384756,398553\n"))
    unusual = geo.read_codepoint(
        write_gz(
            tmp_path / "b.csv.gz",
            "\r\n".join(
                [
                    '"SW1A1AA",10,529090,179645,"E92000001","E19000003"',  # the OS download's own layout
                    "not a postcode,10,1,2",
                    "",
                    "M1  1AE,10,384756,398553",
                    "M1 1AF,10,nowhere,398553",
                    "M1 1AG,10,384756",
                ]
            ),
        )
    )
    assert unusual == usual and len(usual) == 2


def test_load_codepoint_failing_part_way_leaves_the_tables_as_they_were(app, tmp_path):
    good = write_gz(tmp_path / "sw.csv.gz", "SW1A 1AA,10,529090,179645\n")
    with app.app_context():
        before = db.session.execute(select(Postcode)).scalars().all()
        before = {(p.postcode, p.lat, p.lon) for p in before}
        db.session.remove()
        with pytest.raises(FileNotFoundError):
            geo.load_codepoint([good, tmp_path / "missing.csv.gz"])
        after = {(p.postcode, p.lat, p.lon) for p in db.session.execute(select(Postcode)).scalars()}
        assert after == before and len(before) > 1000
        assert geo.load_codepoint([good]) == 1  # and the session is usable afterwards
        assert [o.outcode for o in db.session.scalars(select(Outcode))] == ["SW1A"]
