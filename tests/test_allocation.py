"""placements.allocation: pure, no app, no database (style.md §3.13).

The property tests check allocate() against the definition of a stable matching, against a brute
force search for the student-optimal one on small instances, and against the PyPI package
`matching` (a test-only dependency) on random instances.
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import threading
import warnings
from pathlib import Path
from types import SimpleNamespace as NS

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placements import allocation
from placements.allocation import allocate, explain, priority_order, priority_reasons

# --- generators ---------------------------------------------------------------------------------


@st.composite
def instances(draw, max_students=6, max_placements=4, max_capacity=3):
    """Random instances, one-sided entries and capacity 0 included."""
    students = [f"s{i}" for i in range(draw(st.integers(0, max_students)))]
    placements = [f"p{j}" for j in range(draw(st.integers(0, max_placements)))]
    capacities = {p: draw(st.integers(0, max_capacity)) for p in placements}
    ordered = st.permutations

    def some(ids):
        return ordered(ids).flatmap(lambda perm: st.integers(0, len(perm)).map(lambda k: list(perm[:k])))

    student_prefs = {s: draw(some(placements)) for s in students}
    placement_prefs = {p: draw(some(students)) for p in placements if draw(st.integers(0, 3))}  # some rank nobody
    return student_prefs, placement_prefs, capacities


def acceptable(student_prefs, placement_prefs, s, p):
    return p in student_prefs[s] and s in placement_prefs.get(p, [])


def blocking_pairs(student_prefs, placement_prefs, capacities, result):
    pairs = []
    for s, wanted in student_prefs.items():
        better = wanted if result[s] is None else wanted[: wanted.index(result[s])]
        for p in better:
            if not acceptable(student_prefs, placement_prefs, s, p):
                continue
            ranking = placement_prefs[p]
            held = [t for t, q in result.items() if q == p]
            if len(held) < capacities[p] or any(ranking.index(s) < ranking.index(t) for t in held):
                pairs.append((s, p))
    return pairs


def stable_matchings(student_prefs, placement_prefs, capacities):
    """Every stable matching, by brute force over each student's acceptable options."""
    students = list(student_prefs)
    options = [
        [None, *(p for p in ps if acceptable(student_prefs, placement_prefs, s, p))] for s, ps in student_prefs.items()
    ]
    for combo in itertools.product(*options):
        result = dict(zip(students, combo, strict=True))
        if any(list(combo).count(p) > c for p, c in capacities.items()):
            continue
        if not blocking_pairs(student_prefs, placement_prefs, capacities, result):
            yield result


def with_matching(student_prefs, placement_prefs, capacities):
    """The same instance solved by `matching` (HospitalResident, resident-optimal).

    `matching` wants every entry reciprocated, every player to rank someone and every capacity at
    least 1 (otherwise it warns, or fails while solving), so the instance is cleaned first. It
    deep-copies its players recursively, hence the larger stack.
    """
    from matching.games import HospitalResident

    keep = {
        s: [p for p in ps if capacities[p] > 0 and acceptable(student_prefs, placement_prefs, s, p)]
        for s, ps in student_prefs.items()
    }
    residents = {s: ps for s, ps in keep.items() if ps}
    hospitals = {p: [s for s in placement_prefs.get(p, []) if s in residents and p in residents[s]] for p in capacities}
    hospitals = {p: ss for p, ss in hospitals.items() if ss}
    result: dict[str, str | None] = dict.fromkeys(student_prefs)
    if not residents:
        return result
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a cleaned instance must not warn
        game = HospitalResident.create_from_dictionaries(residents, hospitals, {p: capacities[p] for p in hospitals})
        for hospital, matched in game.solve(optimal="resident").items():
            for resident in matched:
                result[resident.name] = hospital.name
    return result


def in_big_stack(fn, *args):
    out = {}
    old_limit, old_size = sys.getrecursionlimit(), threading.stack_size(256 * 2**20)
    sys.setrecursionlimit(100_000)
    try:
        worker = threading.Thread(target=lambda: out.setdefault("value", fn(*args)))
        worker.start()
        worker.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    return out["value"]


