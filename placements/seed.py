"""Demo data shared by `flask seed-demo` and the tests: 3 schools, 8 employers, 150 students.

Every name and URN is invented; the postcodes are real (OS Code-Point Open), so distances are too.
Demo accounts get no password here: `set_demo_passwords` gives one account per role a fresh random
password each time, so no fixed default credentials ever exist (ASVS 6.3.2).
"""

from __future__ import annotations

import random
import secrets
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import evidence, geo, vocab, workflow
from .models import (
    Application,
    ApplicationEvent,
    Organisation,
    ParentalConsent,
    Placement,
    School,
    StudentInterest,
    StudentNeed,
    StudentProfile,
    User,
    utcnow,
)

SCHOOLS = [  # (urn, name, postcode, nearby postcode districts for students' homes)
    ("999001", "Camberwell Park Academy", "SE5 8UH", ("SE5", "SE15", "SE11")),
    ("999002", "Fallowfield High School", "M14 5RB", ("M14", "M20", "M13")),
    ("999003", "Headingley Community College", "LS6 1AA", ("LS6", "LS7", "LS2")),
]
EMPLOYERS = [  # (name, size band, route, postcode, status)
    ("Southwark Digital Studio", "small", "digital", "SE1 7PB", "approved"),
    ("Kennington Care Partnership", "large", "care", "SE11 5QY", "approved"),
    ("Bankside Builders", "medium", "construction", "SE1 9SG", "approved"),
    ("Greenwich Riverside Kitchen", "micro", "catering", "SE10 0ER", "pending"),
    ("Quayside Media", "medium", "creative", "M50 2EQ", "approved"),
    ("Ardwick Engineering Works", "medium", "engineering", "M13 9PL", "approved"),
    ("Park Square Legal and Finance", "small", "legal_finance", "LS1 4DY", "approved"),
    ("Aire Valley Logistics", "large", "transport", "LS11 5DR", "approved"),
]
# Districts the demo needs in the postcode table; tests load just these from the real data.
OUTCODES = sorted(
    {pc.split()[0] for _, _, pc, _ in SCHOOLS}
    | {d for *_, districts in SCHOOLS for d in districts}
    | {pc.split()[0] for _, _, _, pc, _ in EMPLOYERS}
)
FIRST_NAMES = [
    "Aisha",
    "Amir",
    "Ava",
    "Ben",
    "Chloe",
    "Daniel",
    "Deji",
    "Ella",
    "Evie",
    "Fatima",
    "Finn",
    "Grace",
    "Hamza",
    "Harry",
    "Isla",
    "Jack",
    "Jade",
    "Kai",
    "Layla",
    "Leo",
    "Lily",
    "Mason",
    "Maya",
    "Mohammed",
    "Nia",
    "Noah",
    "Olivia",
    "Oscar",
    "Priya",
    "Reuben",
    "Ruby",
    "Sam",
    "Sofia",
    "Tom",
    "Yusuf",
    "Zara",
]
LAST_NAMES = [
    "Adeyemi",
    "Ahmed",
    "Begum",
    "Brown",
    "Campbell",
    "Chen",
    "Clarke",
    "Davies",
    "Evans",
    "Green",
    "Hall",
    "Hussain",
    "Jones",
    "Kaur",
    "Khan",
    "Lewis",
    "Martin",
    "Mensah",
    "Nowak",
    "Patel",
    "Roberts",
    "Robinson",
    "Shah",
    "Smith",
    "Taylor",
    "Thomas",
    "Walker",
    "Williams",
    "Wilson",
    "Wright",
]
STUDENTS_PER_SCHOOL = 50
DEMO_ADMIN_EMAIL = "admin@placements.example"


