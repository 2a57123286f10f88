"""Gatsby Benchmark 5/6 and two-week guarantee rules (placements/benchmarks.py): pure, no app, no database."""

from __future__ import annotations

import ast
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from placements import benchmarks as b
from placements import vocab

YEAR = 2025  # the assessed academic year, 2025/26, under the 2024 framework
CONFIG = b.BenchmarkConfig()


def pupil(id=1, nc_year=7, on_roll_from=None, sen="N", disadvantaged=False):
    return NS(
        id=id,
        nc_year=nc_year,
        date_of_birth=None,
        on_roll_from=on_roll_from,
        sen_provision=sen,
        disadvantaged=disadvantaged,
    )


def rec(
    when=date(2025, 10, 1),
    benchmark="GB5",
    activity_type=None,
    hours=1.0,
    mode="in_person",
    criteria=None,
    framework="2024",
    student_id=1,
    **extra,
):
    if activity_type is None:
        activity_type = "employer_talk" if benchmark == "GB5" else "workplace_visit"
    if criteria is None:
        criteria = set(b.GB5_CRITERIA if benchmark == "GB5" else b.GB6_CRITERIA)
    return NS(
        student_id=student_id,
        activity_type=activity_type,
        date=when,
        duration_hours=hours,
        delivery_mode=mode,
        employer_size_band="small",
        route="digital",
        benchmark=benchmark,
        criteria_met=criteria,
        framework_version=framework,
        source="school",
        **extra,
    )


def experience(when, **kw):
    return rec(when=when, benchmark="GB6", **kw)


def status(student, records, year=YEAR, config=CONFIG):
    return b.student_status(student, records, year, config)


# --- academic years and year groups ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2026, 8, 31), 2025), (date(2026, 9, 1), 2026), (date(2026, 1, 1), 2025), (date(2025, 12, 31), 2025)],
)
def test_academic_year_turns_over_on_1_september(day, year):
    assert b.academic_year(day) == year


def test_academic_year_label_and_bounds():
    assert b.academic_year_label(2025) == "2025/26"
    assert b.academic_year_label(1999) == "1999/00"
    assert b.academic_year_bounds(2025) == (date(2025, 9, 1), date(2026, 8, 31))


def test_framework_changes_in_september_2025():
    assert b.framework_for_year(2024) == "2014"
    assert b.framework_for_year(2025) == "2024"


def test_nc_year_at_counts_back_whole_academic_years():
    assert b.nc_year_at(11, 2025, date(2025, 9, 1)) == 11
    assert b.nc_year_at(11, 2025, date(2025, 8, 31)) == 10
    assert b.nc_year_at(11, 2025, date(2021, 9, 1)) == 7


@pytest.mark.parametrize(("when", "met"), [(date(2025, 8, 31), False), (date(2025, 9, 1), True)])
def test_gb5_encounter_counts_only_in_the_assessed_year_from_1_september(when, met):
    assert status(pupil(nc_year=8), [rec(when=when)]).gb5_met is met


@pytest.mark.parametrize(("when", "met"), [(date(2026, 8, 31), True), (date(2026, 9, 1), False)])
def test_gb5_encounter_counts_up_to_31_august(when, met):
    assert status(pupil(nc_year=8), [rec(when=when)]).gb5_met is met


def test_records_are_attributed_to_the_year_group_at_the_time():
    year11 = pupil(nc_year=11)
    in_year_7 = experience(date(2021, 9, 10))  # 2021/22: Year 7
    in_year_6 = experience(date(2021, 7, 1))  # 2020/21: still at primary school
    assert status(year11, [in_year_7, in_year_6]).gb6_by_16_count == 1
    # For a student now in Year 10 the same dates fall in Years 6 and 5; for one in Year 13, in 9 and 8.
    assert status(pupil(nc_year=10), [in_year_7, in_year_6]).gb6_by_16_count == 0
    assert status(pupil(nc_year=13), [in_year_7, in_year_6]).gb6_by_16_count == 2


def test_year_out_of_range_is_refused():
    with pytest.raises(ValueError, match="outside Years 7-13"):
        status(pupil(nc_year=6), [])


# --- meaningful -----------------------------------------------------------------------------------


def test_gb6_checklist_has_the_seven_2024_criteria_and_gb5_the_four():
    assert len(set(b.GB6_CRITERIA)) == 7
    assert set(b.GB5_CRITERIA) == {"purpose_shared", "learning_outcomes", "two_way_interaction", "reflection"}
    assert set(b.CRITERIA_LABELS) == set(b.GB5_CRITERIA) | set(b.GB6_CRITERIA)


