"""The public placement list and detail pages: page vs fragment, filters, sorting, paging, bad input."""

from __future__ import annotations

import pytest

from tests.discover_helpers import HX, add_placement, clear_placements, counted_queries, titles


@pytest.fixture
def known(app):
    """Only these placements exist (the demo's are removed)."""
    clear_placements(app)
    return {
        "web": add_placement(
            app,
            "Web design day",
            route="digital",
            years=(9, 10),
            start_in=40,
            deadline_in=20,
            features=("step_free_access", "quiet_space"),
            activity="workplace_visit",
        ),
        "care": add_placement(
            app,
            "Care home visit",
            organisation="Kennington Care Partnership",
            route="care",
            postcode="SE11 5QY",
            years=(11,),
            start_in=20,
            deadline_in=5,
            features=("step_free_access",),
            activity="work_shadowing",
            created_days_ago=3,
        ),
        "talk": add_placement(
            app,
            "Online engineering talk",
            organisation="Ardwick Engineering Works",
            mode="virtual",
            route="engineering",
            years=(7, 8, 9),
            start_in=60,
            deadline_in=30,
            activity="employer_talk",
            created_days_ago=10,
        ),
        "leeds": add_placement(
            app,
            "Legal week in Leeds",
            organisation="Park Square Legal and Finance",
            route="legal_finance",
            postcode="LS1 4DY",
            years=(12,),
            start_in=50,
            deadline_in=2,
            activity="work_experience_placement",
            created_days_ago=1,
        ),
    }


def test_list_is_a_page_without_sign_in(client, known):
    response = client.get("/placements/")
    assert response.status_code == 200
    assert "<html" in response.text
    assert set(titles(response.text)) == {
        "Web design day",
        "Care home visit",
        "Online engineering talk",
        "Legal week in Leeds",
    }
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_request_gets_the_results_fragment_with_vary(client, known):
    response = client.get("/placements/?q=care", headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text and "<form" not in response.text
    assert titles(response.text) == ["Care home visit"]
    for header in ("HX-Request", "HX-Boosted", "HX-History-Restore-Request"):
        assert header in response.headers["Vary"]


@pytest.mark.parametrize("extra", [{"HX-History-Restore-Request": "true"}, {"HX-Boosted": "true"}])
def test_history_restore_and_boosted_requests_get_the_page(client, known, extra):
    response = client.get("/placements/?q=care", headers=HX | extra)
    assert "<html" in response.text
    assert titles(response.text) == ["Care home visit"]


def test_the_form_works_without_javascript_and_htmx_uses_the_same_url(client, known):
    html = client.get("/placements/").text
    assert '<form method="get" action="/placements/"' in html
    assert 'hx-get="/placements/"' in html and 'hx-push-url="true"' in html and 'hx-target="#results"' in html
    assert 'id="results"' in html and '<button type="submit"' in html


def test_only_open_published_placements_of_approved_organisations_are_listed(app, client, known):
    add_placement(app, "Draft one", status="draft")
    add_placement(app, "Deadline passed", deadline_in=-1, start_in=5)
    add_placement(app, "Full up", capacity=2, filled=2)
    add_placement(app, "Unapproved employer", organisation="Greenwich Riverside Kitchen", postcode="SE10 0ER")
    add_placement(app, "Deadline today", deadline_in=0)
    shown = titles(client.get("/placements/").text)
    assert "Deadline today" in shown
    assert not {"Draft one", "Deadline passed", "Full up", "Unapproved employer"} & set(shown)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=DESIGN", ["Web design day"]),  # case-insensitive title
        ("q=kennington", ["Care home visit"]),  # organisation name
        ("q=real+workplace&route=care", ["Care home visit"]),  # description
        ("q=100%25", []),  # % is a character, not a wildcard
        ("q=_", []),
        ("route=digital", ["Web design day"]),
        ("mode=virtual", ["Online engineering talk"]),
        ("activity=work_shadowing", ["Care home visit"]),
        ("year=12", ["Legal week in Leeds"]),
        ("year=9", ["Web design day", "Online engineering talk"]),
        ("access=step_free_access", ["Care home visit", "Web design day"]),
        ("access=step_free_access&access=quiet_space", ["Web design day"]),  # all ticked must be offered
        ("from={d45}", ["Legal week in Leeds", "Online engineering talk"]),
        ("from={d30}&to={d55}", ["Web design day", "Legal week in Leeds"]),
    ],
)
def test_filters(client, known, query, expected):
    from datetime import date, timedelta

    days = {f"d{n}": (date.today() + timedelta(days=n)).isoformat() for n in (30, 45, 55)}
    response = client.get(f"/placements/?{query.format(**days)}")
    assert response.status_code == 200
    assert titles(response.text) == expected