def demo(session: Session) -> bool:
    """Add the demo data unless it is there already. Returns True when it added anything.

    Raises geo.PostcodeError when the postcode table lacks the demo postcodes.
    """
    if session.scalar(select(School.id).where(School.urn == SCHOOLS[0][0])) is not None:
        return False
    rng = random.Random(2026)
    today = date.today()  # placement dates are relative to today, so they stay in the future
    session.add(User(email=DEMO_ADMIN_EMAIL, first_name="Pat", last_name="Admin", role="admin"))
    for index, (name, size, route, postcode, status) in enumerate(EMPLOYERS, start=1):
        where = geo.lookup(postcode)
        organisation = Organisation(
            name=name,
            size_band=size,
            route=route,
            postcode=where.postcode,
            lat=where.lat,
            lon=where.lon,
            status=status,
            status_changed_at=utcnow() if status == "approved" else None,
        )
        session.add(organisation)
        first, last = FIRST_NAMES[index], LAST_NAMES[-index]
        if status == "approved":
            _safeguarding(organisation, index, f"{first} {last}")
            _placements(organisation, index, where, today)
        session.add(
            User(
                email=f"employer{index}@placements.example",
                first_name=first,
                last_name=last,
                role="employer",
                organisation=organisation,
            )
        )
    number = 0
    for index, (urn, name, postcode, districts) in enumerate(SCHOOLS, start=1):
        where = geo.lookup(postcode)
        school = School(urn=urn, name=name, postcode=where.postcode, lat=where.lat, lon=where.lon)
        session.add(school)
        session.add(
            User(
                email=f"careers{index}@placements.example",
                first_name=FIRST_NAMES[-index],
                last_name=LAST_NAMES[index],
                role="careers_leader",
                school=school,
            )
        )
        for n in range(STUDENTS_PER_SCHOOL):
            number += 1
            session.add(_student(rng, school, number, year_group=7 + n % 7, districts=districts))
    session.flush()
    _applications(session)
    _evidence(session, today)
    session.commit()
    return True


# Careers activities the first school has recorded, so its careers record and dashboard have something to
# show: (year group, activity type, delivery mode, hours, days ago, criteria met, students left out as absent).
DEMO_EVIDENCE = [
    (10, "employer_talk", "in_person", 1.0, 21, tuple(vocab.GB5_CRITERIA), 2),
    (9, "workplace_visit", "in_person", 5.0, 14, tuple(vocab.GB6_CRITERIA), 1),
    (11, "virtual_work_experience", "virtual", 6.0, 7, ("purpose_shared", "two_way_interaction", "employer_task"), 0),
]


def _evidence(session: Session, today: date) -> None:
    """Group records written through evidence.py, as a careers leader records them."""
    school = session.scalar(select(School).where(School.urn == SCHOOLS[0][0]))
    leader = session.scalar(select(User).where(User.school_id == school.id, User.role == "careers_leader"))
    employer = session.scalar(select(Organisation).where(Organisation.name == EMPLOYERS[0][0]))
    for year, kind, mode, hours, days_ago, criteria, absent in DEMO_EVIDENCE:
        when = today - timedelta(days=days_ago)
        group = evidence.current_students(school.id, year_group=year)[absent:]
        if not group:
            continue
        activity = evidence.Activity(
            kind, when, hours, mode, employer.name, employer.size_band, employer.route, frozenset(criteria)
        )
        evidence.record_for_group(group, activity, leader)


# The first school's first students have applied, so every dashboard has something in each state.
# student1 (the demo student) has an application with employer1 (the demo employer).
DEMO_APPLICATION_STATUSES = [
    "with_employer",
    "submitted",
    "submitted",
    "awaiting_consent",
    "returned",
    "with_employer",
    "offered",
    "accepted",
    "confirmed",
    "waitlisted",
    "submitted",
    "declined_by_school",
]