@pytest.mark.parametrize("missing", b.GB5_CRITERIA)
def test_2024_encounter_missing_one_criterion_is_not_meaningful(missing):
    assert b.is_meaningful(rec())
    assert not b.is_meaningful(rec(criteria=set(b.GB5_CRITERIA) - {missing}))


@pytest.mark.parametrize("missing", b.GB6_CRITERIA)
def test_2024_experience_missing_one_criterion_is_not_meaningful(missing):
    assert b.is_meaningful(experience(date(2025, 10, 1)))
    assert not b.is_meaningful(experience(date(2025, 10, 1), criteria=set(b.GB6_CRITERIA) - {missing}))


def test_gb5_criteria_do_not_make_a_gb6_experience_meaningful():
    assert not b.is_meaningful(experience(date(2025, 10, 1), criteria=set(b.GB5_CRITERIA)))


def test_criteria_may_be_any_iterable():
    assert b.is_meaningful(rec(criteria=list(b.GB5_CRITERIA)))


def test_criteria_may_be_a_pipe_list_as_stored():
    assert b.is_meaningful(rec(criteria="|".join(b.GB5_CRITERIA)))
    assert not b.is_meaningful(rec(criteria="purpose_shared|learning_outcomes|two_way_interaction"))
    assert not b.is_meaningful(rec(criteria=""))
    assert b.is_meaningful(rec(criteria="", framework="2014"))


def test_a_mixed_2014_and_2024_history_is_judged_record_by_record():
    """A Year 11 student: one 2014 experience with no checklist (2024/25), one 2024 one (2025/26)."""
    old = experience(date(2024, 11, 1), criteria=set(), framework="2014")
    new = experience(date(2025, 11, 1))
    incomplete = experience(date(2025, 12, 1), criteria=set(b.GB6_CRITERIA) - {"employer_feedback"})
    result = status(pupil(nc_year=11), [old, new, incomplete])
    assert (result.framework, result.gb6_by_16_count, result.gb6_by_16_met) == ("2024", 2, True)


def test_non_meaningful_encounter_does_not_meet_gb5():
    partial = rec(criteria={"purpose_shared", "learning_outcomes", "two_way_interaction"})
    result = status(pupil(nc_year=9), [partial])
    assert (result.gb5_encounters, result.gb5_met, result.missing_out[0]) == (0, False, "gb5")


def test_2014_records_need_no_checklist_but_2024_records_do():
    assert b.is_meaningful(rec(criteria=set(), framework="2014"))
    assert not b.is_meaningful(rec(criteria=set(), framework="2024"))
    assert b.is_meaningful(experience(date(2023, 10, 1), criteria=set(), framework="2014"))
    assert not b.is_meaningful(experience(date(2023, 10, 1), criteria=set(), framework="2024"))


def test_activity_type_must_fit_the_benchmark():
    assert not b.is_meaningful(rec(benchmark="GB6", activity_type="employer_talk", framework="2014"))
    assert not b.is_meaningful(rec(activity_type="he_visit"))
    assert not b.is_meaningful(rec(activity_type="guidance_interview", framework="2014", criteria=set()))
    assert b.is_meaningful(rec(activity_type="workplace_visit"))  # a visit is an encounter too
    assert not b.is_meaningful(rec(benchmark="GB7", criteria=set(), framework="2014"))
    assert not b.is_meaningful(rec(framework="2030"))


def test_part_time_job_counts_for_gb5_only_under_2024():
    assert b.is_meaningful(rec(activity_type="part_time_job"))
    assert not b.is_meaningful(rec(activity_type="part_time_job", framework="2014", criteria=set()))


def test_part_time_jobs_never_count_for_gb6():
    by_type = experience(date(2024, 10, 1), activity_type="part_time_job")
    by_flag = experience(date(2025, 2, 1), activity_type="work_shadowing", is_part_time_job=True)
    old = experience(date(2024, 3, 1), activity_type="part_time_job", framework="2014", criteria=set())
    result = status(pupil(nc_year=11), [by_type, by_flag, old])
    assert (result.gb6_by_16_count, result.gb6_by_16_met) == (0, False)
    assert status(pupil(nc_year=11), [experience(date(2025, 2, 1), activity_type="work_shadowing")]).gb6_by_16_count


# --- GB6 by 16 and by 18 --------------------------------------------------------------------------


