"""Gatsby Benchmark 5 and 6 rules and the two-week work experience guarantee (domain.md §1.3-§1.5).

Plain Python (style.md §3.4, §3.15): no Flask, no SQLAlchemy. Every function takes duck-typed
objects, so ORM rows work as they are and tests pass dataclasses or ``SimpleNamespace``.

An evidence record has: ``student_id``, ``activity_type`` (:data:`ACTIVITY_TYPES`), ``date``
(``datetime.date``), ``duration_hours``, ``delivery_mode`` (``in_person`` | ``virtual`` | ``hybrid``),
``employer_size_band``, ``route``, ``benchmark`` (``GB5`` | ``GB6``), ``criteria_met`` (criterion keys:
any iterable, or a pipe list as the database and the interop CSV store them), ``framework_version``
(``2014`` | ``2024``) and ``source`` (``school`` | ``placement``).
An optional ``is_part_time_job`` attribute (domain.md §1.4) marks a part-time job as well as the
``part_time_job`` activity type does.

A student has: ``id``, ``nc_year`` (7-13, the year group in the academic year being assessed),
``date_of_birth`` (optional and unused: year groups come from ``nc_year`` so that SEND pupils taught
out of their chronological year are assessed on their year group, domain.md §7.3), ``on_roll_from``
(a date or None), ``sen_provision`` (``E`` | ``K`` | ``N``) and ``disadvantaged`` (bool).

Rules decided here where the sources leave room (each is also documented at its function):

* Academic years are named by the calendar year they start in: 2025 is 1 Sep 2025-31 Aug 2026,
  shown as "2025/26" by :func:`academic_year_label`.
* A record is attributed to the year group the student was in on the record's date: the current
  ``nc_year`` less the number of academic years between the record and the assessed year. Records
  from before Year 7 or after the assessed year never count.
* Each record is judged under its own ``framework_version`` (the definition in force when it was
  recorded). The assessment's thresholds come from the assessed year's framework
  (:func:`framework_for_year`): 2014 up to 2024/25, 2024 from 2025/26.
* 2014 had no meaningfulness checklist, only a description, so 2014 records need no criteria; they
  must still be of an activity type that fits the benchmark.
* GB6 "by 18" counts meaningful experiences in Years 12-13, i.e. after the by-16 window closed.
* Guarantee, Years 7-9: virtual hours count only up to ``ks3_max_virtual_ratio`` times the in-person
  and hybrid hours (default 1.0: at most half the counted hours are virtual; virtual alone gives 0).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Protocol

GB5 = "GB5"
GB6 = "GB6"
FRAMEWORKS = ("2014", "2024")
DELIVERY_MODES = ("in_person", "virtual", "hybrid")
SEN_CODES = ("E", "K", "N")
YEAR_GROUPS = range(7, 14)

# domain.md §7.4, grouped by what each kind of activity can count toward.
ENCOUNTER_TYPES = frozenset({"employer_talk", "careers_fair", "mentoring", "enterprise_challenge", "mock_interview"})
EXPERIENCE_TYPES = frozenset(
    {
        "workplace_visit",
        "multi_day_visit",
        "work_shadowing",
        "work_experience_placement",
        "virtual_work_experience",
        "industry_placement_tlevel",
        "supported_internship",
    }
)
OTHER_TYPES = frozenset({"provider_encounter_pal", "he_visit", "guidance_interview"})
# Not in §7.4: a student's own part-time job, which GB5 (2024 only) may count and GB6 never does.
PART_TIME_JOB = "part_time_job"
ACTIVITY_TYPES = ENCOUNTER_TYPES | EXPERIENCE_TYPES | OTHER_TYPES | {PART_TIME_JOB}

# Work experience *activities* for Years 7-9 (domain.md §1.5): visits, multi-day visits, shadowing and
# virtual work experience. Placements are not allowed before Year 10 (§8 item 1), and an employer talk
# counts only when it happens in the workplace, which is recorded as a workplace_visit.
KS3_ACTIVITY_TYPES = frozenset({"workplace_visit", "multi_day_visit", "work_shadowing", "virtual_work_experience"})
# Work experience *placements* for Years 10-11: a real working environment.
KS4_PLACEMENT_TYPES = frozenset({"work_experience_placement"})
# What a record from before the assessed year can still count toward: GB6 (by 16 and by 18) and the
# guarantee's hours. GB5 is judged year by year, so an earlier encounter counts for nothing: a caller
# loading a school's records may leave out those dated before the year that match neither (see
# :func:`counts_before_the_year`).
PAST_BENCHMARKS = frozenset({GB6})
GUARANTEE_TYPES = KS3_ACTIVITY_TYPES | KS4_PLACEMENT_TYPES

# The 2024 checklists (domain.md §1.3 and §1.4). A record meets one only when every key is present.
# The keys are the ones stored everywhere (vocab.GB5_CRITERIA and vocab.MEANINGFUL_CRITERIA: placements,
# employers' feedback on applications, evidence, the interop CSV); the GB5 list is four of the GB6 keys,
# its "two-way interaction" being the lighter GB5 version of GB6's "extensive" one.
GB5_CRITERIA = ("purpose_shared", "learning_outcomes", "two_way_interaction", "reflection")
GB6_CRITERIA = (
    "purpose_shared",
    "learning_outcomes",
    "two_way_interaction",  # GB6: "extensive two-way interactions" with employees
    "range_of_people",  # meets a range of different people from the workplace
    "employer_task",  # performs a task set by the employer, or produces relevant work
    "employer_feedback",  # the employer gives feedback on that work
    "reflection",
)
CRITERIA_LABELS: dict[str, str] = {
    "purpose_shared": "Clear purpose, shared with the employer and the young person",
    "learning_outcomes": "Underpinned by learning outcomes appropriate to the young person",
    "two_way_interaction": "Two-way interaction with the employer (extensive, for an experience of a workplace)",
    "range_of_people": "Met a range of different people from the workplace",
    "employer_task": "Performed a task set by the employer",
    "employer_feedback": "The employer gave feedback on the work",
    "reflection": "Time to reflect afterwards",
}
REQUIRED_CRITERIA: dict[tuple[str, str], frozenset[str]] = {
    (GB5, "2024"): frozenset(GB5_CRITERIA),
    (GB6, "2024"): frozenset(GB6_CRITERIA),
    # 2014 described a meaningful encounter in one sentence and defined no meaningful experience,
    # so a 2014 record counts on its activity type alone.
    (GB5, "2014"): frozenset(),
    (GB6, "2014"): frozenset(),
}

# Measure keys used in statuses and summaries, in display order.
GB5_MET = "gb5"
GB6_BY_16 = "gb6_by_16"
GB6_BY_18 = "gb6_by_18"
KS3_GUARANTEE = "ks3_guarantee"
KS4_GUARANTEE = "ks4_guarantee"
MEASURES = (GB5_MET, GB6_BY_16, GB6_BY_18, KS3_GUARANTEE, KS4_GUARANTEE)
# Year groups whose share of each measure a summary reports.
APPLICABLE_YEARS: dict[str, range] = {
    GB5_MET: range(7, 14),
    GB6_BY_16: range(7, 14),  # Years 7-10: met early; Year 11: the benchmark; 12-13: as it ended
    GB6_BY_18: range(12, 14),
    KS3_GUARANTEE: range(7, 10),
    KS4_GUARANTEE: range(10, 12),
}
_MEASURES_BY_YEAR = {nc: tuple(m for m in MEASURES if nc in APPLICABLE_YEARS[m]) for nc in YEAR_GROUPS}
# The year group whose end is each measure's deadline: a student in it who has not met it is missing out.
DEADLINE_YEAR = {GB6_BY_16: 11, GB6_BY_18: 13, KS3_GUARANTEE: 9, KS4_GUARANTEE: 11}


class EvidenceRecord(Protocol):
    student_id: Any
    activity_type: str
    date: date
    duration_hours: float
    delivery_mode: str
    benchmark: str
    criteria_met: Iterable[str]
    framework_version: str


class Student(Protocol):
    id: Any
    nc_year: int
    on_roll_from: date | None
    sen_provision: str
    disadvantaged: bool


@dataclass(frozen=True)
class BenchmarkConfig:
    """Thresholds, with the defaults from domain.md; a school or a test may change any of them.

    ``framework`` fixes the assessment's framework; None takes it from the assessed year.
    ``count_evidence_before_roll``: records dated before a student's ``on_roll_from`` (carried over
    from a previous school) count; set False to count only this school's provision.
    ``guarantee_requires_meaningful``: guarantee hours come only from meaningful records.
    """

    gb6_by_16: int = 2  # 2024 "multiple" by the end of Year 11: UNCONFIRMED as a number (§1.4)
    gb6_by_16_2014: int = 1  # 2014: "at least one" by 16
    gb6_by_18: int = 1  # "one further" in Years 12-13, both frameworks
    ks3_target_hours: float = 25.0
    ks4_target_hours: float = 25.0
    ks3_max_virtual_ratio: float = 1.0
    framework: str | None = None
    count_evidence_before_roll: bool = True
    guarantee_requires_meaningful: bool = True

    def gb6_by_16_for(self, framework: str) -> int:
        """How many meaningful GB6 experiences by the end of Year 11 the framework asks for."""
        return self.gb6_by_16_2014 if framework == "2014" else self.gb6_by_16


DEFAULT_CONFIG = BenchmarkConfig()


@dataclass(frozen=True)
class StudentBenchmarkStatus:
    """Where one student stands at the end of the assessed academic year.

    ``gb6_by_18_met`` is None below Year 12, where it does not apply yet. Hours are the counted hours
    (after the virtual cap); ``ks3_virtual_hours`` is the virtual time recorded, counted or not.
    ``missing_out`` names the measures the student has not met and is due to meet this year.
    """

    student_id: Any
    nc_year: int
    academic_year: int
    framework: str
    joined_mid_year: bool
    gb5_encounters: int
    gb5_met: bool
    gb6_by_16_count: int
    gb6_by_16_met: bool
    gb6_by_18_count: int
    gb6_by_18_met: bool | None
    ks3_hours: float
    ks3_in_person_hours: float
    ks3_virtual_hours: float
    ks3_met: bool
    ks4_hours: float
    ks4_met: bool
    met_measures: frozenset[str]
    missing_out: tuple[str, ...]

    def met(self, measure: str) -> bool:
        """Whether the student meets a measure key from :data:`MEASURES`."""
        return measure in self.met_measures


def academic_year(d: date) -> int:
    """The academic year containing ``d``, named by the calendar year it starts in (1 Sep-31 Aug).

    31 Aug 2026 is in 2025 (2025/26); 1 Sep 2026 is in 2026.
    """
    return d.year if d.month >= 9 else d.year - 1


def academic_year_label(year: int) -> str:
    """``2025`` -> ``"2025/26"``."""
    return f"{year}/{(year + 1) % 100:02d}"


def academic_year_bounds(year: int) -> tuple[date, date]:
    """First and last day of an academic year, both inclusive."""
    return date(year, 9, 1), date(year + 1, 8, 31)


def framework_for_year(year: int) -> str:
    """The benchmark framework in force: the 2024 update from September 2025 (domain.md §1.1)."""
    return "2024" if year >= 2025 else "2014"


def nc_year_at(student_nc_year: int, assessed_year: int, when: date) -> int:
    """The year group a student in ``student_nc_year`` during ``assessed_year`` was in on ``when``."""
    return student_nc_year - (assessed_year - academic_year(when))


def is_part_time_job(record: Any) -> bool:
    """Whether a record is the student's own part-time job."""
    return record.activity_type == PART_TIME_JOB or bool(getattr(record, "is_part_time_job", False))


