"""The demo data and the seed-demo command."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from placements import seed
from placements.extensions import db
from placements.models import Organisation, School, StudentProfile, User


def test_demo_data_has_the_promised_shape(app):
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(School)) == 3
        assert len({s.postcode.split()[0][:1] for s in db.session.scalars(select(School))}) == 3  # S, M, L regions
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 8
        assert len(set(db.session.scalars(select(Organisation.route)))) >= 6
        profiles = list(db.session.scalars(select(StudentProfile)))
        assert len(profiles) == 150
        assert set(Counter(p.year_group for p in profiles)) == set(range(7, 14))
        assert any(p.needs for p in profiles) and any(not p.needs for p in profiles)
        assert {n.priority for p in profiles for n in p.needs} == {"must", "preferred"}
        assert all(s.lat and s.lon for s in db.session.scalars(select(School)))


def test_seed_is_idempotent(app):
    with app.app_context():
        assert seed.demo(db.session) is False
        assert db.session.scalar(select(func.count()).select_from(User)) == 1 + 8 + 3 + 150


def test_seed_demo_command_prints_a_working_login_per_role(app, runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data already present." in result.output
    lines = [line.split() for line in result.output.splitlines() if "@placements.example" in line]
    assert len(lines) == 4
    for *_, email, password in lines:
        assert client.post("/login", data={"email": email, "password": password}).status_code == 302
        client.post("/logout")


def test_seed_demo_refuses_production(app, runner):
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "not for production" in result.output
