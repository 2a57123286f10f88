"""Careers leaders import students from their MIS: upload → preview → commit, all or nothing,
scoped to their own school. Files are generated here; no real personal data."""

from __future__ import annotations

import csv
import io
import os
import time

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from placements import accounts, onboarding
from placements.extensions import db
from placements.models import AccountToken, Application, OutboxMessage, School, StudentProfile, User
from tests.application_helpers import make_application, student_ids
from tests.conftest import TEST_PASSWORD, give_password, link_from_outbox
from tests.discover_helpers import add_placement

HEADER = [
    "UPN",
    "Legal first name",
    "Legal last name",
    "Preferred first name",
    "Preferred last name",
    "Year group",
    "Form",
    "SEN provision",
    "Disadvantaged",
    "Email",
]
SCHOOL_STUDENTS = 50  # demo students at the careers leader's school


def upn(n: int) -> str:
    return f"H{n:012d}"


def student(n: int, **changes) -> dict[str, str]:
    row = {
        "UPN": upn(n),
        "Legal first name": f"Legalfirst{n}",
        "Legal last name": f"Surname{n}",
        "Preferred first name": f"Pref{n}",
        "Preferred last name": "",
        "Year group": str(7 + n % 7),
        "Form": f"{7 + n % 7}X",
        "SEN provision": "NKE"[n % 3],
        "Disadvantaged": "YN"[n % 2],
        "Email": f"pupil{n}@school.example",
    }
    return row | changes


def csv_bytes(rows: list[dict], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def upload(client, data: bytes, filename: str = "students.csv"):
    # Encoded in memory: the test client's own encoder spools big bodies to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename)})
    return client.post("/school/students/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def commit(client, leavers: str = "keep"):
    preview = client.get("/school/students/import/preview")
    upload_id = preview.text.split('name="upload_id" type="hidden" value="')[1].split('"')[0]
    return client.post("/school/students/import/commit", data={"upload_id": upload_id, "leavers": leavers})


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(StudentProfile)),
            db.session.scalar(select(func.count()).select_from(OutboxMessage)),
        )


def profile_by_upn(upn_: str) -> StudentProfile | None:
    return db.session.scalar(select(StudentProfile).where(StudentProfile.upn == upn_))


# ------------------------------------------------------------------ pure parsing (no app)


def test_headers_are_found_by_name_whatever_their_case_spacing_and_order():
    header = ["  email ", "year_GROUP", "Form", "upn", "legal_first-name", "LEGAL LAST NAME", "Preferred  First Name"]
    header += ["sen provision", "disadvantaged"]
    data = csv_bytes(
        [
            {
                h: v
                for h, v in zip(header, ["", "Y10", "10A", "h000000000001", "Ann", "Lee", "", "", "true"], strict=True)
            }
        ],
        header,
    )
    (row,) = onboarding.read_students(data, "Export.CSV")
    assert (row.upn, row.first_name, row.last_name, row.year_group) == ("H000000000001", "Ann", "Lee", 10)
    assert (row.sen_provision, row.disadvantaged, row.email, row.problems) == ("N", True, None, [])


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("A123456789012", True),
        ("A12345678901B", True),
        ("a123456789012", True),
        ("A12345678901", False),
        ("1234567890123", False),
        ("A1234567890B2", False),
        ("=A12345678901", False),
    ],
)
def test_upn_rules(value, ok):
    (row,) = onboarding.read_students(csv_bytes([student(1, UPN=value)]), "s.csv")
    assert (row.problems == []) is ok


def test_utf8_with_and_without_bom_and_cp1252_are_all_read():
    rows = [student(1, **{"Legal first name": "Zoë", "Legal last name": "Ó Briain"})]
    for data in (csv_bytes(rows), b"\xef\xbb\xbf" + csv_bytes(rows), csv_bytes(rows, encoding="cp1252")):
        (row,) = onboarding.read_students(data, "s.csv")
        assert (row.legal_first_name, row.legal_last_name) == ("Zoë", "Ó Briain")


