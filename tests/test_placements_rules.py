"""Pure rules for posting placements: no app, no database (placements/publishing.py)."""

from datetime import date, time, timedelta
from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from placements import publishing, vocab

TODAY = date(2027, 3, 1)


def placement(**changes):
    values = dict(
        activity_type="workplace_visit",
        delivery_mode="in_person",
        postcode="SE1 7PB",
        start_date=TODAY + timedelta(days=30),
        end_date=TODAY + timedelta(days=31),
        start_time=time(9),
        end_time=time(15),
        application_deadline=TODAY + timedelta(days=10),
        capacity=5,
        places_filled=0,
        year_groups={8, 9},
    )
    return NS(**(values | changes))


def organisation(**changes):
    values = dict(
        status="approved",
        insurance_basis="insured",
        insurer="Thameside Mutual",
        insurance_expires_on=TODAY + timedelta(days=100),
        risk_assessment_covers_young_people=True,
        no_prohibited_tasks_for_children=True,
        risk_assessment_reviewed_on=TODAY - timedelta(days=10),
        safeguarding_contact_name="Sam Lee",
        safeguarding_contact_email="sam@example.org",
        virtual_organisation_accounts=True,
        virtual_group_sessions=True,
        virtual_no_one_to_one=True,
    )
    return NS(**(values | changes))


def test_a_good_placement_has_no_problems():
    assert publishing.placement_problems(placement(), TODAY) == {}
    assert publishing.publish_problems(placement(), organisation(), TODAY) == {}


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"start_date": TODAY, "end_date": TODAY}, "start_date", "must be in the future"),
        ({"end_date": TODAY + timedelta(days=29)}, "end_date", "same as or after the start date"),
        ({"application_deadline": TODAY + timedelta(days=30)}, "application_deadline", "before the start date"),
        ({"application_deadline": TODAY - timedelta(days=1)}, "application_deadline", "today or later"),
        ({"end_time": time(9)}, "end_time", "after the start time"),
        ({"start_time": time(8), "end_time": time(16, 30)}, "end_time", "at most 8 hours"),
        ({"capacity": 0}, "capacity", "at least 1 place"),
        ({"capacity": publishing.MAX_CAPACITY + 1}, "capacity", f"at most {publishing.MAX_CAPACITY}"),
        ({"capacity": 2, "places_filled": 3}, "capacity", "3 places are already filled"),
        ({"postcode": None}, "postcode", "Enter the workplace postcode"),
        (
            {"activity_type": "work_experience_placement", "year_groups": {9, 10}},
            "year_groups",
            "open only to Years 10 to 13. Remove Year 9",
        ),
        (
            {"activity_type": "industry_placement_tlevel", "year_groups": {11, 12}},
            "year_groups",
            "Years 12 to 13. Remove Year 11",
        ),
    ],
)
def test_each_placement_rule_names_its_field(changes, field, words):
    problems = publishing.placement_problems(placement(**changes), TODAY)
    assert words in problems[field]
    if field != "start_date":  # a start date of today also puts the deadline after it
        assert list(problems) == [field]


def test_exactly_eight_hours_is_allowed():
    assert publishing.placement_problems(placement(start_time=time(9), end_time=time(17)), TODAY) == {}


def test_work_experience_for_years_10_to_13_is_fine_and_visits_suit_year_7():
    assert (
        publishing.placement_problems(placement(activity_type="work_experience_placement", year_groups={10, 13}), TODAY)
        == {}
    )
    assert publishing.placement_problems(placement(activity_type="work_shadowing", year_groups={7}), TODAY) == {}


def test_virtual_placement_needs_no_postcode_nor_insurance_but_the_virtual_confirmations():
    virtual = placement(delivery_mode="virtual", postcode=None)
    uninsured = organisation(insurance_basis=None, risk_assessment_covers_young_people=False)
    assert publishing.publish_problems(virtual, uninsured, TODAY) == {}
    problems = publishing.publish_problems(virtual, organisation(virtual_no_one_to_one=False), TODAY)
    assert list(problems) == ["delivery_mode"]
    assert "three confirmations for safe virtual sessions" in problems["delivery_mode"]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"insurance_basis": None}, "employers' liability insurance (or the reason you are exempt)"),
        ({"insurance_expires_on": TODAY - timedelta(days=1)}, "the policy on file has expired"),
        ({"risk_assessment_covers_young_people": False}, "risk assessment covers young people"),
        ({"no_prohibited_tasks_for_children": False}, "risk assessment covers young people"),
        ({"risk_assessment_reviewed_on": None}, "last reviewed"),
        ({"safeguarding_contact_name": None}, "a named safeguarding contact"),
    ],
)
def test_in_person_publishing_needs_the_safeguarding_facts(changes, words):
    problems = publishing.publish_problems(placement(), organisation(**changes), TODAY)
    assert list(problems) == ["delivery_mode"]
    assert words in problems["delivery_mode"]


def test_hybrid_needs_both_insurance_and_virtual_confirmations():
    problems = publishing.publish_problems(
        placement(delivery_mode="hybrid"), organisation(insurance_basis=None, virtual_group_sessions=False), TODAY
    )
    assert "insurance" in problems["delivery_mode"] and "virtual sessions" in problems["delivery_mode"]


@pytest.mark.parametrize("basis", ["sole_trader", "family_business"])
def test_a_legal_exemption_stands_in_for_insurance(basis):
    exempt = organisation(insurance_basis=basis, insurer=None, insurance_expires_on=None)
    assert publishing.publish_problems(placement(), exempt, TODAY) == {}


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_an_unapproved_organisation_cannot_publish(status):
    problems = publishing.publish_problems(placement(), organisation(status=status), TODAY)
    assert list(problems) == ["publish"]
    assert "has not approved your organisation yet" in problems["publish"]


@pytest.mark.parametrize(("days", "status"), [(-1, "expired"), (0, "expiring"), (30, "expiring"), (31, "current")])
def test_insurance_state(days, status):
    org = organisation(insurance_expires_on=TODAY + timedelta(days=days))
    state = publishing.insurance_state(org, TODAY, warn_days=30)
    assert (state.status, state.days_left) == (status, days)


def test_insurance_state_missing_and_exempt():
    assert publishing.insurance_state(organisation(insurance_basis=None), TODAY).status == "missing"
    assert publishing.insurance_state(organisation(insurer=""), TODAY).status == "missing"
    assert publishing.insurance_state(organisation(insurance_basis="sole_trader"), TODAY).status == "exempt"


def test_status_machine():
    assert publishing.can_change("draft", "published")
    assert publishing.can_change("published", "closed")
    assert publishing.can_change("published", "cancelled")
    assert publishing.can_change("closed", "cancelled")
    assert not publishing.can_change("draft", "closed")
    assert not publishing.can_change("closed", "published")
    assert not publishing.can_change("cancelled", "published")


def test_vocabularies_cover_the_postable_activity_types():
    assert set(vocab.ACTIVITY_TYPES) == {
        "employer_talk", "careers_fair", "mentoring", "enterprise_challenge", "mock_interview",
        "workplace_visit", "multi_day_visit", "work_shadowing", "work_experience_placement",
        "virtual_work_experience", "industry_placement_tlevel", "supported_internship",
    }  # fmt: skip
    assert vocab.ACTIVITY_BENCHMARK["mentoring"] == "GB5"
    assert vocab.ACTIVITY_BENCHMARK["work_shadowing"] == "GB6"
    assert len(vocab.MEANINGFUL_CRITERIA) == 7


def test_rules_module_is_pure():
    source = Path(publishing.__file__).read_text()
    assert "flask" not in source and "sqlalchemy" not in source