# benchmark -> framework -> (criteria required, activity types that can count, part-time job allowed)
_RULES: dict[str, dict[str, tuple[frozenset[str], frozenset[str], bool]]] = {
    GB5: {
        "2024": (REQUIRED_CRITERIA[GB5, "2024"], ENCOUNTER_TYPES | EXPERIENCE_TYPES | {PART_TIME_JOB}, True),
        "2014": (REQUIRED_CRITERIA[GB5, "2014"], ENCOUNTER_TYPES | EXPERIENCE_TYPES, False),
    },
    GB6: {
        "2024": (REQUIRED_CRITERIA[GB6, "2024"], EXPERIENCE_TYPES, False),
        "2014": (REQUIRED_CRITERIA[GB6, "2014"], EXPERIENCE_TYPES, False),
    },
}
_NO_RULES: dict[str, tuple[frozenset[str], frozenset[str], bool]] = {}


def is_meaningful(record: EvidenceRecord) -> bool:
    """Whether a record counts as a meaningful GB5 encounter or GB6 experience.

    The record is judged under its own ``framework_version``: under 2024 every criterion of that
    benchmark's checklist must be in ``criteria_met``; under 2014 no checklist applies. Either way
    the activity type must fit: GB5 takes encounters and experiences (and, under 2024 only, a
    part-time job, "where it exists"); GB6 takes experiences of workplaces and never a part-time job.
    Unknown benchmarks, frameworks and activity types never count.
    """
    return _classify(*_kind(record))[0]


