"""Shared vocabularies (domain.md §5.5, §7.2, §7.4, §7.5). Plain Python: no Flask, no SQLAlchemy.

Each vocabulary is an ordered mapping of stored key -> label people read. Keys are what the
database stores and what CSV exports carry; labels can change without a migration.
"""

from __future__ import annotations

ROLES: dict[str, str] = {
    "student": "Student",
    "careers_leader": "Careers leader",
    "employer": "Employer",
    "admin": "Platform admin",
}

# The 15 technical education routes (IfATE occupational maps). Label strings are UNCONFIRMED
# against IfATE (domain.md §7.5), which is why only the keys are stored.
ROUTES: dict[str, str] = {
    "agriculture": "Agriculture, environmental and animal care",
    "business": "Business and administration",
    "care": "Care services",
    "catering": "Catering and hospitality",
    "construction": "Construction and the built environment",
    "creative": "Creative and design",
    "digital": "Digital",
    "education": "Education and early years",
    "engineering": "Engineering and manufacturing",
    "hair_beauty": "Hair and beauty",
    "health_science": "Health and science",
    "legal_finance": "Legal, finance and accounting",
    "protective": "Protective services",
    "sales_marketing": "Sales, marketing and procurement",
    "transport": "Transport and logistics",
}

# One vocabulary for what a placement offers and what a student needs (domain.md §5.5).
ACCESS_FEATURES: dict[str, str] = {
    "step_free_access": "Step-free access",
    "accessible_toilet": "Accessible toilet",
    "quiet_space": "Quiet space",
    "flexible_or_reduced_hours": "Flexible or reduced hours",
    "bsl_available": "British Sign Language available",
    "assistive_tech_ok": "Assistive technology welcome",
    "staff_escort_permitted": "School staff may accompany",
    "pre_visit_offered": "Pre-visit offered",
    "public_transport_accessible": "Reachable by accessible public transport",
    "sensory_environment_notes": "Sensory environment described",
    "job_coach_welcome": "Job coach welcome",
}

NEED_PRIORITIES: dict[str, str] = {"must": "Must have", "preferred": "Preferred"}

# Employer size bands, needed for GB5 variety (domain.md §7.5; UNCONFIRMED as a CEC enum).
SIZE_BANDS: dict[str, str] = {
    "self_employed": "Self-employed",
    "micro": "Micro (1–9 people)",
    "small": "Small (10–49 people)",
    "medium": "Medium (50–249 people)",
    "large": "Large (250+ people)",
}

YEAR_GROUPS: tuple[int, ...] = (7, 8, 9, 10, 11, 12, 13)

# Census SEN provision codes (domain.md §5.1): restricted, special-category-adjacent data.
SEN_PROVISION: dict[str, str] = {"N": "No SEN", "K": "SEN support", "E": "EHC plan"}

APPROVAL_STATUSES: dict[str, str] = {
    "pending": "Awaiting approval",
    "approved": "Approved",
    "rejected": "Rejected",
}

# What an employer can post (domain.md §7.4 activity_type), grouped as the benchmarks count them:
# encounters count towards GB5, experiences of workplaces towards GB6.
ENCOUNTER_TYPES: dict[str, str] = {
    "employer_talk": "Employer talk",
    "careers_fair": "Careers fair",
    "mentoring": "Mentoring",
    "enterprise_challenge": "Enterprise challenge",
    "mock_interview": "Mock interview",
}
EXPERIENCE_TYPES: dict[str, str] = {
    "workplace_visit": "Workplace visit",
    "multi_day_visit": "Multi-day workplace visit",
    "work_shadowing": "Work shadowing",
    "work_experience_placement": "Work experience placement",
    "virtual_work_experience": "Virtual work experience",
    "industry_placement_tlevel": "T Level industry placement",
    "supported_internship": "Supported internship",
}
ACTIVITY_TYPES: dict[str, str] = ENCOUNTER_TYPES | EXPERIENCE_TYPES
ACTIVITY_BENCHMARK: dict[str, str] = {key: "GB5" for key in ENCOUNTER_TYPES} | {key: "GB6" for key in EXPERIENCE_TYPES}