def test_gb6_by_16_needs_two_by_default_and_n_is_configurable():
    two = [experience(date(2024, 11, 1)), experience(date(2025, 11, 1))]  # Years 10 and 11
    assert status(pupil(nc_year=11), two).gb6_by_16_met
    assert not status(pupil(nc_year=11), two[:1]).gb6_by_16_met
    assert not status(pupil(nc_year=11), two, config=replace(CONFIG, gb6_by_16=3)).gb6_by_16_met
    assert status(pupil(nc_year=11), two[:1], config=replace(CONFIG, gb6_by_16=1)).gb6_by_16_met


def test_gb6_by_16_under_2014_needs_one():
    one = [experience(date(2024, 11, 1), framework="2014", criteria=set())]
    assert status(pupil(nc_year=11), one, year=2024).gb6_by_16_met  # 2024/25 is assessed on 2014
    assert not status(pupil(nc_year=11), one, year=2025).gb6_by_16_met
    assert status(pupil(nc_year=11), one, config=replace(CONFIG, framework="2014")).gb6_by_16_met


def test_gb6_by_18_needs_a_further_experience_in_years_12_to_13():
    by_16 = [experience(date(2023, 11, 1)), experience(date(2024, 11, 1)), experience(date(2024, 12, 1))]
    sixth_form = experience(date(2025, 10, 1))  # Year 12 for a student now in Year 12
    year12 = status(pupil(nc_year=12), [*by_16, sixth_form])
    assert (year12.gb6_by_16_count, year12.gb6_by_18_count, year12.gb6_by_18_met) == (3, 1, True)
    # A third experience in Year 11 is not a further one after 16.
    assert status(pupil(nc_year=12), by_16).gb6_by_18_met is False
    # Before Year 12 the measure does not apply.
    assert status(pupil(nc_year=11), [sixth_form]).gb6_by_18_met is None


def test_gb6_by_18_deadline_is_the_end_of_year_13():
    assert "gb6_by_18" not in status(pupil(nc_year=12), []).missing_out
    assert "gb6_by_18" in status(pupil(nc_year=13), []).missing_out
    in_year_12 = experience(date(2024, 10, 1))
    assert status(pupil(nc_year=13), [in_year_12]).gb6_by_18_met is True


@pytest.mark.parametrize(("when", "by_16", "by_18"), [(date(2025, 8, 31), 1, 0), (date(2025, 9, 1), 0, 1)])
def test_an_experience_on_31_august_of_year_11_counts_by_16_and_on_1_september_by_18(when, by_16, by_18):
    result = status(pupil(nc_year=12), [experience(when)])
    assert (result.gb6_by_16_count, result.gb6_by_18_count) == (by_16, by_18)


def test_gb6_by_16_is_missing_out_only_in_year_11():
    assert "gb6_by_16" in status(pupil(nc_year=11), []).missing_out
    assert "gb6_by_16" not in status(pupil(nc_year=10), []).missing_out
    assert "gb6_by_16" not in status(pupil(nc_year=12), []).missing_out


# --- the two-week guarantee -----------------------------------------------------------------------


def ks3(hours, mode="in_person", when=date(2025, 10, 1), activity_type="workplace_visit", **kw):
    return experience(when, hours=hours, mode=mode, activity_type=activity_type, **kw)


def test_virtual_only_key_stage_3_does_not_meet_the_guarantee():
    result = status(pupil(nc_year=9), [ks3(30, "virtual", activity_type="virtual_work_experience")])
    assert (result.ks3_hours, result.ks3_virtual_hours, result.ks3_met) == (0.0, 30.0, False)
    assert "ks3_guarantee" in result.missing_out


def test_virtual_hours_count_up_to_the_in_person_hours():
    assert status(pupil(nc_year=9), [ks3(10), ks3(30, "virtual")]).ks3_hours == 20.0
    met = status(pupil(nc_year=9), [ks3(15), ks3(10, "virtual")])
    assert (met.ks3_hours, met.ks3_met) == (25.0, True)
    # virtual_work_experience is virtual time whatever mode it was recorded with
    assert status(pupil(nc_year=9), [ks3(5, activity_type="virtual_work_experience")]).ks3_hours == 0.0


def test_hybrid_counts_as_in_person_for_key_stage_3():
    result = status(pupil(nc_year=9), [ks3(12.5, "hybrid"), ks3(12.5, "virtual")])
    assert (result.ks3_in_person_hours, result.ks3_hours, result.ks3_met) == (12.5, 25.0, True)