def _kind(record: Any) -> tuple:
    """The attributes that decide what a record can count toward (not its date, hours or student), as
    a hashable key: a school's thousands of records come in a few dozen kinds."""
    criteria = record.criteria_met
    if not isinstance(criteria, (str, frozenset)):
        criteria = frozenset(criteria)
    return (
        record.benchmark,
        record.framework_version,
        record.activity_type,
        criteria,
        bool(getattr(record, "is_part_time_job", False)),
        record.delivery_mode,
    )


@lru_cache(maxsize=4096)
def _classify(
    benchmark: str, framework: str, activity_type: str, criteria: str | frozenset, part_time: bool, mode: str
) -> tuple[bool, str | None, bool]:
    """(meaningful, the Years 7-9 guarantee time it could be: "virtual", "in_person" or None, whether it
    could be Years 10-11 guarantee time). Whether it counts still depends on the year group then."""
    rule = _RULES.get(benchmark, _NO_RULES).get(framework)
    if isinstance(criteria, str):  # a pipe list, as stored: a str's characters are no criteria
        criteria = criteria.split("|")
    meaningful = rule is not None and (
        activity_type in rule[1] and rule[0].issubset(criteria) and (rule[2] or not part_time)
    )
    part_time = part_time or activity_type == PART_TIME_JOB
    ks3 = None
    if activity_type in KS3_ACTIVITY_TYPES and not part_time:
        ks3 = "virtual" if mode == "virtual" or activity_type == "virtual_work_experience" else "in_person"
    ks4 = activity_type in KS4_PLACEMENT_TYPES and mode != "virtual" and not part_time
    return meaningful, ks3, ks4