# --- properties ---------------------------------------------------------------------------------


@given(instances())
@settings(max_examples=200, deadline=None)
def test_result_is_a_stable_matching_within_capacity(instance):
    student_prefs, placement_prefs, capacities = instance
    result = allocate(*instance)
    assert list(result) == list(student_prefs)
    for s, p in result.items():
        assert p is None or acceptable(student_prefs, placement_prefs, s, p)
    for p, capacity in capacities.items():
        assert sum(q == p for q in result.values()) <= capacity
    assert blocking_pairs(*instance, result) == []


@given(instances(max_students=5, max_placements=3, max_capacity=2))
@settings(max_examples=200, deadline=None)
def test_result_is_the_student_optimal_stable_matching(instance):
    student_prefs = instance[0]
    result = allocate(*instance)
    stable = list(stable_matchings(*instance))
    assert result in stable
    for other in stable:  # no student does better in any stable matching
        for s, wanted in student_prefs.items():
            if other[s] is not None:
                assert result[s] is not None and wanted.index(result[s]) <= wanted.index(other[s])


@given(instances(max_students=12, max_placements=6, max_capacity=3))
@settings(max_examples=100, deadline=None)
def test_agrees_with_the_matching_package(instance):
    assert allocate(*instance) == in_big_stack(with_matching, *instance)


def test_agrees_with_the_matching_package_on_the_benchmark_instance():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "allocation.py"
    spec = importlib.util.spec_from_file_location("benchmark_allocation", path)
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    for n in (60, 400):
        inst = benchmark.instance(n, seed=n)
        assert allocate(*inst) == in_big_stack(with_matching, *inst)


# --- examples -----------------------------------------------------------------------------------


def test_textbook_instance():
    # Gale and Shapley's college-admissions setting, small enough to follow by hand.
    student_prefs = {"ann": ["x", "y"], "bob": ["x", "y"], "cat": ["x"], "dan": ["y", "x"]}
    placement_prefs = {"x": ["dan", "cat", "bob", "ann"], "y": ["ann", "bob", "dan"]}
    capacities = {"x": 1, "y": 2}
    # Round 1: x keeps cat (of ann, bob, cat); y holds dan. Round 2: ann and bob propose to y,
    # which ranks both above dan. Round 3: dan proposes to x, which prefers dan to cat.
    assert allocate(student_prefs, placement_prefs, capacities) == {"ann": "y", "bob": "y", "cat": None, "dan": "x"}


def test_students_do_best_in_the_student_optimal_matching():
    # Two stable matchings exist: students' firsts (a-x, b-y) or placements' firsts (a-y, b-x).
    student_prefs = {"a": ["x", "y"], "b": ["y", "x"]}
    placement_prefs = {"x": ["b", "a"], "y": ["a", "b"]}
    assert allocate(student_prefs, placement_prefs, {"x": 1, "y": 1}) == {"a": "x", "b": "y"}


def test_empty_inputs():
    assert allocate({}, {}, {}) == {}
    assert allocate({"a": []}, {}, {"x": 3}) == {"a": None}
    assert allocate({}, {"x": []}, {"x": 1}) == {}


def test_one_sided_entries_are_not_matches():
    student_prefs = {"a": ["x"], "b": ["y"]}
    placement_prefs = {"x": ["b"], "y": ["a", "b"]}  # x does not rank a; nobody but b wants y
    assert allocate(student_prefs, placement_prefs, {"x": 1, "y": 1}) == {"a": None, "b": "y"}


def test_capacity_zero_and_missing_rankings_place_nobody():
    student_prefs = {"a": ["x", "y", "z"]}
    assert allocate(student_prefs, {"x": ["a"], "y": ["a"]}, {"x": 0, "y": 0, "z": 5}) == {"a": None}


