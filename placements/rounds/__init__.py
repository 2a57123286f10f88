"""Allocation rounds: a careers leader shares limited places fairly across one year group (issue 8).

The leader opens a round (a year group, some open placements, a closing date); each student ranks up
to N of its placements until it closes; the leader previews the allocation (allocation.py's stable
matching under the published priority rule, with the lottery seed recorded and shown), moves
individual students by hand with a written reason, and commits: every offer is made through the
applications workflow (applications.allocate_offer), which still guards each place. Students then
read their own result. Views are thin: cohort.py builds the inputs and the snapshot, allocation.py
decides, applications.py writes the offers.

This package: the two blueprints are here; operations.py loads and writes; staff.py (opening,
following and cancelling a round) and allocating.py (preview, changes by hand, commit) are the
careers leader's views on `bp`; student.py is the students' views on `student_bp`.
"""

from __future__ import annotations

from flask import Blueprint

from ..access import roles
from ..models import ROUND_STATUSES

bp = Blueprint("rounds", __name__, url_prefix="/school/rounds")
student_bp = Blueprint("student_rounds", __name__, url_prefix="/student/rounds")
careers_leader_only = roles("careers_leader")
student_only = roles("student")


@bp.context_processor
@student_bp.context_processor
def _statuses() -> dict:
    return {"round_statuses": ROUND_STATUSES}


# The view modules add their routes to the blueprints above, so they are imported after them.
from . import allocating, staff, student  # noqa: E402, F401
from .operations import (  # noqa: E402
    MAX_LISTED,
    Outcome,
    choices_of,
    closed_reason,
    commit_round,
    get_round,
    get_round_for_student,
    names_of,
    open_placements_for,
    round_placements,
    round_students,
    run_preview,
    stale_students,
)
from .student import allocation_rounds_for  # noqa: E402

__all__ = [
    "MAX_LISTED",
    "Outcome",
    "allocation_rounds_for",
    "bp",
    "careers_leader_only",
    "choices_of",
    "closed_reason",
    "commit_round",
    "get_round",
    "get_round_for_student",
    "names_of",
    "open_placements_for",
    "round_placements",
    "round_students",
    "run_preview",
    "stale_students",
    "student_bp",
    "student_only",
]