def counts_before_the_year(record: EvidenceRecord) -> bool:
    """Whether a record dated before the assessed academic year can change a student's status: only
    through GB6 or guarantee hours (:data:`PAST_BENCHMARKS`, :data:`GUARANTEE_TYPES`)."""
    return record.benchmark in PAST_BENCHMARKS or record.activity_type in GUARANTEE_TYPES


def ks3_counted_hours(in_person_hours: float, virtual_hours: float, max_virtual_ratio: float) -> float:
    """Years 7-9 guarantee hours: "virtual activities can contribute but cannot replace in-person ones".

    In-person and hybrid hours count in full; virtual hours count up to ``max_virtual_ratio`` times
    them, so virtual time alone counts for nothing (even with an infinite ratio).
    """
    if in_person_hours <= 0:
        return 0.0
    return in_person_hours + min(virtual_hours, in_person_hours * max_virtual_ratio)


def guarantee_stage(record: EvidenceRecord, record_nc: int, config: BenchmarkConfig = DEFAULT_CONFIG) -> str | None:
    """Which half of the two-week guarantee a record's hours go toward, given the year group the student
    was in on its date: :data:`KS3_GUARANTEE` (a Years 7-9 activity; virtual time counts only beside
    in-person time, see :func:`ks3_counted_hours`), :data:`KS4_GUARANTEE` (a Years 10-11 placement in
    person or hybrid), or None. Part-time jobs never count; nor, unless configured otherwise, records
    that are not meaningful. :func:`student_status` applies the same rule.
    """
    meaningful, ks3, ks4 = _classify(*_kind(record))
    if not meaningful and config.guarantee_requires_meaningful:
        return None
    if ks3 and 7 <= record_nc <= 9:
        return KS3_GUARANTEE
    if ks4 and record_nc in (10, 11):
        return KS4_GUARANTEE
    return None