def test_a_placement_with_no_places_is_skipped_for_the_next_choice():
    student_prefs = {"a": ["x", "y"], "b": [], "c": ["y"]}
    placement_prefs = {"x": ["a"], "y": ["c", "a"]}
    assert allocate(student_prefs, placement_prefs, {"x": 0, "y": 2}) == {"a": "y", "b": None, "c": "y"}


@pytest.mark.parametrize(
    ("student_prefs", "placement_prefs", "capacities", "message"),
    [
        ({"a": ["x"]}, {"x": ["a"]}, {"x": -1}, "capacity of placement 'x' must be 0 or more"),
        ({"a": ["x"]}, {"x": ["a"]}, {"x": 1.5}, "capacity of placement 'x' must be a whole number"),
        ({"a": ["x"]}, {"x": ["a"]}, {"x": True}, "capacity of placement 'x' must be a whole number"),
        ({"a": ["x", "y"]}, {"x": ["a"]}, {"x": 1}, "student 'a' lists placement 'y', which has no capacity entry"),
        ({"a": ["x"]}, {"x": ["a"], "y": ["a"]}, {"x": 1}, "placement 'y' ranks students but has no capacity entry"),
        ({"a": ["x"]}, {"x": ["a", "zed"]}, {"x": 1}, "placement 'x' ranks unknown student 'zed'"),
        ({"a": ["x", "x"]}, {"x": ["a"]}, {"x": 1}, "student 'a' lists placement 'x' twice"),
        ({"a": ["x"]}, {"x": ["a", "a"]}, {"x": 1}, "placement 'x' ranks student 'a' twice"),
    ],
)
def test_malformed_input_is_refused(student_prefs, placement_prefs, capacities, message):
    with pytest.raises(ValueError, match=message):
        allocate(student_prefs, placement_prefs, capacities)


def test_numpy_integer_capacities_are_accepted():
    import numpy as np

    assert allocate({"a": ["x"]}, {"x": ["a"]}, {"x": np.int64(1)}) == {"a": "x"}


# --- priority rule ------------------------------------------------------------------------------


def student(id, prior=False, send=False, disadvantaged=False):
    return NS(id=id, has_prior_placement=prior, send=send, disadvantaged=disadvantaged)


COHORT = [
    student("prior_plain", prior=True),
    student("prior_send", prior=True, send=True),
    student("new_plain"),
    student("new_disadvantaged", disadvantaged=True),
    student("new_send", send=True),
    student("new_plain_2"),
]


def test_priority_puts_no_prior_placement_first_then_send_or_disadvantaged():
    order = priority_order(COHORT, seed=7)
    assert set(order[:2]) == {"new_disadvantaged", "new_send"}
    assert set(order[2:4]) == {"new_plain", "new_plain_2"}
    assert order[4:] == ["prior_send", "prior_plain"]


def test_priority_lottery_is_reproducible_from_the_seed_whatever_the_input_order():
    order = priority_order(COHORT, seed=42)
    assert priority_order(list(reversed(COHORT)), seed=42) == order
    many = [student(f"s{i}") for i in range(50)]
    assert priority_order(many, seed=1) == priority_order(many[::-1], seed=1)
    assert priority_order(many, seed=1) != priority_order(many, seed=2)


@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), max_size=30), st.integers(0, 2**32))
def test_priority_order_is_a_permutation_sorted_by_the_rule(flags, seed):
    cohort = [student(f"s{i}", *f) for i, f in enumerate(flags)]
    order = priority_order(cohort, seed)
    assert sorted(order) == sorted(s.id for s in cohort)
    by_id = {s.id: s for s in cohort}
    tiers = [allocation._tier(by_id[sid]) for sid in order]
    assert tiers == sorted(tiers)


def test_priority_order_refuses_a_repeated_student():
    with pytest.raises(ValueError, match="student 'a' appears twice"):
        priority_order([student("a"), student("a")], seed=1)


def test_new_seed_is_a_32_bit_integer():
    assert 0 <= allocation.new_seed() < 2**32


