"""The organisation's safeguarding facts, and what the admin sees when approving."""

from datetime import date, timedelta

from sqlalchemy import select

from placements.extensions import db
from placements.models import Organisation

TODAY = date.today()


def details(**changes):
    data = {
        "insurance_basis": "insured",
        "insurer": "Thameside Mutual",
        "insurance_expires_on": (TODAY + timedelta(days=300)).isoformat(),
        "risk_assessment_covers_young_people": "y",
        "no_prohibited_tasks_for_children": "y",
        "risk_assessment_reviewed_on": (TODAY - timedelta(days=3)).isoformat(),
        "safeguarding_contact_name": "Kim Ode",
        "safeguarding_contact_role": "Office manager",
        "safeguarding_contact_email": "Kim@Example.org",
        "safeguarding_contact_phone": "",
        "virtual_organisation_accounts": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def studio(app) -> Organisation:
    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Southwark Digital Studio"))
        db.session.expunge(organisation)
        return organisation


def test_save_safeguarding_details(app, client, auth):
    auth.login("employer")
    assert client.get("/employer/safeguarding").status_code == 200
    response = client.post("/employer/safeguarding", data=details())
    assert response.status_code == 302 and response.headers["Location"] == "/employer/"
    saved = studio(app)
    assert saved.insurer == "Thameside Mutual"
    assert saved.insurance_expires_on == TODAY + timedelta(days=300)
    assert saved.safeguarding_contact_email == "kim@example.org"
    assert saved.safeguarding_contact_phone is None
    assert saved.virtual_organisation_accounts and not saved.virtual_group_sessions


def test_page_uses_fieldsets_and_legends(client, auth):
    auth.login("employer")
    page = client.get("/employer/safeguarding").text
    for legend in ("Insurance", "Risk assessment", "Safeguarding contact", "Virtual and hybrid sessions"):
        assert f"<legend>{legend}</legend>" in page
    assert "<legend>Employers&#39; liability insurance</legend>" in page


def check_rejected(app, client, data, message):
    before = studio(app)
    response = client.post("/employer/safeguarding", data=data)
    assert response.status_code == 200
    assert message in response.text
    assert 'value="Kim Ode"' in response.text  # nothing typed is lost
    after = studio(app)
    assert (after.insurer, after.safeguarding_contact_name) == (before.insurer, before.safeguarding_contact_name)


def test_insured_needs_insurer_and_a_current_expiry(app, client, auth):
    auth.login("employer")
    check_rejected(app, client, details(insurer=""), "Enter the name of your insurer.")
    check_rejected(app, client, details(insurance_expires_on=""), "Enter the date your policy expires.")
    check_rejected(
        app,
        client,
        details(insurance_expires_on=(TODAY - timedelta(days=1)).isoformat()),
        "That date has passed. Enter the expiry date of your current policy.",
    )


def test_insurance_basis_and_contact_are_required(app, client, auth):
    auth.login("employer")
    check_rejected(
        app,
        client,
        details(insurance_basis=None),
        "Say whether you hold employers&#39; liability insurance or are exempt.",
    )
    check_rejected(app, client, details(safeguarding_contact_role=""), "Enter their role.")


def test_risk_assessment_review_date(app, client, auth):
    auth.login("employer")
    check_rejected(
        app, client, details(risk_assessment_reviewed_on=""), "Enter the date your risk assessment was last reviewed."
    )
    check_rejected(
        app,
        client,
        details(risk_assessment_reviewed_on=(TODAY + timedelta(days=1)).isoformat()),
        "The review date cannot be in the future.",
    )


def test_exemption_clears_insurer(app, client, auth):
    auth.login("employer")
    client.post("/employer/safeguarding", data=details(insurance_basis="family_business"))
    saved = studio(app)
    assert (saved.insurance_basis, saved.insurer, saved.insurance_expires_on) == ("family_business", None, None)


def test_admin_sees_safeguarding_facts(app, client, auth):
    auth.login("admin")
    with app.app_context():
        ids = {o.name: o.id for o in db.session.scalars(select(Organisation))}
    page = client.get(f"/admin/organisations/{ids['Southwark Digital Studio']}").text
    assert "Insured by Northern Shield Insurance, policy expires" in page
    assert "Designated safeguarding lead" in page
    assert "Virtual: no private one-to-one contact" in page
    pending = client.get(f"/admin/organisations/{ids['Greenwich Riverside Kitchen']}").text
    assert "has not given its safeguarding details yet" in pending
    assert "no safeguarding details yet" in client.get("/admin/").text


def test_admin_reject_needs_a_reason(app, client, auth):
    auth.login("admin")
    with app.app_context():
        kitchen = db.session.scalar(select(Organisation.id).where(Organisation.name == "Greenwich Riverside Kitchen"))
    response = client.post(f"/admin/organisations/{kitchen}/reject", data={"reason": ""})
    assert response.status_code == 200
    assert "Give a reason so the organisation knows what to change." in response.text
    with app.app_context():
        assert db.session.get(Organisation, kitchen).status == "pending"
    response = client.post(f"/admin/organisations/{kitchen}/reject", data={"reason": "No insurance details."})
    assert response.status_code == 302
    with app.app_context():
        organisation = db.session.get(Organisation, kitchen)
        assert (organisation.status, organisation.status_reason) == ("rejected", "No insurance details.")