def student_status(
    student: Student,
    records: Iterable[EvidenceRecord],
    year: int,
    config: BenchmarkConfig = DEFAULT_CONFIG,
) -> StudentBenchmarkStatus:
    """One student's GB5, GB6 and guarantee status at the end of academic ``year``.

    ``records`` are that student's evidence records (others are not filtered out here: group them
    first, as :func:`school_summary` does). Records after the assessed year, or from before Year 7,
    are ignored. GB5 needs one meaningful encounter this year; GB6 by 16 needs ``gb6_by_16`` meaningful
    experiences in Years 7-11 (one under 2014); GB6 by 18 needs ``gb6_by_18`` in Years 12-13.
    Guarantee hours need a meaningful record (unless configured otherwise) of the right type: Years 7-9
    activities (:data:`KS3_ACTIVITY_TYPES`, virtual capped) and Years 10-11 placements
    (:data:`KS4_PLACEMENT_TYPES`, in person or hybrid). Raises ValueError outside Years 7-13.
    """
    nc = student.nc_year
    if nc not in YEAR_GROUPS:
        raise ValueError(f"nc_year {nc!r} is outside Years 7-13")
    framework = config.framework or framework_for_year(year)
    first_day, last_day = academic_year_bounds(year)
    on_roll_from = getattr(student, "on_roll_from", None)
    earliest = on_roll_from if on_roll_from and not config.count_evidence_before_roll else None
    offset = nc - year  # a record's year group is offset + its academic year
    needs_meaningful = config.guarantee_requires_meaningful

    gb5 = gb6_16 = gb6_18 = 0
    ks3_in_person = ks3_virtual = ks4 = 0.0
    for r in records:
        when = r.date
        if when > last_day or (earliest is not None and when < earliest):
            continue
        record_nc = offset + (when.year if when.month >= 9 else when.year - 1)
        if record_nc < 7:
            continue
        # The same rules as is_meaningful and guarantee_stage, through the cache of record kinds.
        meaningful, ks3_time, ks4_time = _classify(*_kind(r))
        if meaningful:
            if r.benchmark == GB5:
                if when >= first_day:
                    gb5 += 1
            elif record_nc <= 11:  # GB6: _RULES knows no other benchmark
                gb6_16 += 1
            else:
                gb6_18 += 1
        if not meaningful and needs_meaningful:
            continue
        if ks3_time and record_nc <= 9:
            if ks3_time == "virtual":
                ks3_virtual += r.duration_hours
            else:
                ks3_in_person += r.duration_hours
        elif ks4_time and 10 <= record_nc <= 11:
            ks4 += r.duration_hours

    ks3 = ks3_counted_hours(ks3_in_person, ks3_virtual, config.ks3_max_virtual_ratio)
    met = {
        GB5_MET: gb5 >= 1,
        GB6_BY_16: gb6_16 >= config.gb6_by_16_for(framework),
        GB6_BY_18: nc >= 12 and gb6_18 >= config.gb6_by_18,
        KS3_GUARANTEE: ks3 >= config.ks3_target_hours,
        KS4_GUARANTEE: ks4 >= config.ks4_target_hours,
    }
    missing = tuple(m for m in MEASURES if not met[m] and (m == GB5_MET or DEADLINE_YEAR[m] == nc))
    return StudentBenchmarkStatus(
        student_id=student.id,
        nc_year=nc,
        academic_year=year,
        framework=framework,
        joined_mid_year=bool(on_roll_from and first_day < on_roll_from <= last_day),
        gb5_encounters=gb5,
        gb5_met=met[GB5_MET],
        gb6_by_16_count=gb6_16,
        gb6_by_16_met=met[GB6_BY_16],
        gb6_by_18_count=gb6_18,
        gb6_by_18_met=met[GB6_BY_18] if nc >= 12 else None,
        ks3_hours=ks3,
        ks3_in_person_hours=ks3_in_person,
        ks3_virtual_hours=ks3_virtual,
        ks3_met=met[KS3_GUARANTEE],
        ks4_hours=ks4,
        ks4_met=met[KS4_GUARANTEE],
        met_measures=frozenset(m for m in MEASURES if met[m]),
        missing_out=missing,
    )