def test_priority_reasons():
    assert priority_reasons(student("a")) == ["no prior placement"]
    assert priority_reasons(student("b", prior=True, send=True, disadvantaged=True)) == ["SEND", "disadvantaged"]


# --- explanations -------------------------------------------------------------------------------

PUBLISHED = "all its places went to students ranked ahead of you under the school's published rules."


def test_staff_wording_names_the_step_of_the_rule_that_decided():
    cohort = {s.id: s for s in [student("ann", prior=True), student("bob"), student("cat", prior=True, send=True)]}
    order = priority_order(cohort.values(), seed=3)  # bob, cat, ann
    student_prefs = {"ann": ["x", "y", "z"], "bob": ["x"], "cat": ["y", "z"]}
    placement_prefs = {p: [s for s in order if p in student_prefs[s]] for p in ("x", "y", "z")}
    capacities = {"x": 1, "y": 1, "z": 1}
    result = allocate(student_prefs, placement_prefs, capacities)
    assert result == {"ann": "z", "bob": "x", "cat": "y"}
    inputs = (student_prefs, placement_prefs, capacities, result)
    assert explain("ann", *inputs, cohort, {"x": "Vet surgery"}, audience="staff") == [
        "Their 1st choice (Vet surgery) was full with students of higher priority: no prior placement.",
        "Their 2nd choice (y) was full with students of higher priority: SEND or disadvantaged.",
        "Placed at their 3rd choice (z).",
    ]
    assert explain("bob", *inputs, cohort, audience="staff") == ["Placed at their 1st choice (x)."]
    # The same student reads only the published rule, whoever was placed ahead of them and why.
    assert explain("ann", *inputs, names={"x": "Vet surgery"}, audience="student") == [
        f"Your 1st choice (Vet surgery) was full: {PUBLISHED}",
        f"Your 2nd choice (y) was full: {PUBLISHED}",
        "You were placed at your 3rd choice (z).",
    ]
    assert explain("bob", *inputs, audience="student") == ["You were placed at your 1st choice (x)."]


@pytest.mark.parametrize(
    ("classmate", "me", "step"),
    [
        (student("Cara Jones", send=True), student("Dev Patel"), "SEND or disadvantaged"),
        (student("Cara Jones", disadvantaged=True), student("Dev Patel"), "SEND or disadvantaged"),
        (student("Cara Jones"), student("Dev Patel", prior=True, send=True), "no prior placement"),
        (student("Cara Jones", send=True), student("Dev Patel", send=True), "lottery"),
    ],
)
def test_a_one_place_placement_does_not_tell_the_student_why_a_classmate_got_it(classmate, me, step):
    # The case that prompted two wordings: one place, one classmate ahead. "Higher priority: SEND"
    # would tell Dev that Cara is SEND. Staff see the step; Dev reads the same words in every case.
    cohort = {classmate.id: classmate, me.id: me}
    student_prefs = {classmate.id: ["vets"], me.id: ["vets", "farm"]}
    placement_prefs = {"vets": [classmate.id, me.id], "farm": [me.id]}
    capacities = {"vets": 1, "farm": 1}
    result = allocate(student_prefs, placement_prefs, capacities)
    assert result == {classmate.id: "vets", me.id: "farm"}
    inputs = (me.id, student_prefs, placement_prefs, capacities, result)
    names = {"vets": "Vet surgery", "farm": "City farm"}

    assert explain(*inputs, cohort, names, audience="staff")[0] == (
        f"Their 1st choice (Vet surgery) was full with students of higher priority: {step}."
    )
    told = explain(*inputs, names=names, audience="student")
    assert told == [
        f"Your 1st choice (Vet surgery) was full: {PUBLISHED}",
        "You were placed at your 2nd choice (City farm).",
    ]
    text = " ".join(told)
    assert "Cara" not in text and "SEND" not in text and "disadvantaged" not in text and "lottery" not in text