def _applications(session: Session) -> None:
    """Demo applications, written directly (no notifications): each with its history and, once it holds
    a place, that place counted on the placement."""
    school = session.scalar(select(School).where(School.urn == SCHOOLS[0][0]))
    placements = session.scalars(
        select(Placement)
        .join(Organisation)
        .where(Placement.status == "published", Organisation.status == "approved")
        .order_by(Placement.organisation_id, Placement.id)
    ).all()
    profiles = session.scalars(
        select(StudentProfile).where(StudentProfile.school_id == school.id).order_by(StudentProfile.user_id)
    ).all()
    leader = session.scalar(select(User).where(User.school_id == school.id, User.role == "careers_leader"))
    for profile, status in zip(profiles, DEMO_APPLICATION_STATUSES, strict=False):
        # Never the last place: the demo placements stay open for the demo student to apply to.
        placement = next((p for p in placements if profile.year_group in p.year_groups and p.places_left > 1), None)
        if placement is None:
            continue
        application = Application(
            student=profile,
            placement=placement,
            status=status,
            answer="I want to see what a working day is really like.",
            waitlisted_at=utcnow() if status == "waitlisted" else None,
            school_comment="Please say a little more about why."
            if status in {"returned", "declined_by_school"}
            else None,
        )
        application.events.append(ApplicationEvent(actor_id=profile.user_id, action="submit", to_status="submitted"))
        if status != "submitted":
            application.events.append(
                ApplicationEvent(action="demo", from_status="submitted", to_status=status, actor_id=leader.id)
            )
        past_consent = status in workflow.VISIBLE_TO_EMPLOYER
        if past_consent and workflow.needs_parental_consent(placement.delivery_mode):
            application.consents.append(
                ParentalConsent(
                    given_by="A parent",
                    relationship_to_student="Parent",
                    given_on=date.today(),
                    method="signed_form",
                    risk_findings_shared=True,
                    recorded_by_id=leader.id,
                )
            )
        if status in workflow.HOLDS_PLACE:
            placement.places_filled += 1
        session.add(application)


INSURERS = ["Thameside Mutual", "Northern Shield Insurance", "Pennine Commercial"]

# (title, activity type, delivery mode, years, adjustments, days from today to start, days long,
#  start hour, end hour, places). Each approved employer gets the first three from its offset; the
# draft is the fourth.
DEMO_PLACEMENTS = [
    (
        "A week in the {sector} team",
        "work_experience_placement",
        "in_person",
        {10, 11},
        {"step_free_access", "accessible_toilet", "flexible_or_reduced_hours"},
        60,
        5,
        9,
        16,
        3,
    ),
    (
        "Behind the scenes: a workplace visit",
        "workplace_visit",
        "in_person",
        {7, 8, 9},
        {"step_free_access"},
        35,
        1,
        10,
        14,
        20,
    ),
    ("Meet the team online", "employer_talk", "virtual", {7, 8, 9, 10, 11}, {"bsl_available"}, 21, 1, 13, 15, 60),
    (
        "Shadow a {sector} professional",
        "work_shadowing",
        "hybrid",
        {9, 10, 11, 12},
        {"quiet_space", "pre_visit_offered"},
        45,
        2,
        9,
        15,
        4,
    ),
    (
        "Sixth-form work experience",
        "work_experience_placement",
        "in_person",
        {12, 13},
        {"step_free_access", "staff_escort_permitted"},
        80,
        5,
        9,
        17,
        2,
    ),
    (
        "Virtual work experience: a real brief",
        "virtual_work_experience",
        "virtual",
        {8, 9, 10},
        {"assistive_tech_ok"},
        28,
        3,
        10,
        13,
        25,
    ),
]
CRITERIA = [
    "purpose_shared",
    "learning_outcomes",
    "two_way_interaction",
    "range_of_people",
    "employer_task",
    "employer_feedback",
    "reflection",
]


def _safeguarding(organisation: Organisation, index: int, contact: str) -> None:
    today = date.today()
    if organisation.size_band == "self_employed":
        organisation.insurance_basis = "sole_trader"
    else:
        organisation.insurance_basis = "insured"
        organisation.insurer = INSURERS[index % len(INSURERS)]
        # One demo employer's policy runs out soon, so the dashboard warning can be seen.
        organisation.insurance_expires_on = today + timedelta(days=20 if index == 2 else 200 + 15 * index)
    organisation.risk_assessment_covers_young_people = True
    organisation.no_prohibited_tasks_for_children = True
    organisation.risk_assessment_reviewed_on = today - timedelta(days=30 + 7 * index)
    organisation.safeguarding_contact_name = contact
    organisation.safeguarding_contact_role = "Designated safeguarding lead"
    organisation.safeguarding_contact_email = f"safeguarding{index}@placements.example"
    organisation.safeguarding_contact_phone = f"020 7946 0{index:03d}"
    organisation.virtual_organisation_accounts = True
    organisation.virtual_group_sessions = True
    organisation.virtual_no_one_to_one = True
    organisation.safeguarding_updated_at = utcnow()