def test_distance_from_a_postcode_keeps_those_within_the_radius_and_online_ones(client, known):
    response = client.get("/placements/?postcode=se5+8uh&radius=10&sort=nearest")
    assert response.status_code == 200
    # SE11 5QY is nearer SE5 8UH than SE1 7PB; Leeds is out of range; the virtual talk comes last
    assert titles(response.text) == ["Care home visit", "Web design day", "Online engineering talk"]
    assert "from SE5 8UH" in response.text
    assert "km from SE5 8UH" in response.text and "Virtual: no travel" in response.text
    far = client.get("/placements/?postcode=SE5+8UH&radius=2")
    assert "Web design day" not in titles(far.text)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["Care home visit", "Web design day", "Legal week in Leeds", "Online engineering talk"]),
        ("soonest", ["Care home visit", "Web design day", "Legal week in Leeds", "Online engineering talk"]),
        ("closing", ["Legal week in Leeds", "Care home visit", "Web design day", "Online engineering talk"]),
        ("newest", ["Web design day", "Legal week in Leeds", "Care home visit", "Online engineering talk"]),
    ],
)
def test_sorting(client, known, sort, expected):
    assert titles(client.get(f"/placements/?sort={sort}").text) == expected


def test_sorting_by_distance_needs_a_postcode(client, known):
    response = client.get("/placements/?sort=nearest")
    assert response.status_code == 200
    assert "Enter a postcode to sort by distance" in response.text
    assert titles(response.text)[0] == "Care home visit"  # soonest instead


def test_pagination_keeps_the_filters_in_its_links(app, client, known):
    app.config["PAGE_SIZE"] = 2
    first = client.get("/placements/?mode=in_person")
    assert titles(first.text) == ["Care home visit", "Web design day"]
    assert "Page 1 of 2" in first.text
    assert 'href="/placements/?page=2&amp;mode=in_person"' in first.text or "mode=in_person&amp;page=2" in first.text
    second = client.get("/placements/?mode=in_person&page=2")
    assert titles(second.text) == ["Legal week in Leeds"]
    past = client.get("/placements/?mode=in_person&page=9")
    assert past.status_code == 200
    assert "There are only 2 pages of results, so here is page 2." in past.text
    assert titles(past.text) == ["Legal week in Leeds"]
    with_postcode = client.get("/placements/?postcode=SE5+8UH&radius=10&sort=nearest&page=2")
    assert titles(with_postcode.text) == ["Online engineering talk"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=abc", "Page numbers are whole numbers"),
        ("page=-1", "Page numbers are whole numbers"),
        ("page=99999999999999999999", "Page numbers are whole numbers"),
        ("radius=100000", "Choose a distance from the list"),
        ("radius=-5&postcode=SE5+8UH", "Choose a distance from the list"),
        ("radius=1e308", "Choose a distance from the list"),
        ("postcode=SE5+9ZZ", "We could not find the postcode SE5 9ZZ"),
        ("postcode=not+a+postcode", "is not a UK postcode"),
        ("route=astronaut", "We do not know the area of work"),
        ("mode=teleport", "We do not know the way of taking part"),
        ("activity=%00%ff", "We do not know the kind of activity"),
        ("year=14", "Choose a year group from 7 to 13"),
        ("year=ten", "Choose a year group from 7 to 13"),
        ("access=jetpack", "We do not know the adjustment"),
        ("from=2026-02-30", "Enter the earliest start date as a date"),
        ("to=tomorrow", "Enter the latest start date as a date"),
        ("from=2027-05-01&to=2027-04-01", "must be the same as or after the earliest"),
        ("sort=random", "We cannot sort by"),
        ("q=" + "x" * 500, "Search words can be at most 100 characters"),
    ],
)
def test_bad_input_gets_a_clear_message_not_an_error(client, known, query, message):
    for headers in ({}, HX):
        response = client.get(f"/placements/?{query}", headers=headers)
        assert response.status_code == 422, query
        assert message in response.text
        assert 'role="alert"' in response.text


def test_detail_page_of_a_published_placement_shows_no_personal_data(app, client, known):
    response = client.get(f"/placements/{known['web']}")
    assert response.status_code == 200
    text = response.text
    assert "Web design day" in text and "Southwark Digital Studio" in text
    assert "postcode district SE1" in text and "SE1 7PB" not in text
    assert "Step-free access" in text
    assert "safeguarding1@" not in text and "employer1@" not in text and "Designated safeguarding lead" not in text


def test_the_list_shows_no_staff_names_or_emails(client, known):
    text = client.get("/placements/").text
    assert "@placements.example" not in text
    assert "SE1 7PB" not in text  # the district only


@pytest.mark.parametrize("status", ["draft", "cancelled", "closed"])
def test_detail_of_an_unpublished_placement_is_not_found(app, client, known, status):
    placement_id = add_placement(app, "Not for the public", status=status)
    assert client.get(f"/placements/{placement_id}").status_code == 404
    assert client.get("/placements/999999").status_code == 404


def test_queries_per_page_do_not_grow_with_the_number_of_results(app, client):
    clear_placements(app)

    def count(url):
        with counted_queries(app) as statements:
            response = client.get(url)
        assert response.status_code == 200
        return len(statements), response

    urls = ["/placements/?access=step_free_access", "/placements/?postcode=SE5+8UH&radius=10&sort=nearest"]
    for n in range(5):
        add_placement(app, f"Placement {n}", features=("step_free_access",), start_in=20 + n)
    few = {url: count(url) for url in urls}
    for n in range(5, 50):
        add_placement(app, f"Placement {n}", features=("step_free_access",), start_in=20 + n)
    many = {url: count(url) for url in urls}
    for url in urls:
        assert len(titles(few[url][1].text)) == 5
        assert len(titles(many[url][1].text)) == 25
        assert few[url][0] == many[url][0], url
