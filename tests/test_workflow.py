"""The application state machine (placements/workflow.py): every transition, legal and illegal."""

from datetime import date

import pytest

from placements import workflow
from placements.workflow import ACTIONS, STATUSES, IllegalTransition, next_status

ROLES = ("student", "careers_leader", "employer", "admin")

# Every legal (status, action) -> new status, written out by hand from the workflow.
EXPECTED = (
    {
        ("returned", "resubmit"): "submitted",
        ("submitted", "approve"): "awaiting_consent",
        ("submitted", "return"): "returned",
        ("submitted", "decline"): "declined_by_school",
        ("awaiting_consent", "record_consent"): "with_employer",
        ("with_employer", "offer"): "offered",
        ("waitlisted", "offer"): "offered",
        ("with_employer", "waitlist"): "waitlisted",
        ("with_employer", "reject"): "declined_by_employer",
        ("waitlisted", "reject"): "declined_by_employer",
        ("offered", "accept"): "accepted",
        ("offered", "decline_offer"): "declined_by_student",
        ("accepted", "confirm"): "confirmed",
        ("confirmed", "complete"): "completed",
        ("confirmed", "no_show"): "no_show",
        ("submitted", "allocate"): "offered",
    }
    | {(status, "withdraw"): "withdrawn" for status in workflow.OPEN_STATUSES}
    | {(status, "cancel"): "cancelled" for status in workflow.OPEN_STATUSES}
)


def _role_for(action: str) -> str:
    return sorted(ACTIONS[action].roles)[0]


@pytest.mark.parametrize(("status", "action"), sorted(EXPECTED))
def test_every_legal_transition(status, action):
    assert next_status(status, action, _role_for(action)) == EXPECTED[(status, action)]


ILLEGAL = sorted((status, action) for status in STATUSES for action in ACTIONS if (status, action) not in EXPECTED)


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_every_other_transition_is_rejected(status, action):
    with pytest.raises(IllegalTransition, match="not possible"):
        next_status(status, action, _role_for(action))


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_only_the_right_roles_may_act(action):
    source = sorted(ACTIONS[action].sources)[0]
    for role in ROLES:
        if role in ACTIONS[action].roles:
            assert next_status(source, action, role)
        else:
            with pytest.raises(IllegalTransition, match="not something"):
                next_status(source, action, role)


def test_terminal_statuses_allow_nothing():
    terminal = set(STATUSES) - workflow.OPEN_STATUSES - {"completed"}
    for status in terminal | {"completed"}:
        for role in ROLES:
            assert workflow.allowed_actions(status, role) == []


def test_unknown_action():
    with pytest.raises(IllegalTransition, match="no action"):
        next_status("submitted", "teleport", "student")


def test_approval_skips_consent_when_none_is_needed():
    assert next_status("submitted", "approve", "careers_leader", needs_consent=False) == "with_employer"
    assert next_status("submitted", "approve", "careers_leader", needs_consent=True) == "awaiting_consent"


def test_consent_is_for_in_person_and_hybrid_only():
    assert workflow.needs_parental_consent("in_person")
    assert workflow.needs_parental_consent("hybrid")
    assert not workflow.needs_parental_consent("virtual")


def test_allowed_actions_per_role():
    assert [a.key for a in workflow.allowed_actions("offered", "student")] == ["accept", "decline_offer", "withdraw"]
    assert [a.key for a in workflow.allowed_actions("with_employer", "employer")] == [
        "offer",
        "waitlist",
        "reject",
        "cancel",
    ]
    assert [a.key for a in workflow.allowed_actions("submitted", "careers_leader")] == [
        "approve",
        "return",
        "decline",
        "cancel",
    ]


def test_allocation_is_never_offered_as_a_button():
    """Only an allocation round's commit allocates (rounds/), never a click on one application."""
    assert "allocate" in workflow.SYSTEM_ACTIONS
    for status in STATUSES:
        assert "allocate" not in [a.key for a in workflow.allowed_actions(status, "careers_leader")]
    assert next_status("submitted", "allocate", "careers_leader") == "offered"
    assert workflow.place_change("submitted", "offered") == 1  # the allocation takes a place


def test_reasons_required_for_return_decline_reject_cancel():
    assert {key for key, a in ACTIONS.items() if a.needs_note} == {"return", "decline", "reject", "cancel"}


@pytest.mark.parametrize(
    ("old", "new", "change"),
    [
        ("with_employer", "offered", 1),
        ("waitlisted", "offered", 1),
        ("offered", "accepted", 0),
        ("accepted", "confirmed", 0),
        ("confirmed", "completed", 0),
        ("confirmed", "no_show", 0),
        ("offered", "declined_by_student", -1),
        ("confirmed", "withdrawn", -1),
        ("accepted", "cancelled", -1),
        ("submitted", "withdrawn", 0),
        ("waitlisted", "cancelled", 0),
    ],
)
def test_place_change(old, new, change):
    assert workflow.place_change(old, new) == change


def test_freed_places_go_to_the_waiting_list_only_before_the_placement():
    assert workflow.frees_place_for_waitlist("confirmed", "withdrawn")
    assert workflow.frees_place_for_waitlist("offered", "declined_by_student")
    assert workflow.frees_place_for_waitlist("accepted", "cancelled")
    assert not workflow.frees_place_for_waitlist("submitted", "withdrawn")
    assert not workflow.frees_place_for_waitlist("confirmed", "completed")


def test_no_status_outside_the_table():
    reachable = {a.target for a in ACTIONS.values()} | {"submitted", "with_employer"}
    assert reachable == set(STATUSES)


# --- ages: academic years run 1 September to 31 August; MSLA is the last Friday in June of Year 11 ---


def test_academic_year_boundary():
    assert workflow.academic_year_start(date(2026, 8, 31)) == 2025
    assert workflow.academic_year_start(date(2026, 9, 1)) == 2026


def test_year_group_moves_up_on_1_september():
    today = date(2026, 6, 1)
    assert workflow.year_group_on(10, today, date(2026, 8, 31)) == 10
    assert workflow.year_group_on(10, today, date(2026, 9, 1)) == 11


def test_last_friday_of_june():
    assert workflow.last_friday_of_june(2027) == date(2027, 6, 25)
    assert workflow.last_friday_of_june(2026) == date(2026, 6, 26)
    assert workflow.last_friday_of_june(2029) == date(2029, 6, 29)


@pytest.mark.parametrize(
    ("year_group", "on", "child"),
    [
        (7, date(2027, 7, 20), True),
        (10, date(2027, 7, 20), True),
        (11, date(2027, 3, 1), True),
        (11, date(2027, 6, 25), True),  # the last Friday in June 2027 itself
        (11, date(2027, 6, 26), False),
        (12, date(2026, 10, 1), False),
        (13, date(2027, 3, 1), False),
    ],
)
def test_below_school_leaving_age(year_group, on, child):
    assert workflow.is_child_on(year_group, on) is child


def test_next_step_is_written_for_each_role():
    assert "accept" in workflow.next_step("offered", "student")
    assert "consent" in workflow.next_step("awaiting_consent", "careers_leader")
    assert "feedback" in workflow.next_step("confirmed", "employer")
    assert workflow.next_step("withdrawn", "student") == "Nothing more to do."