def test_virtual_ratio_is_configurable_but_virtual_alone_never_counts():
    relaxed = replace(CONFIG, ks3_max_virtual_ratio=float("inf"))
    assert status(pupil(nc_year=9), [ks3(1), ks3(24, "virtual")], config=relaxed).ks3_met
    assert not status(pupil(nc_year=9), [ks3(1), ks3(24, "virtual")]).ks3_met
    assert status(pupil(nc_year=9), [ks3(40, "virtual")], config=relaxed).ks3_hours == 0.0


def test_key_stage_3_counts_years_7_to_9_across_academic_years():
    years_7_to_9 = [ks3(5, when=date(2023, 10, 1)), ks3(10, when=date(2024, 10, 1)), ks3(10, when=date(2025, 10, 1))]
    assert status(pupil(nc_year=9), years_7_to_9).ks3_hours == 25.0
    # for a student now in Year 10, the 2025/26 visit falls in Year 10 and is no KS3 activity
    assert status(pupil(nc_year=10), years_7_to_9).ks3_hours == 15.0


@pytest.mark.parametrize(("when", "ks3_hours"), [(date(2025, 8, 31), 25.0), (date(2025, 9, 1), 0.0)])
def test_a_visit_on_31_august_of_year_9_is_key_stage_3_and_on_1_september_is_not(when, ks3_hours):
    assert status(pupil(nc_year=10), [ks3(25, when=when)]).ks3_hours == ks3_hours


def test_employer_talks_and_placements_are_not_key_stage_3_activities():
    talk = rec(hours=30, activity_type="employer_talk")
    placement = ks3(30, activity_type="work_experience_placement")
    assert status(pupil(nc_year=8), [talk, placement]).ks3_hours == 0.0


def test_key_stage_4_counts_in_person_and_hybrid_placements_in_years_10_and_11():
    year10 = ks3(15, when=date(2025, 6, 1), activity_type="work_experience_placement")
    year11 = ks3(10, "hybrid", when=date(2025, 10, 1), activity_type="work_experience_placement")
    virtual = ks3(25, "virtual", activity_type="work_experience_placement")
    shadowing = ks3(25, activity_type="work_shadowing")
    result = status(pupil(nc_year=11), [year10, year11, virtual, shadowing])
    assert (result.ks4_hours, result.ks4_met) == (25.0, True)
    assert not status(pupil(nc_year=11), [year10, virtual, shadowing]).ks4_met
    assert "ks4_guarantee" in status(pupil(nc_year=11), [year10]).missing_out


def test_guarantee_hours_need_meaningful_records_unless_configured():
    no_reflection = ks3(25, activity_type="work_experience_placement", criteria=set(b.GB6_CRITERIA) - {"reflection"})
    assert status(pupil(nc_year=10), [no_reflection]).ks4_hours == 0.0
    lenient = replace(CONFIG, guarantee_requires_meaningful=False)
    assert status(pupil(nc_year=10), [no_reflection], config=lenient).ks4_hours == 25.0


def test_guarantee_targets_are_configurable():
    assert status(pupil(nc_year=9), [ks3(10)], config=replace(CONFIG, ks3_target_hours=10)).ks3_met
    placement = ks3(10, activity_type="work_experience_placement")
    assert status(pupil(nc_year=10), [placement], config=replace(CONFIG, ks4_target_hours=10)).ks4_met
    assert not status(pupil(nc_year=10), [placement]).ks4_met


@pytest.mark.parametrize(
    ("record", "record_nc", "stage"),
    [
        (ks3(3), 8, "ks3_guarantee"),
        (ks3(3, "virtual", activity_type="virtual_work_experience"), 9, "ks3_guarantee"),  # counts, capped
        (ks3(3), 10, None),  # a visit in Year 10 is no placement
        (ks3(6, activity_type="work_experience_placement"), 10, "ks4_guarantee"),
        (ks3(6, "virtual", activity_type="work_experience_placement"), 11, None),
        (ks3(6, activity_type="work_experience_placement"), 12, None),
        (ks3(6, is_part_time_job=True), 8, None),
        (ks3(6, criteria={"purpose_shared"}), 8, None),
        (rec(hours=6), 8, None),  # an employer talk
    ],
    ids=[
        "visit-y8",
        "virtual-y9",
        "visit-y10",
        "placement-y10",
        "virtual-placement",
        "placement-y12",
        "job",
        "not-meaningful",
        "talk",
    ],
)
def test_guarantee_stage_says_which_half_a_record_counts_toward(record, record_nc, stage):
    assert b.guarantee_stage(record, record_nc) == stage