def test_a_hand_added_student_is_matched_by_email_and_gets_the_upn():
    rows = onboarding.read_students(csv_bytes([student(1)]), "s.csv")
    hand_added = onboarding.ExistingStudent(7, None, "pupil1@school.example", False, {}, "Pref1 Surname1")
    plan = onboarding.plan_students(rows, [hand_added], {"pupil1@school.example": 7})
    assert (rows[0].action, rows[0].user_id, rows[0].problems) == ("update", 7, [])
    assert rows[0].changes[0] == "UPN added (matched by email)" and plan.absent == []


# ------------------------------------------------------------------ the web journey


def test_import_creates_students_invites_those_with_an_email_and_shows_preferred_names(client, auth, app, uploads):
    auth.login("careers_leader")
    rows = [student(1), student(2, **{"Preferred last name": "Prefsurname"}), student(3, Email="")]
    response = upload(client, csv_bytes(rows))
    assert response.status_code == 302 and response.headers["Location"].endswith("/school/students/import/preview")
    preview = client.get("/school/students/import/preview")
    assert "3 new students" in preview.text and "0 updated" in preview.text
    assert f"{SCHOOL_STUDENTS} of your school's current students are not in the file" in preview.text
    before = counts(app)
    done = commit(client)
    assert done.status_code == 302
    assert counts(app) == (before[0] + 3, before[1] + 3, before[2] + 2)
    assert list(uploads.iterdir()) == []  # the upload is deleted after the commit
    home = client.get("/school/?q=pref").text
    assert "Surname1, Pref1" in home and "Prefsurname, Pref2" in home and "No email yet" in home
    with app.app_context():
        one = profile_by_upn(upn(1))
        assert (one.legal_first_name, one.user.first_name, one.user.school.urn) == ("Legalfirst1", "Pref1", "999001")
        assert (one.year_group, one.form, one.sen_provision, one.disadvantaged) == (8, "8X", "K", False)
        three = profile_by_upn(upn(3))
        assert three.user.email is None and three.user.password_hash is None
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "pupil2@school.example"))
        assert "/password/" in mail.body and "Hello Pref2" in mail.body


def test_every_invited_student_gets_their_own_working_one_time_link(client, auth, app, uploads):
    auth.login("careers_leader")
    rows = [student(n) for n in range(1, 8)] + [student(8, Email="")]
    upload(client, csv_bytes(rows))
    assert commit(client).status_code == 302
    with app.app_context():
        invited = db.session.execute(
            select(User.id, User.email, User.first_name).where(User.email.like("pupil%@school.example"))
        ).all()
        tokens = db.session.execute(
            select(AccountToken.user_id, AccountToken.purpose, AccountToken.used_at, AccountToken.expires_at).where(
                AccountToken.user_id.in_([user.id for user in invited])
            )
        ).all()
        mails = {
            m.recipient: m
            for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient.like("pupil%")))
        }
    assert sorted(email for _, email, _ in invited) == sorted(f"pupil{n}@school.example" for n in range(1, 8))
    assert sorted(user_id for user_id, *_ in tokens) == sorted(user.id for user in invited)  # one each
    assert {(purpose, used_at) for _, purpose, used_at, _ in tokens} == {(accounts.SET_PASSWORD, None)}
    assert len({expires_at for *_, expires_at in tokens}) == 1
    assert set(mails) == {email for _, email, _ in invited}
    links = {email: link_from_outbox(mails[email].body) for _, email, _ in invited}
    assert len(set(links.values())) == len(links)
    for _, email, first_name in invited:
        assert mails[email].subject == "Set up your Placements account"
        assert f"Hello {first_name}," in mails[email].body
    client.post("/logout")
    page = client.get(links["pupil5@school.example"])
    assert page.status_code == 200 and "Choose a password" in page.text
    assert client.get("/password/" + "x" * 43).status_code == 404


def test_a_constraint_hit_while_committing_leaves_nothing_behind(client, auth, app, uploads, monkeypatch):
    """All or nothing: here the set-password tokens clash, after the users and profiles were written."""
    auth.login("careers_leader")
    upload(client, csv_bytes([student(1), student(2), student(3, Email="")]))
    with app.app_context():
        tokens_before = db.session.scalar(select(func.count()).select_from(AccountToken))
    before = counts(app)
    monkeypatch.setattr(accounts, "_hash", lambda token: "0" * 64)
    failed = commit(client)
    assert failed.status_code == 302 and failed.headers["Location"].endswith("/school/students/import/preview")
    assert "Nothing was saved" in client.get("/school/students/import/preview").text
    assert counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AccountToken)) == tokens_before
        assert profile_by_upn(upn(1)) is None
    monkeypatch.undo()
    assert commit(client).status_code == 302  # the upload is still there: the same file goes in
    assert counts(app) == (before[0] + 3, before[1] + 3, before[2] + 2)