@dataclass
class Tally:
    """Counts for one group of students: how many a measure applies to, how many meet it, and the
    guarantee hours summed over the students it applies to."""

    students: int = 0
    applicable: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))
    met: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))
    hours: dict[str, float] = field(default_factory=lambda: {KS3_GUARANTEE: 0.0, KS4_GUARANTEE: 0.0})

    def add(self, status: StudentBenchmarkStatus) -> None:
        self.students += 1
        applicable, met = self.applicable, self.met
        for measure in _MEASURES_BY_YEAR[status.nc_year]:
            applicable[measure] += 1
            if measure in status.met_measures:
                met[measure] += 1
        if status.nc_year <= 9:
            self.hours[KS3_GUARANTEE] += status.ks3_hours
        elif status.nc_year <= 11:
            self.hours[KS4_GUARANTEE] += status.ks4_hours

    def merge(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        self.students += other.students
        for measure in MEASURES:
            self.applicable[measure] += other.applicable[measure]
            self.met[measure] += other.met[measure]
        for measure in self.hours:
            self.hours[measure] += other.hours[measure]

    def share(self, measure: str) -> float | None:
        """The fraction meeting ``measure``, or None where it applies to nobody in the group."""
        n = self.applicable[measure]
        return self.met[measure] / n if n else None

    def mean_hours(self, measure: str) -> float | None:
        """Mean guarantee hours (``KS3_GUARANTEE`` or ``KS4_GUARANTEE``) per student it applies to."""
        n = self.applicable[measure]
        return self.hours[measure] / n if n else None


@dataclass
class GroupSummary:
    """A year group (or the whole school, ``nc_year`` None), in total and broken down by SEN
    provision (E/K/N) and disadvantaged status (True/False). Every key is present, even when empty."""

    nc_year: int | None
    total: Tally = field(default_factory=Tally)
    by_sen: dict[str, Tally] = field(default_factory=lambda: {code: Tally() for code in SEN_CODES})
    by_disadvantaged: dict[bool, Tally] = field(default_factory=lambda: {True: Tally(), False: Tally()})

    def merge(self, tally: Tally, sen_provision: str, disadvantaged: bool) -> None:
        """Count a tally of students who share an SEN provision and a disadvantaged status."""
        self.total.merge(tally)
        self.by_sen.setdefault(sen_provision, Tally()).merge(tally)
        self.by_disadvantaged[disadvantaged].merge(tally)


@dataclass
class SchoolSummary:
    """Per year group (7-13, all present) and whole-school tallies, each student's status by id, and
    the statuses of students missing out on something, ordered by year group then student id."""

    academic_year: int
    framework: str
    year_groups: dict[int, GroupSummary]
    whole_school: GroupSummary
    statuses: dict[Any, StudentBenchmarkStatus]
    missing_out: list[StudentBenchmarkStatus]


def group_by_student(records: Iterable[Any]) -> dict[Any, list[Any]]:
    """Records in lists keyed by ``student_id``, in one pass."""
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for r in records:
        grouped[r.student_id].append(r)
    return grouped


def school_summary(
    students: Iterable[Student],
    records: Iterable[EvidenceRecord] | Mapping[Any, list[EvidenceRecord]],
    year: int,
    config: BenchmarkConfig = DEFAULT_CONFIG,
) -> SchoolSummary:
    """Summarise a school's cohort for one academic year.

    ``records`` is every evidence record, or a mapping already made by :func:`group_by_student`.
    Students outside Years 7-13, or not on roll until after the year ends, are left out. A student's
    ``sen_provision`` and ``disadvantaged`` are taken as they are now, for the assessed year.
    """
    by_student = records if isinstance(records, Mapping) else group_by_student(records)
    last_day = academic_year_bounds(year)[1]
    statuses: dict[Any, StudentBenchmarkStatus] = {}
    # One tally per (year group, SEN provision, disadvantaged), merged into the summaries at the end.
    cells: dict[tuple[int, str, bool], Tally] = defaultdict(Tally)
    for student in students:
        on_roll_from = getattr(student, "on_roll_from", None)
        if student.nc_year not in YEAR_GROUPS or (on_roll_from and on_roll_from > last_day):
            continue
        status = student_status(student, by_student.get(student.id, ()), year, config)
        statuses[student.id] = status
        cells[student.nc_year, student.sen_provision, bool(student.disadvantaged)].add(status)
    year_groups = {nc: GroupSummary(nc) for nc in YEAR_GROUPS}
    whole = GroupSummary(None)
    for (nc, sen_provision, disadvantaged), tally in cells.items():
        year_groups[nc].merge(tally, sen_provision, disadvantaged)
        whole.merge(tally, sen_provision, disadvantaged)
    missing = sorted((s for s in statuses.values() if s.missing_out), key=lambda s: (s.nc_year, s.student_id))
    return SchoolSummary(
        academic_year=year,
        framework=config.framework or framework_for_year(year),
        year_groups=year_groups,
        whole_school=whole,
        statuses=statuses,
        missing_out=missing,
    )