# The youngest year group an activity is open to. Pupils may only do work experience (working as the
# employer's employee) in their last two years of compulsory education or later (s560 Education Act
# 1996, domain.md §2): Years 7-9 get visits, shadowing and talks instead. T Level industry placements
# and supported internships are post-16 study programmes (domain.md §2, §5.3).
ACTIVITY_MIN_YEAR: dict[str, int] = {
    "work_experience_placement": 10,
    "industry_placement_tlevel": 12,
    "supported_internship": 12,
}

DELIVERY_MODES: dict[str, str] = {"in_person": "In person", "virtual": "Virtual", "hybrid": "Hybrid"}

PLACEMENT_STATUSES: dict[str, str] = {
    "draft": "Draft",
    "published": "Published",
    "closed": "Closed",
    "cancelled": "Cancelled",
}

# The 2024 definition of a meaningful experience of a workplace (GB6, domain.md §1.4).
MEANINGFUL_CRITERIA: dict[str, str] = {
    "purpose_shared": "A clear purpose, shared with the employer and the young person",
    "learning_outcomes": "Underpinned by appropriate learning outcomes",
    "two_way_interaction": "Extensive two-way interaction between the young person and employees",
    "range_of_people": "Opportunities to meet a range of different people from the workplace",
    "employer_task": "A task set by the employer, or a piece of work relevant to the workplace",
    "employer_feedback": "The employer gives the young person feedback on their work",
    "reflection": "Time afterwards for the young person to reflect",
}

# The 2024 definition of a meaningful encounter with employers (GB5, domain.md §1.3): four of the keys above,
# so an employer's feedback on a placement (MEANINGFUL_CRITERIA keys) reads against either checklist.
GB5_CRITERIA: dict[str, str] = {
    "purpose_shared": "A clear purpose, shared with the employer and the young person",
    "learning_outcomes": "Underpinned by learning outcomes appropriate to the young person's needs",
    "two_way_interaction": "Two-way interaction between the young person and the employer",
    "reflection": "Time afterwards for the young person to reflect",
}
GB6_CRITERIA: dict[str, str] = MEANINGFUL_CRITERIA
CRITERIA_BY_BENCHMARK: dict[str, dict[str, str]] = {"GB5": GB5_CRITERIA, "GB6": GB6_CRITERIA}

# The seven as a careers leader ticks them for a group: which ones an encounter needs, and which only an
# experience of a workplace, is in the label.
EVIDENCE_CRITERIA: dict[str, str] = {
    "purpose_shared": "A clear purpose, shared with the employer and the students",
    "learning_outcomes": "Underpinned by learning outcomes for the students",
    "two_way_interaction": "Two-way interaction with the employer (extensive, for an experience of a workplace)",
    "range_of_people": "Met a range of different people from the workplace (experiences only)",
    "employer_task": "A task set by the employer, or a piece of work for the workplace (experiences only)",
    "employer_feedback": "The employer gave feedback on the students' work (experiences only)",
    "reflection": "Time afterwards for the students to reflect",
}

BENCHMARKS: dict[str, str] = {
    "GB5": "Benchmark 5: encounters with employers and employees",
    "GB6": "Benchmark 6: experiences of workplaces",
}
BENCHMARK_FRAMEWORKS: dict[str, str] = {"2014": "2014 Gatsby Benchmarks", "2024": "2024 Gatsby Benchmarks"}

# What a careers record can hold: the activities above, and a student's own part-time job, which the 2024
# GB5 may count as an encounter and GB6 never counts (domain.md §1.3, §1.4). Not in §7.4's list.
EVIDENCE_ACTIVITY_TYPES: dict[str, str] = ACTIVITY_TYPES | {"part_time_job": "Own part-time job"}
EVIDENCE_BENCHMARK: dict[str, str] = ACTIVITY_BENCHMARK | {"part_time_job": "GB5"}
EVIDENCE_SOURCES: dict[str, str] = {"school": "Recorded by the school", "placement": "A completed placement"}

# Employers' liability compulsory insurance, or the legal basis for not needing it (domain.md §4.2).
INSURANCE_BASES: dict[str, str] = {
    "insured": "We hold employers' liability insurance",
    "sole_trader": "Exempt: a sole trader with no employees",
    "family_business": "Exempt: an unincorporated family business whose employees are all close relatives",
}

# Travel radius choices offered to students, in kilometres.
TRAVEL_RADII_KM: tuple[int, ...] = (2, 5, 10, 15, 25, 40)