def test_preview_lists_every_problem_and_nothing_can_be_committed(client, auth, app, uploads):
    auth.login("careers_leader")
    rows = [
        student(1, UPN="A12345"),
        student(2),
        student(3, UPN=upn(2)),
        student(4, **{"Year group": "R"}),
        student(5, **{"Legal first name": ""}),
        student(6, **{"SEN provision": "X"}),
        student(7, Email="not-an-email"),
        student(8, Email="student60@placements.example"),  # a student at another school
        student(9, Disadvantaged="maybe"),
    ]
    before = counts(app)
    assert upload(client, csv_bytes(rows)).status_code == 302
    preview = client.get("/school/students/import/preview").text
    for message in (
        "9 rows need fixing",
        "The UPN “A12345” is not valid: a UPN is 13 characters, a letter then 12 digits "
        "(a temporary UPN ends in a letter).",
        f"The UPN {upn(2)} is also on row 4: each student needs their own.",
        f"The UPN {upn(2)} is also on row 3: each student needs their own.",
        "The year group “R” is not one of Year 7 to Year 13.",
        "The legal first name is missing.",
        "The SEN provision “X” is not E, K or N.",
        "The email “not-an-email” is not an email address like name@example.org.",
        "The email student60@placements.example is already used by another Placements account.",
        "The disadvantaged flag “maybe” is not Y or N.",
    ):
        assert message in preview, message
    assert "/school/students/import/commit" not in preview
    upload_id = next(uploads.iterdir()).stem  # the page has no commit form: post one anyway
    forced = client.post("/school/students/import/commit", data={"upload_id": upload_id, "leavers": "keep"})
    assert forced.status_code == 422 and "9 rows need fixing" in forced.text
    assert counts(app) == before