def test_explain_when_not_placed():
    student_prefs = {"a": ["x", "y", "z", "w"], "b": ["x"], "c": []}
    placement_prefs = {"x": ["b", "a"], "y": ["b"], "z": ["a"], "w": ["a"]}
    capacities = {"x": 1, "y": 1, "z": 0, "w": 1}
    result = {"a": None, "b": "x", "c": None}  # stale: w had room
    inputs = (student_prefs, placement_prefs, capacities, result)
    assert explain("a", *inputs, audience="student") == [
        f"Your 1st choice (x) was full: {PUBLISHED}",
        "Your 2nd choice (y) did not include you among its candidates.",
        "Your 3rd choice (z) has no places.",
        "Your 4th choice (w) still had a place: this allocation may be out of date.",
        "You were not placed: none of your choices had a place for you.",
    ]
    assert explain("a", *inputs, audience="staff") == [
        "Their 1st choice (x) was full with students of higher priority: the placement ranked them higher.",
        "Their 2nd choice (y) did not include them among its candidates.",
        "Their 3rd choice (z) has no places.",
        "Their 4th choice (w) still had a place: this allocation may be out of date.",
        "Not placed: none of their choices had a place for them.",
    ]
    assert explain("c", *inputs, audience="student") == ["You did not list any placements, so you were not placed."]
    assert explain("c", *inputs, audience="staff") == ["They did not list any placements, so they were not placed."]


def test_explain_a_lottery_decision():
    cohort = {"a": student("a"), "b": student("b")}
    order = priority_order(cohort.values(), seed=5)
    winner, loser = order
    student_prefs = {"a": ["x"], "b": ["x"]}
    result = allocate(student_prefs, {"x": order}, {"x": 1})
    assert result == {winner: "x", loser: None}
    assert explain(loser, student_prefs, {"x": order}, {"x": 1}, result, cohort, audience="staff")[0] == (
        "Their 1st choice (x) was full with students of higher priority: lottery."
    )


def test_the_student_wording_takes_no_cohort_and_the_audience_must_be_chosen():
    inputs = ("a", {"a": ["x"]}, {"x": ["a"]}, {"x": 1}, {"a": "x"})
    with pytest.raises(ValueError, match="pass students only for staff"):
        explain(*inputs, {"a": student("a")}, audience="student")
    with pytest.raises(ValueError, match="audience must be 'student' or 'staff', got 'parent'"):
        explain(*inputs, audience="parent")
    with pytest.raises(TypeError, match="audience"):
        explain(*inputs)  # no default: every caller says who will read it


@given(instances(), st.data())
@settings(max_examples=200, deadline=None)
def test_the_student_wording_speaks_only_of_their_own_choices(instance, data):
    student_prefs, placement_prefs, capacities = instance
    result = allocate(*instance)
    flags = st.tuples(st.booleans(), st.booleans(), st.booleans())
    cohort = {s: student(s, *data.draw(flags)) for s in student_prefs}
    for s, choices in student_prefs.items():
        told = explain(s, *instance, result, audience="student")
        staff = explain(s, *instance, result, cohort, audience="staff")
        assert len(told) == len(staff)  # the same reasons, one sentence each
        # Every sentence is one of a fixed few about this student's own choices: nothing in it can
        # depend on who else applied, who was placed, or their priority.
        allowed = {
            "You did not list any placements, so you were not placed.",
            "You were not placed: none of your choices had a place for you.",
        }
        for n, p in enumerate(choices, start=1):
            nth = allocation._ordinal(n)
            allowed.add(f"You were placed at your {nth} choice ({p}).")
            for ending in (
                "has no places.",
                "did not include you among its candidates.",
                "still had a place: this allocation may be out of date.",
                f"was full: {PUBLISHED}",
            ):
                allowed.add(f"Your {nth} choice ({p}) {ending}")
        assert set(told) <= allowed


def test_ordinals():
    ordinals = [allocation._ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)]
    assert ordinals == ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]


def test_domain_module_imports_neither_flask_nor_sqlalchemy():
    source = Path(allocation.__file__).read_text().lower()
    assert "flask" not in source and "sqlalchemy" not in source