def test_guarantee_stage_agrees_with_the_student_status():
    records = [ks3(5, when=date(2023, 10, 1)), ks3(7, activity_type="work_experience_placement", when=date(2025, 3, 1))]
    result = status(pupil(nc_year=11), records)
    stages = [b.guarantee_stage(r, b.nc_year_at(11, YEAR, r.date)) for r in records]
    assert stages == ["ks3_guarantee", "ks4_guarantee"]
    assert (result.ks3_in_person_hours, result.ks4_hours) == (5.0, 7.0)


def test_records_before_the_year_count_only_toward_gb6_and_the_guarantee():
    """What counts_before_the_year lets a caller leave out changes nobody's status."""
    last_year = date(2025, 3, 1)
    kinds = [
        rec(when=last_year),
        rec(when=last_year, activity_type="part_time_job"),
        experience(last_year),
        rec(when=last_year, activity_type="workplace_visit", hours=10),  # a visit recorded as an encounter
        ks3(10, when=last_year, activity_type="work_experience_placement"),
    ]
    assert [b.counts_before_the_year(r) for r in kinds] == [False, False, True, True, True]
    for nc in b.YEAR_GROUPS:
        kept = [r for r in kinds if b.counts_before_the_year(r)]
        assert status(pupil(nc_year=nc), kinds) == status(pupil(nc_year=nc), kept)


# --- mid-year joiners -----------------------------------------------------------------------------


def test_mid_year_joiner_keeps_evidence_from_before_joining_by_default():
    joiner = pupil(nc_year=8, on_roll_from=date(2026, 1, 15))
    before = rec(when=date(2025, 10, 1))
    result = status(joiner, [before])
    assert (result.joined_mid_year, result.gb5_met) == (True, True)
    assert not status(joiner, [before], config=replace(CONFIG, count_evidence_before_roll=False)).gb5_met
    after = rec(when=date(2026, 2, 1))
    assert status(joiner, [after], config=replace(CONFIG, count_evidence_before_roll=False)).gb5_met


def test_joining_on_1_september_is_not_mid_year():
    assert not status(pupil(on_roll_from=date(2025, 9, 1)), []).joined_mid_year
    assert not status(pupil(on_roll_from=date(2023, 9, 5)), []).joined_mid_year
    assert status(pupil(on_roll_from=date(2025, 9, 2)), []).joined_mid_year


# --- school summary -------------------------------------------------------------------------------


def cohort():
    """Year 8: four students, two meeting GB5. Year 11: three students. Year 13: one."""
    students = [
        pupil(1, 8, sen="N"),
        pupil(2, 8, sen="K", disadvantaged=True),
        pupil(3, 8, sen="E", disadvantaged=True),
        pupil(4, 8, sen="N"),
        pupil(5, 11, sen="N"),
        pupil(6, 11, sen="K", disadvantaged=True),
        pupil(7, 11, sen="N", on_roll_from=date(2026, 3, 1)),
        pupil(8, 13, sen="E"),
        pupil(9, 6),  # not in Years 7-13
        pupil(10, 9, on_roll_from=date(2026, 9, 1)),  # joins next year
    ]
    placement = {"activity_type": "work_experience_placement", "hours": 12.5}
    records = [
        rec(student_id=1),
        rec(student_id=2),
        rec(student_id=3, criteria={"purpose_shared"}),
        ks3(10, student_id=1),
        ks3(30, student_id=2),
        ks3(20, "virtual", student_id=4),
        rec(student_id=5),
        experience(date(2024, 10, 1), student_id=5, **placement),
        experience(date(2025, 10, 1), student_id=5, **placement),
        experience(date(2025, 10, 1), student_id=6, **placement),
        rec(student_id=7),
        rec(student_id=8),
        experience(date(2024, 10, 1), student_id=8),  # Year 12
        rec(student_id=99),  # nobody on roll
    ]
    return students, records


def shares(tally):
    return {m: (tally.met[m], tally.applicable[m]) for m in b.MEASURES if tally.applicable[m]}