def test_file_problems_are_named_and_nothing_is_written(client, auth, app, uploads):
    auth.login("careers_leader")
    before = counts(app)
    no_year = [h for h in HEADER if h not in ("Year group", "SEN provision")]
    cases = [
        (b"", "students.csv", "The file is empty."),
        (b"  \r\n", "students.csv", "The file is empty."),
        (
            csv_bytes([student(1)]),
            "students.xlsx",
            "Choose a CSV file: its name ends in .csv. Export one from your MIS.",
        ),
        (
            b"PK\x03\x04" + os.urandom(200),
            "students.csv",
            "This is a spreadsheet workbook, not a CSV file. Save it as CSV (UTF-8) and upload that.",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(100),
            "photo.csv",
            "This file is not text. Choose the CSV file exported from your MIS, saved as CSV UTF-8.",
        ),
        (
            csv_bytes([student(1)], encoding="utf-16"),
            "students.csv",
            "This file is not text. Choose the CSV file exported from your MIS, saved as CSV UTF-8.",
        ),
        (
            csv_bytes([student(1)]) + b"\x81\x8d\x90",
            "students.csv",
            "We could not read the characters in this file. Save it as CSV UTF-8 and upload it again.",
        ),
        (
            csv_bytes([student(1)], header=no_year),
            "students.csv",
            "The file has no column named Year group, SEN provision. The first row must name the columns: "
            "UPN, Legal first name, Legal last name, Preferred first name, Preferred last name, Year group, Form, "
            "SEN provision, Disadvantaged, Email (Preferred last name and Email are optional).",
        ),
        (csv_bytes([]), "students.csv", "The file has a header row but no students."),
        (
            csv_bytes([student(n) for n in range(20_000)]),
            "students.csv",
            "The file has more than 5,000 students. "
            "Upload one school&#39;s students at a time, from your MIS&#39;s export.",
        ),
    ]
    for data, filename, message in cases:
        response = upload(client, data, filename)
        assert response.status_code == 422, message
        assert message in response.text, message
    no_file = client.post("/school/students/import", data={}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "Choose the CSV file exported from your MIS." in no_file.text
    assert counts(app) == before
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_a_file_over_10_mb_gets_the_413_page_and_one_just_under_is_handled(client, auth, app, uploads):
    auth.login("careers_leader")
    line = ",".join(student(1).values()).encode() + b"\r\n"
    body = csv_bytes([])
    just_under = body + line * ((10 * 1024 * 1024 - 2048 - len(body)) // len(line))
    response = upload(client, just_under)
    assert response.status_code == 422 and "The file has more than 5,000 students." in response.text
    over = upload(client, just_under + line * 200)
    assert over.status_code == 413 and "That upload is too large" in over.text


def test_formula_cells_are_stored_as_given_shown_escaped_and_neutralised_on_export(client, auth, app, uploads):
    auth.login("careers_leader")
    nasty = {
        "Legal first name": '=HYPERLINK("http://evil.example","x")',
        "Preferred first name": "<script>alert(1)</script>",
        "Legal last name": "@SUM(A1)",
        "Form": "+44",
    }
    assert upload(client, csv_bytes([student(1, **nasty)])).status_code == 302
    preview = client.get("/school/students/import/preview").text
    assert "<script>alert(1)</script>" not in preview and "&lt;script&gt;alert(1)&lt;/script&gt;" in preview
    assert commit(client).status_code == 302
    with app.app_context():
        profile = profile_by_upn(upn(1))
        assert (profile.legal_first_name, profile.legal_last_name, profile.form) == (
            '=HYPERLINK("http://evil.example","x")',
            "@SUM(A1)",
            "+44",
        )
    export = client.get("/school/students.csv")
    assert export.headers["Content-Disposition"] == 'attachment; filename="students.csv"'
    (row,) = [r for r in csv.reader(io.StringIO(export.text)) if r[0] == upn(1)]
    assert row[1:4] == ['\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1)", "<script>alert(1)</script>"]
    assert row[6] == "'+44"


def test_reimport_updates_by_upn_and_can_mark_absent_students_as_leavers(client, auth, app, uploads):
    auth.login("careers_leader")
    upload(client, csv_bytes([student(1), student(2), student(3)]))
    assert commit(client).status_code == 302
    with app.app_context():
        leaver = profile_by_upn(upn(3)).user
        leaver.password_hash = give_password.__globals__["test_password_hash"]()
        db.session.commit()
    before = counts(app)
    upload(client, csv_bytes([student(1, **{"Year group": "11"}), student(2)]))
    preview = client.get("/school/students/import/preview").text
    assert "0 new students" in preview and "1 updated" in preview and "1 unchanged" in preview
    assert "Update: year group" in preview and "Pref3 Surname3 (H000000000003)" in preview
    assert commit(client, leavers="leave").status_code == 302
    assert counts(app)[:2] == before[:2]  # updated in place, nothing duplicated
    with app.app_context():
        assert profile_by_upn(upn(1)).year_group == 11
        gone = profile_by_upn(upn(3))
        assert gone.is_leaver and gone.user.active is False
        demo = db.session.scalar(select(User).where(User.email == "student1@placements.example"))
        assert demo.student_profile.is_leaver  # the demo students were not in the file either
    client.post("/logout")
    refused = client.post("/login", data={"email": "pupil3@school.example", "password": TEST_PASSWORD})
    assert refused.status_code == 422
    # back in a later file: no longer a leaver
    auth.login("careers_leader")
    upload(client, csv_bytes([student(1, **{"Year group": "11"}), student(2), student(3)]))
    assert "Update: returns (no longer a leaver)" in client.get("/school/students/import/preview").text
    commit(client)
    with app.app_context():
        back = profile_by_upn(upn(3))
        assert not back.is_leaver and back.user.active


def test_another_schools_upn_is_never_touched(client, auth, app, uploads):
    with app.app_context():
        other = db.session.scalar(select(School).where(School.urn == "999002"))
        theirs = db.session.scalar(
            select(StudentProfile).join(StudentProfile.user).where(User.school_id == other.id).limit(1)
        )
        theirs.upn, their_year, their_id = upn(1), theirs.year_group, theirs.user_id
        db.session.commit()
    auth.login("careers_leader")  # school 999001
    upload(client, csv_bytes([student(1, **{"Year group": "13"}, Email="")]))
    preview = client.get("/school/students/import/preview").text
    assert "1 new student" in preview and "Pref" not in preview.split("not in the file")[1].split("<table")[0]
    assert commit(client).status_code == 302
    with app.app_context():
        profiles = db.session.scalars(select(StudentProfile).where(StudentProfile.upn == upn(1))).all()
        assert len(profiles) == 2
        untouched = db.session.get(User, their_id)
        assert (untouched.student_profile.year_group, untouched.active) == (their_year, True)
        mine = next(p for p in profiles if p.user_id != their_id)
        assert mine.user.school.urn == "999001" and mine.year_group == 13
    # and school 2's careers leader sees only their own student, unchanged
    client.post("/logout")
    give_password(app, "careers2@placements.example")
    auth.login("careers2@placements.example")
    assert "Pref1" not in client.get("/school/?q=pref1").text


def test_commit_checks_again_and_trusts_nothing_posted(client, auth, app, uploads):
    auth.login("careers_leader")
    before = counts(app)
    no_upload = client.post("/school/students/import/commit", data={"upload_id": "0" * 32, "leavers": "keep"})
    assert no_upload.status_code == 302 and no_upload.headers["Location"].endswith("/school/students/import")
    upload(client, csv_bytes([student(1), student(2)]))
    preview = client.get("/school/students/import/preview").text
    upload_id = preview.split('name="upload_id" type="hidden" value="')[1].split('"')[0]
    wrong = client.post("/school/students/import/commit", data={"upload_id": "f" * 32, "leavers": "keep"})
    assert wrong.status_code == 302
    with app.app_context():  # someone takes one of the file's emails between preview and commit
        school = db.session.scalar(select(School).where(School.urn == "999002"))
        db.session.add(
            User(
                email="pupil2@school.example", first_name="A", last_name="B", role="careers_leader", school_id=school.id
            )
        )
        db.session.commit()
    again = client.post("/school/students/import/commit", data={"upload_id": upload_id, "leavers": "keep"})
    assert again.status_code == 422
    assert "The email pupil2@school.example is already used by another Placements account." in again.text
    assert counts(app)[0] == before[0] + 1 and counts(app)[1] == before[1]


def test_old_uploads_expire_and_are_swept(client, auth, app, uploads):
    auth.login("careers_leader")
    upload(client, csv_bytes([student(1)]))
    (stale,) = uploads.iterdir()
    hour_ago = time.time() - 3601
    os.utime(stale, (hour_ago, hour_ago))
    expired = client.get("/school/students/import/preview")
    assert expired.status_code == 302
    upload(client, csv_bytes([student(2)]))
    assert not stale.exists() and len(list(uploads.iterdir())) == 1


@pytest.mark.parametrize("role", ["student", "employer", "admin"])
def test_only_careers_leaders_can_import(client, auth, role, uploads):
    auth.login(role)
    for path in ("/school/students/import", "/school/students/import/preview", "/school/students.csv"):
        assert client.get(path).status_code == 403
    assert upload(client, csv_bytes([student(1)])).status_code == 403


def test_leavers_open_applications_are_cancelled_and_their_places_offered_on(client, auth, app, uploads):
    placement_id = add_placement(app, "One place", years=(7, 8, 9, 10, 11, 12, 13), capacity=1)
    (other_school_student,) = student_ids(app, school_urn="999002")
    waiting = make_application(app, other_school_student, placement_id, "waitlisted")
    (leaving_student,) = student_ids(app)  # a demo student, absent from the file below
    holding = make_application(app, leaving_student, placement_id, "confirmed")
    auth.login("careers_leader")
    upload(client, csv_bytes([student(1)]))
    response = commit(client, leavers="leave")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Application, holding).status == "cancelled"
        assert db.session.get(Application, holding).cancel_reason == "The student has left the school."
        assert db.session.get(Application, waiting).status == "offered"
        still_open = db.session.scalar(
            select(func.count())
            .select_from(Application)
            .join(StudentProfile)
            .where(StudentProfile.left_at.is_not(None), Application.status.in_(["submitted", "with_employer"]))
        )
        assert still_open == 0
    assert "open applications of leavers were cancelled" in client.get("/school/").text
