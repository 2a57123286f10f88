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

# Travel radius choices offered to students, in kilometres.
TRAVEL_RADII_KM: tuple[int, ...] = (2, 5, 10, 15, 25, 40)
