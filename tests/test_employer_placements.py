"""Employers post and manage placements; safeguarding facts are stated once on the organisation."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from placements import publishing
from placements.extensions import db
from placements.models import Organisation, Placement, User
from tests import conftest

HX = {"HX-Request": "true"}
TODAY = date.today()


def form(**changes):
    """A valid new-placement submission for employer1 (Southwark Digital Studio, SE1 7PB)."""
    data = {
        "title": "Test in the studio",
        "description": "A day with our designers.",
        "task": "Design a poster.",
        "activity_type": "work_shadowing",
        "delivery_mode": "in_person",
        "route": "digital",
        "postcode": "se1 7pb",
        "start_date": (TODAY + timedelta(days=40)).isoformat(),
        "end_date": (TODAY + timedelta(days=41)).isoformat(),
        "start_time": "09:00",
        "end_time": "15:30",
        "application_deadline": (TODAY + timedelta(days=20)).isoformat(),
        "capacity": "4",
        "year_groups": ["9", "10"],
        "adjustments": ["step_free_access", "quiet_space"],
        "criteria": ["purpose_shared", "employer_task"],
        "applicant_question": "Why design?",
        "save": "Save as draft",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def count(app, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(Placement)
        for name, value in where.items():
            query = query.where(getattr(Placement, name) == value)
        return db.session.scalar(query)


def org_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Organisation.id).where(Organisation.name == name))


def placement_of(app, organisation: str, status: str, **where) -> int:
    with app.app_context():
        query = (
            select(Placement.id).join(Organisation).where(Organisation.name == organisation, Placement.status == status)
        )
        for name, value in where.items():
            query = query.where(getattr(Placement, name) == value)
        return db.session.scalars(query.order_by(Placement.id)).first()


def get(app, placement_id: int) -> Placement:
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        placement.year_groups, placement.adjustment_features  # load before the session ends  # noqa: B018
        db.session.expunge(placement)
        return placement


def update_org(app, name: str, **values) -> None:
    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
        for key, value in values.items():
            setattr(organisation, key, value)
        db.session.commit()


def can_sign_in(app, email: str) -> str:
    """Give a demo account that has no password the test password."""
    with app.app_context():
        db.session.scalar(select(User).where(User.email == email)).password_hash = conftest.test_password_hash()
        db.session.commit()
    return email


STUDIO = "Southwark Digital Studio"
CARE = "Kennington Care Partnership"
KITCHEN = "Greenwich Riverside Kitchen"


# --- posting ------------------------------------------------------------------------------------------


def test_save_a_draft_stores_the_details(app, client, auth):
    auth.login("employer")
    before = count(app)
    response = client.post("/employer/placements/new", data=form())
    assert response.status_code == 302 and response.headers["Location"] == "/employer/"
    assert count(app) == before + 1
    placement = get(app, placement_of(app, STUDIO, "draft", title="Test in the studio"))
    assert placement.postcode == "SE1 7PB" and placement.lat and placement.lon
    assert placement.year_groups == {9, 10}
    assert placement.adjustment_features == {"step_free_access", "quiet_space"}
    assert placement.meaningful_criteria == {"purpose_shared", "employer_task"}
    assert placement.places_filled == 0 and placement.places_left == 4
    assert placement.applicant_question == "Why design?"


def test_save_and_publish(app, client, auth):
    auth.login("employer")
    response = client.post("/employer/placements/new", data=form(save=None, publish="Publish"))
    assert response.status_code == 302
    placement = get(app, placement_of(app, STUDIO, "published", title="Test in the studio"))
    assert placement.is_open


def test_virtual_placement_has_no_location(app, client, auth):
    auth.login("employer")
    client.post(
        "/employer/placements/new", data=form(delivery_mode="virtual", postcode="not a postcode", publish="Publish")
    )
    placement = get(app, placement_of(app, STUDIO, "published", title="Test in the studio"))
    assert (placement.postcode, placement.lat, placement.lon) == (None, None, None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"postcode": "SE1 9ZZ"}, "We could not find the postcode SE1 9ZZ. Check it and try again."),
        ({"postcode": "banana"}, "is not a UK postcode. Enter it like SW1A 1AA."),
        ({"postcode": ""}, "Enter the workplace postcode: students need to know where to go."),
        (
            {"activity_type": "work_experience_placement", "year_groups": ["9", "10"]},
            "A work experience placement is open only to Years 10 to 13. Remove Year 9",
        ),
        (
            {"activity_type": "supported_internship", "year_groups": ["11", "12"]},
            "A Supported internship is for students in Years 12 to 13. Remove Year 11.",
        ),
        ({"start_date": TODAY.isoformat()}, "The start date must be in the future."),
        (
            {"end_date": (TODAY + timedelta(days=39)).isoformat()},
            "The end date must be the same as or after the start date.",
        ),
        (
            {"application_deadline": (TODAY + timedelta(days=40)).isoformat()},
            "The application deadline must be before the start date.",
        ),
        ({"end_time": "17:30"}, "A day can be at most 8 hours, including breaks; this one is 8.5 hours."),
        ({"end_time": "08:00"}, "The finish time must be after the start time."),
        ({"capacity": "0"}, "Offer at least 1 place."),
        ({"capacity": "5000"}, f"Offer at most {publishing.MAX_CAPACITY} places."),
        ({"capacity": "lots"}, "Enter a whole number, like 4."),
        ({"start_date": "31/02/2027"}, "Enter a real date, like 14 July 2027."),
        ({"year_groups": None}, "Choose at least one year group."),
        ({"title": ""}, "Enter a title."),
    ],
)
def test_rules_show_at_the_field_and_nothing_is_lost_or_saved(app, client, auth, changes, message):
    auth.login("employer")
    before = count(app)
    response = client.post("/employer/placements/new", data=form(**changes))
    assert response.status_code == 422  # htmx is configured to swap 422
    assert message.replace("'", "&#39;") in response.text
    assert 'class="error-summary"' in response.text
    assert "Design a poster." in response.text  # what the employer typed is still there
    assert count(app) == before


def test_an_organisation_awaiting_approval_saves_drafts_but_cannot_publish(app, client, auth):
    update_org(app, KITCHEN, insurance_basis="sole_trader", risk_assessment_covers_young_people=True,
               no_prohibited_tasks_for_children=True, risk_assessment_reviewed_on=TODAY,
               safeguarding_contact_name="Jo", safeguarding_contact_email="jo@example.org")  # fmt: skip
    auth.login(can_sign_in(app, "employer4@placements.example"))
    response = client.post("/employer/placements/new", data=form(postcode="SE10 0ER", save=None, publish="Publish"))
    assert response.status_code == 422
    assert "A Placements admin has not approved your organisation yet." in response.text
    assert count(app, organisation_id=org_id(app, KITCHEN)) == 0
    response = client.post("/employer/placements/new", data=form(postcode="SE10 0ER"))
    assert response.status_code == 302
    assert count(app, organisation_id=org_id(app, KITCHEN), status="draft") == 1


def test_in_person_needs_insurance_and_risk_assessment_to_publish(app, client, auth):
    update_org(app, STUDIO, insurance_basis=None, insurer=None, insurance_expires_on=None)
    auth.login("employer")
    response = client.post("/employer/placements/new", data=form(save=None, publish="Publish"))
    assert response.status_code == 422
    assert "Before you can publish a placement delivered in person" in response.text
    assert "employers&#39; liability insurance (or the reason you are exempt)" in response.text
    assert count(app, title="Test in the studio") == 0
    # a virtual one needs no insurance
    response = client.post("/employer/placements/new", data=form(delivery_mode="virtual", save=None, publish="Publish"))
    assert response.status_code == 302
    assert count(app, title="Test in the studio", status="published") == 1


def test_expired_insurance_blocks_publishing_in_person(app, client, auth):
    update_org(app, STUDIO, insurance_expires_on=TODAY - timedelta(days=1))
    auth.login("employer")
    response = client.post("/employer/placements/new", data=form(delivery_mode="hybrid", save=None, publish="Publish"))
    assert "the policy on file has expired" in response.text
    assert count(app, title="Test in the studio") == 0


def test_risk_assessment_confirmation_needed_for_in_person(app, client, auth):
    update_org(app, STUDIO, no_prohibited_tasks_for_children=False)
    auth.login("employer")
    response = client.post("/employer/placements/new", data=form(save=None, publish="Publish"))
    assert "confirmation that your risk assessment covers young people" in response.text
    assert count(app, title="Test in the studio") == 0


def test_virtual_needs_the_virtual_confirmations(app, client, auth):
    update_org(app, STUDIO, virtual_no_one_to_one=False)
    auth.login("employer")
    response = client.post("/employer/placements/new", data=form(delivery_mode="virtual", save=None, publish="Publish"))
    assert "the three confirmations for safe virtual sessions" in response.text
    assert count(app, title="Test in the studio") == 0
    # in person does not need them
    assert client.post("/employer/placements/new", data=form(save=None, publish="Publish")).status_code == 302


# --- the dashboard --------------------------------------------------------------------------------------


def test_dashboard_lists_own_placements_with_places_and_applicants(app, client, auth):
    auth.login("employer")
    page = client.get("/employer/")
    assert page.status_code == 200
    assert "Sixth-form work experience" in page.text  # the demo draft
    # The demo applications to the workplace visit: two hold places; four were passed on by the school.
    visit = placement_of(app, STUDIO, "published", title="Behind the scenes: a workplace visit")
    assert "2 filled, 18 left" in page.text
    assert f'<a href="/employer/applicants/placement/{visit}">4<span class="visually-hidden"> applicants' in page.text
    assert "Apply by" in page.text
    assert "Bankside Builders" not in page.text


def test_dashboard_paginates(app, client, auth):
    app.config["PAGE_SIZE"] = 2
    auth.login("employer")
    first = client.get("/employer/")
    assert "Page 1 of 2" in first.text and first.text.count('<tr id="placement-') == 2
    second = client.get("/employer/?page=2")
    assert second.text.count('<tr id="placement-') == 2


@pytest.mark.parametrize(
    ("days", "warning"),
    [
        (-3, "liability insurance expired on"),
        (0, "liability insurance expires today"),
        (10, "liability insurance expires in 10 days"),
    ],
)
def test_dashboard_warns_about_insurance(app, client, auth, days, warning):
    update_org(app, STUDIO, insurance_expires_on=TODAY + timedelta(days=days))
    auth.login("employer")
    assert warning in " ".join(client.get("/employer/").text.split())


def test_insurance_warning_days_are_configurable(app, client, auth):
    update_org(app, STUDIO, insurance_expires_on=TODAY + timedelta(days=45))
    auth.login("employer")
    assert 'id="insurance-notice"' not in client.get("/employer/").text
    app.config["INSURANCE_WARNING_DAYS"] = 60
    assert "in 45 days" in client.get("/employer/").text


# --- status changes ----------------------------------------------------------------------------------------


def test_publish_from_the_dashboard_with_htmx_returns_the_row(app, client, auth):
    draft = placement_of(app, STUDIO, "draft")
    auth.login("employer")
    response = client.post(f"/employer/placements/{draft}/publish", headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text and response.text.lstrip().startswith(f'<tr id="placement-{draft}"')
    assert "Published" in response.text
    assert get(app, draft).status == "published"


def test_publish_without_javascript_redirects(app, client, auth):
    draft = placement_of(app, STUDIO, "draft")
    auth.login("employer")
    response = client.post(f"/employer/placements/{draft}/publish")
    assert response.status_code == 302 and response.headers["Location"] == "/employer/"
    assert get(app, draft).status == "published"


def test_publish_problems_show_on_the_edit_form(app, client, auth):
    draft = placement_of(app, STUDIO, "draft")
    update_org(app, STUDIO, risk_assessment_covers_young_people=False)
    auth.login("employer")
    response = client.post(f"/employer/placements/{draft}/publish")
    assert response.status_code == 422
    assert "<html" in response.text and "confirmation that your risk assessment covers young people" in response.text
    assert 'value="Sixth-form work experience"' in response.text
    hx = client.post(f"/employer/placements/{draft}/publish", headers=HX)
    assert hx.headers["HX-Redirect"] == f"/employer/placements/{draft}/edit"
    assert get(app, draft).status == "draft"
    # and the edit page says what stands in the way
    assert "Before this draft can be published" in client.get(f"/employer/placements/{draft}/edit").text


def test_close_asks_first_then_closes(app, client, auth):
    published = placement_of(app, STUDIO, "published")
    auth.login("employer")
    confirm = client.get(f"/employer/placements/{published}/close")
    assert confirm.status_code == 200 and "early?" in confirm.text
    assert get(app, published).status == "published"
    response = client.post(f"/employer/placements/{published}/close")
    assert response.status_code == 302
    closed = get(app, published)
    assert closed.status == "closed" and not closed.is_open


def test_close_with_htmx_returns_the_updated_row(app, client, auth):
    published = placement_of(app, STUDIO, "published")
    auth.login("employer")
    response = client.post(f"/employer/placements/{published}/close", headers=HX)
    assert "<html" not in response.text and "Closed" in response.text
    assert "Close early" not in response.text
    assert get(app, published).status == "closed"


def test_a_draft_cannot_be_closed(app, client, auth):
    draft = placement_of(app, STUDIO, "draft")
    auth.login("employer")
    client.post(f"/employer/placements/{draft}/close")
    assert get(app, draft).status == "draft"


def test_cancel_needs_a_reason(app, client, auth):
    published = placement_of(app, STUDIO, "published")
    auth.login("employer")
    assert "Why are you cancelling it?" in client.get(f"/employer/placements/{published}/cancel").text
    response = client.post(f"/employer/placements/{published}/cancel", data={"reason": "  "})
    assert response.status_code == 422
    assert "Give a reason: we will pass it on to anyone who applied." in response.text
    assert get(app, published).status == "published"
    response = client.post(f"/employer/placements/{published}/cancel", data={"reason": "Our office is moving."})
    assert response.status_code == 302
    cancelled = get(app, published)
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "Our office is moving.")
    assert "Our office is moving." in client.get("/employer/").text


def test_a_draft_cannot_be_cancelled(app, client, auth):
    draft = placement_of(app, STUDIO, "draft")
    auth.login("employer")
    client.post(f"/employer/placements/{draft}/cancel", data={"reason": "x"})
    assert get(app, draft).status == "draft"


def test_duplicate_makes_a_draft_copy(app, client, auth):
    published = placement_of(app, STUDIO, "published", delivery_mode="in_person")
    auth.login("employer")
    before = count(app)
    response = client.post(f"/employer/placements/{published}/duplicate")
    assert response.status_code == 302
    assert count(app) == before + 1
    original = get(app, published)
    with app.app_context():
        copy_id = db.session.scalar(select(func.max(Placement.id)))
    copy = get(app, copy_id)
    assert response.headers["Location"] == f"/employer/placements/{copy_id}/edit"
    assert copy.status == "draft" and copy.places_filled == 0
    for name in ("title", "task", "activity_type", "postcode", "lat", "start_date", "capacity", "criteria"):
        assert getattr(copy, name) == getattr(original, name)
    assert copy.year_groups == original.year_groups
    assert copy.adjustment_features == original.adjustment_features
    # new dates, then publish
    new_start = TODAY + timedelta(days=200)
    data = form(
        title=copy.title, activity_type=copy.activity_type, save=None, publish="Publish",
        year_groups=[str(y) for y in copy.year_groups], start_date=new_start.isoformat(),
        end_date=new_start.isoformat(), application_deadline=(new_start - timedelta(days=7)).isoformat(),
    )  # fmt: skip
    assert client.post(f"/employer/placements/{copy_id}/edit", data=data).status_code == 302
    assert get(app, copy_id).status == "published"


def test_edit_a_published_placement_is_checked_again(app, client, auth):
    published = placement_of(app, STUDIO, "published", delivery_mode="in_person")
    auth.login("employer")
    page = client.get(f"/employer/placements/{published}/edit")
    assert "Save changes" in page.text and 'name="publish"' not in page.text
    bad = form(activity_type="work_experience_placement", year_groups=["8", "10"], save="Save changes")
    response = client.post(f"/employer/placements/{published}/edit", data=bad)
    assert response.status_code == 422 and "open only to Years 10 to 13" in response.text
    assert get(app, published).title != "Test in the studio"
    update_org(app, STUDIO, insurance_basis=None)
    response = client.post(f"/employer/placements/{published}/edit", data=form(save="Save changes"))
    assert "liability insurance" in response.text
    update_org(app, STUDIO, insurance_basis="insured")
    response = client.post(f"/employer/placements/{published}/edit", data=form(save="Save changes"))
    assert response.status_code == 302
    edited = get(app, published)
    assert (edited.title, edited.status) == ("Test in the studio", "published")


def test_closed_placements_cannot_be_edited(app, client, auth):
    published = placement_of(app, STUDIO, "published")
    auth.login("employer")
    client.post(f"/employer/placements/{published}/close")
    response = client.post(f"/employer/placements/{published}/edit", data=form())
    assert response.status_code == 302
    assert get(app, published).title != "Test in the studio"


# --- inline postcode check ---------------------------------------------------------------------------------


def test_postcode_check_fragment(app, client, auth):
    auth.login("employer")
    found = client.post(
        "/employer/postcode-check", data={"postcode": "se17pb", "delivery_mode": "in_person"}, headers=HX
    )
    assert found.status_code == 200 and "<html" not in found.text
    assert 'value="SE1 7PB"' in found.text and "Found SE1 7PB." in found.text
    missing = client.post("/employer/postcode-check", data={"postcode": "SE1 9ZZ"}, headers=HX)
    assert "We could not find the postcode SE1 9ZZ." in missing.text and 'aria-invalid="true"' in missing.text
    virtual = client.post("/employer/postcode-check", data={"postcode": "nonsense", "delivery_mode": "virtual"})
    assert "field-error" not in virtual.text


def test_the_form_page_includes_the_postcode_fragment(client, auth):
    auth.login("employer")
    page = client.get("/employer/placements/new")
    assert 'id="postcode-field"' in page.text and 'hx-post="/employer/postcode-check"' in page.text
    assert "<legend>Year groups</legend>" in page.text and "<legend>How is it delivered?</legend>" in page.text


# --- the model ----------------------------------------------------------------------------------------------


def test_year_groups_filter_in_sql_and_capacity_backstop(app):
    with app.app_context():
        open_to_7 = set(db.session.scalars(select(Placement.title).where(Placement.open_to(7))))
        assert open_to_7 and all("work experience" not in t.lower() for t in open_to_7)
        placement = db.session.scalars(select(Placement).where(Placement.open_to(12))).first()
        assert 12 in placement.year_groups
        placement.places_filled = placement.capacity + 1
        with pytest.raises(Exception, match="(?i)check"):
            db.session.commit()
        db.session.rollback()


def test_demo_placements_are_publishable_and_varied(app):
    with app.app_context():
        placements = list(db.session.scalars(select(Placement)))
        published = [p for p in placements if p.status == "published"]
        assert {p.delivery_mode for p in published} == {"in_person", "virtual", "hybrid"}
        assert any("step_free_access" in p.adjustment_features for p in published)
        assert any(p.status == "draft" for p in placements)
        for p in published:
            assert publishing.publish_problems(p, p.organisation, TODAY) == {}, p.title
        pending = db.session.scalar(select(Organisation).where(Organisation.name == KITCHEN))
        assert pending.placements == []
