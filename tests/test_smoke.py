import pytest

from tests.conftest import DEMO_EMAILS

HOMES = {"admin": "/admin/", "careers_leader": "/school/", "employer": "/employer/", "student": "/student/"}


@pytest.mark.parametrize("role", list(HOMES))
def test_each_role_signs_in_and_reaches_home(client, auth, role):
    response = auth.login(role)
    assert response.status_code == 302
    assert response.headers["Location"] == HOMES[role]
    page = client.get(HOMES[role])
    assert page.status_code == 200
    assert DEMO_EMAILS[role] in page.text  # the sign-out button names the account