def _placements(organisation: Organisation, index: int, where: geo.Location, today: date) -> None:
    sector = vocab.ROUTES[organisation.route].split(",")[0].split(" and ")[0].lower()
    picks = [DEMO_PLACEMENTS[(index + k) % len(DEMO_PLACEMENTS)] for k in range(4)]
    for k, (title, kind, mode, years, adjustments, start_in, days, start, end, places) in enumerate(picks):
        start_date = today + timedelta(days=start_in + index)
        placement = Placement(
            organisation=organisation,
            title=title.format(sector=sector),
            description=(
                f"Join {organisation.name} and see what work in {sector} is really like: who does what, "
                "which skills matter and how people got their jobs."
            ),
            task=f"A short project set by our {sector} team, which you present to them at the end.",
            activity_type=kind,
            delivery_mode=mode,
            route=organisation.route,
            postcode=None if mode == "virtual" else where.postcode,
            lat=None if mode == "virtual" else where.lat,
            lon=None if mode == "virtual" else where.lon,
            start_date=start_date,
            end_date=start_date + timedelta(days=days - 1),
            start_time=time(start),
            end_time=time(end),
            capacity=places,
            places_filled=0,
            application_deadline=start_date - timedelta(days=14),
            applicant_question="What would you most like to find out while you are with us?" if k == 0 else None,
            status="draft" if k == 3 else "published",
            status_changed_at=None if k == 3 else utcnow(),
        )
        placement.year_groups = years
        placement.adjustment_features = adjustments
        placement.meaningful_criteria = CRITERIA if kind in vocab.EXPERIENCE_TYPES else CRITERIA[:3] + CRITERIA[6:]
        organisation.placements.append(placement)


def _student(rng: random.Random, school: School, number: int, *, year_group: int, districts) -> User:
    routes = list(vocab.ROUTES)
    profile = StudentProfile(
        year_group=year_group,
        form=f"{year_group}{'ABC'[number % 3]}",
        travel_radius_km=rng.choice(vocab.TRAVEL_RADII_KM[1:5]),
        home_outcode=rng.choice(districts) if rng.random() < 0.4 else None,
        sen_provision=rng.choices(["N", "K", "E"], weights=[80, 15, 5])[0],
        disadvantaged=rng.random() < 0.25,
        interests=[StudentInterest(route=r) for r in rng.sample(routes, rng.randint(1, 3))],
    )
    if rng.random() < 0.25:
        features = rng.sample(list(vocab.ACCESS_FEATURES), rng.randint(1, 2))
        profile.needs = [
            StudentNeed(feature=f, priority="must" if i == 0 and rng.random() < 0.6 else "preferred")
            for i, f in enumerate(features)
        ]
    return User(
        email=f"student{number}@placements.example",
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        role="student",
        school=school,
        student_profile=profile,
    )


def demo_accounts(session: Session) -> dict[str, User]:
    """One demo account per role: the ones the README and the run command talk about."""
    emails = {
        "admin": DEMO_ADMIN_EMAIL,
        "careers_leader": "careers1@placements.example",
        "employer": "employer1@placements.example",
        "student": "student1@placements.example",
    }
    return {role: session.scalar(select(User).where(User.email == email)) for role, email in emails.items()}


def set_demo_passwords(session: Session) -> dict[str, tuple[str, str]]:
    """Give each demo account a fresh random password; returns {role: (email, password)}."""
    logins = {}
    for role, user in demo_accounts(session).items():
        password = "demo-" + secrets.token_urlsafe(12)
        user.set_password(password)
        logins[role] = (user.email, password)
    session.commit()
    return logins