def test_summary_year_group_totals():
    summary = b.school_summary(*cohort(), YEAR)
    year8 = summary.year_groups[8].total
    assert year8.students == 4
    assert shares(year8) == {"gb5": (2, 4), "gb6_by_16": (0, 4), "ks3_guarantee": (1, 4)}
    assert year8.share("gb5") == 0.5
    assert year8.share("gb6_by_18") is None
    assert year8.mean_hours("ks3_guarantee") == (10 + 30 + 0 + 0) / 4
    year11 = summary.year_groups[11].total
    assert shares(year11) == {"gb5": (2, 3), "gb6_by_16": (1, 3), "ks4_guarantee": (1, 3)}
    assert year11.mean_hours("ks4_guarantee") == (25 + 12.5 + 0) / 3
    assert shares(summary.year_groups[13].total) == {"gb5": (1, 1), "gb6_by_16": (0, 1), "gb6_by_18": (1, 1)}
    assert summary.year_groups[7].total.students == 0


def test_summary_breaks_down_by_sen_provision_and_disadvantage():
    summary = b.school_summary(*cohort(), YEAR)
    year8 = summary.year_groups[8]
    assert {code: shares(t)["gb5"] for code, t in year8.by_sen.items()} == {"E": (0, 1), "K": (1, 1), "N": (1, 2)}
    assert {flag: shares(t)["gb5"] for flag, t in year8.by_disadvantaged.items()} == {True: (1, 2), False: (1, 2)}
    assert {code: t.met["ks3_guarantee"] for code, t in year8.by_sen.items()} == {"E": 0, "K": 1, "N": 0}
    year11 = summary.year_groups[11]
    assert shares(year11.by_disadvantaged[True]) == {"gb5": (0, 1), "gb6_by_16": (0, 1), "ks4_guarantee": (0, 1)}
    assert shares(year11.by_sen["N"]) == {"gb5": (2, 2), "gb6_by_16": (1, 2), "ks4_guarantee": (1, 2)}
    assert year11.by_sen["E"].students == 0 and year11.by_sen["E"].share("gb5") is None
    whole = summary.whole_school
    assert whole.total.students == 8
    assert shares(whole.by_sen["E"])["gb5"] == (1, 2)
    assert shares(whole.total)["gb5"] == (5, 8)


def test_summary_lists_students_missing_out_in_year_group_order():
    summary = b.school_summary(*cohort(), YEAR)
    assert [(s.student_id, s.missing_out) for s in summary.missing_out] == [
        (3, ("gb5",)),
        (4, ("gb5",)),
        (6, ("gb5", "gb6_by_16", "ks4_guarantee")),
        (7, ("gb6_by_16", "ks4_guarantee")),
    ]
    assert summary.statuses[7].joined_mid_year
    assert set(summary.statuses) == {1, 2, 3, 4, 5, 6, 7, 8}


def test_summary_accepts_records_already_grouped():
    students, records = cohort()
    grouped = b.school_summary(students, b.group_by_student(records), YEAR)
    assert grouped.statuses == b.school_summary(students, records, YEAR).statuses
    assert grouped.framework == "2024"


def test_summary_keeps_unknown_sen_codes_apart():
    summary = b.school_summary([pupil(1, 7, sen="X")], [rec()], YEAR)
    assert shares(summary.year_groups[7].by_sen["X"])["gb5"] == (1, 1)
    assert summary.year_groups[7].by_sen["N"].students == 0


# --- the module stays plain Python ----------------------------------------------------------------


def test_benchmarks_imports_only_the_standard_library():
    tree = ast.parse(Path(b.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no imports from the placements package"
            imported.add(node.module.split(".")[0])
    assert imported - {"__future__"} <= sys.stdlib_module_names
    assert "flask" not in imported and "sqlalchemy" not in imported


def test_vocabularies_agree_with_the_shared_ones():
    assert set(b.SEN_CODES) == set(vocab.SEN_PROVISION)
    assert tuple(b.YEAR_GROUPS) == vocab.YEAR_GROUPS
    # The criteria keys are the ones placements, employers' feedback and evidence store.
    assert tuple(vocab.GB5_CRITERIA) == b.GB5_CRITERIA
    assert b.GB6_CRITERIA == tuple(vocab.GB6_CRITERIA) == tuple(vocab.EVIDENCE_CRITERIA)
    assert set(b.ACTIVITY_TYPES) == set(vocab.EVIDENCE_ACTIVITY_TYPES) | b.OTHER_TYPES
    assert set(b.DELIVERY_MODES) == set(vocab.DELIVERY_MODES)
    assert {k for k, v in vocab.EVIDENCE_BENCHMARK.items() if v == "GB6"} == b.EXPERIENCE_TYPES
