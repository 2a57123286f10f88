"""Helpers shared by the browse and recommendation tests: known placements and a query counter."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, time, timedelta

from sqlalchemy import delete, event, select

from placements import geo
from placements.extensions import db
from placements.models import Organisation, Placement, PlacementAdjustment, StudentProfile, User

HX = {"HX-Request": "true"}


def clear_placements(app) -> None:
    with app.app_context():
        db.session.execute(delete(PlacementAdjustment))
        db.session.execute(delete(Placement))
        db.session.commit()


def organisation_id(app, name: str = "Southwark Digital Studio") -> int:
    with app.app_context():
        return db.session.scalar(select(Organisation.id).where(Organisation.name == name))


def add_placement(
    app,
    title: str,
    *,
    organisation: str = "Southwark Digital Studio",
    mode: str = "in_person",
    route: str = "digital",
    activity: str = "workplace_visit",
    years=(10,),
    features=(),
    postcode: str = "SE1 7PB",
    start_in: int = 30,
    deadline_in: int = 10,
    capacity: int = 5,
    filled: int = 0,
    status: str = "published",
    created_days_ago: int = 0,
    description: str = "See how a real workplace runs.",
) -> int:
    with app.app_context():
        today = date.today()
        where = None if mode == "virtual" else geo.lookup(postcode)
        placement = Placement(
            organisation_id=organisation_id(app, organisation),
            title=title,
            description=description,
            task="A short project.",
            activity_type=activity,
            delivery_mode=mode,
            route=route,
            postcode=where.postcode if where else None,
            lat=where.lat if where else None,
            lon=where.lon if where else None,
            start_date=today + timedelta(days=start_in),
            end_date=today + timedelta(days=start_in),
            start_time=time(9),
            end_time=time(15),
            capacity=capacity,
            places_filled=filled,
            application_deadline=today + timedelta(days=deadline_in),
            status=status,
            cancel_reason="Called off" if status == "cancelled" else None,
        )
        placement.year_groups = years
        placement.adjustment_features = features
        db.session.add(placement)
        db.session.flush()
        placement.created_at = placement.created_at - timedelta(days=created_days_ago)
        db.session.commit()
        return placement.id


def set_profile(app, email: str = "student1@placements.example", **values) -> None:
    """Change a student's profile: year_group, travel_radius_km, home_outcode, interests, needs, ..."""
    from placements.models import StudentInterest, StudentNeed

    with app.app_context():
        profile = db.session.scalar(select(StudentProfile).join(User).where(User.email == email))
        interests = values.pop("interests", None)
        needs = values.pop("needs", None)
        if interests is not None:
            profile.interests = [StudentInterest(route=r) for r in interests]
        if needs is not None:
            profile.needs = [StudentNeed(feature=f, priority=p) for f, p in needs.items()]
        for key, value in values.items():
            setattr(profile, key, value)
        db.session.commit()


@contextmanager
def counted_queries(app):
    """The SQL statements sent while the block runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def titles(html: str) -> list[str]:
    """Placement titles in the order a results list shows them."""
    import re

    return re.findall(r'<h3 class="card-title"><a href="/placements/\d+">([^<]*)</a>', html)
