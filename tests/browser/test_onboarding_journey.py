"""Issue 7 end to end: a careers leader imports students from their MIS in a real browser.

One journey through the UI only, with CSRF on: the careers leader signs in, uploads a CSV export with
two bad rows (a UPN that is not valid, a year group that does not exist), sees both problems in the
preview and no way to import, fixes the file, uploads it again, imports, and finds the new students
in the school's list. axe-core checks every page on the way. The files are written here, in the
layout tests/test_onboarding_students.py uses.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check, sign_in
from tests.test_onboarding_students import csv_bytes, student, upn

pytestmark = [pytest.mark.browser]

# preferred first name: (legal last name, with an email?, what is wrong with the row in the first file)
NEW_STUDENTS = {
    "Amara": ("Okafor", True, {}),
    "Bea": ("Lindqvist", True, {"UPN": "A12345"}),
    "Cal": ("Nowakowski", False, {}),
    "Dee": ("Fairweather", True, {"Year group": "R"}),
}
BAD_UPN = "The UPN “A12345” is not valid: a UPN is 13 characters, a letter then 12 digits"
BAD_YEAR = "The year group “R” is not one of Year 7 to Year 13."


def rows(fixed: bool) -> list[dict]:
    """The four students (spreadsheet rows 2 to 5, UPNs 701 to 704); unless fixed, two are wrong."""
    out = []
    for n, (first, (last, has_email, mistake)) in enumerate(NEW_STUDENTS.items(), start=701):
        email = f"{first.lower()}.{last.lower()}@harbour-school.example" if has_email else ""
        row = student(n, **{"Legal first name": first, "Legal last name": last, "Preferred first name": first})
        out.append(row | {"Email": email} | ({} if fixed else mistake))
    return out


def accessible(page, axe, where: str) -> None:
    problems = check(page, axe, where)
    assert not problems, "\n".join(problems)


def upload(page, path) -> None:
    page.get_by_label("Student file (CSV)").set_input_files(path)
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r"/school/students/import/preview$"))


def test_careers_leader_imports_students_fixing_the_file_after_the_preview(server, page, axe, tmp_path):
    broken, fixed = tmp_path / "export-monday.csv", tmp_path / "export-monday-fixed.csv"
    broken.write_bytes(csv_bytes(rows(fixed=False)))
    fixed.write_bytes(csv_bytes(rows(fixed=True)))
    sign_in(page, server, "careers_leader")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Students at "))
    accessible(page, axe, "students")

    # 1. Upload a file with two bad rows: both problems are shown, and nothing can be imported.
    page.get_by_role("link", name="Import students from your MIS").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import students from your MIS")
    accessible(page, axe, "import")
    upload(page, broken)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import of export-monday.csv")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("2 rows need fixing")
    expect(summary).to_contain_text("Nothing has been imported.")
    problems = page.locator("#import-problems tbody tr")
    expect(problems).to_have_count(2)
    expect(problems.filter(has_text="Bea")).to_contain_text(BAD_UPN)
    expect(problems.filter(has_text="Bea").locator("td").first).to_have_text("3")
    expect(problems.filter(has_text="Dee")).to_contain_text(BAD_YEAR)
    expect(problems.filter(has_text="Dee").locator("td").first).to_have_text("5")
    every_row = page.locator("#import-rows tbody tr")
    expect(every_row.filter(has_text="Amara")).to_contain_text("New")
    expect(every_row.filter(has_text="Bea")).to_contain_text("Needs fixing")
    expect(page.get_by_role("button", name=re.compile(r"^Import "))).to_have_count(0)
    accessible(page, axe, "preview with problems")

    # 2. Fix the file and upload it again: four new students, and the button to import them.
    page.get_by_role("link", name="Upload a different file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import students from your MIS")
    upload(page, fixed)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import of export-monday-fixed.csv")
    expect(page.get_by_role("alert")).to_have_count(0)
    counts = page.locator("#import-counts")
    expect(counts).to_contain_text("4 new students")
    expect(counts).to_contain_text("0 updated")
    expect(page.get_by_role("radio", name="Keep them as they are")).to_be_checked()
    expect(page.locator("#import-rows tbody tr").filter(has_text="New")).to_have_count(4)
    accessible(page, axe, "preview, ready")

    # 3. Import, and find the students in the school's list.
    page.get_by_role("button", name="Import 4 students").click()
    page.wait_for_url(re.compile(r"/school/$"))
    expect(page.locator(".flashes")).to_contain_text(
        "Imported: 4 new, 0 updated, 0 unchanged, 0 marked as leavers. 3 set-password emails sent; "
        "1 new students have no email yet"
    )
    accessible(page, axe, "students after the import")
    search = page.get_by_label("Search by name or email")
    for first, (last, has_email, _) in NEW_STUDENTS.items():
        search.fill(last)
        listed = page.locator("#student-results tbody tr")
        expect(listed).to_have_count(1)
        expect(listed.get_by_role("link")).to_have_text(f"{last}, {first}")
        expect(listed).to_contain_text("Invitation sent" if has_email else "No email yet")
    accessible(page, axe, "students, searched")
    page.get_by_role("link", name="Fairweather, Dee").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dee Fairweather")
    expect(page.get_by_role("main")).to_contain_text(upn(704))
    accessible(page, axe, "an imported student")
