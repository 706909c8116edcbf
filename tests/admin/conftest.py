"""Fixtures for the admin console: an admin, logged in."""

import pytest


@pytest.fixture
def logged_in_admin(make_user, auth) -> int:
    """ada, an admin, logged in through `client`; her id."""
    user_id = make_user("ada", admin=True)
    assert auth.login("ada@example.com").status_code == 302
    return user_id


@pytest.fixture
def act(forms):
    """`act("disable", "bob")`: press that button on the accounts page, as the logged-in
    user; returns the page it lands on (redirects followed)."""

    def press(action: str, username: str, page: str = "/admin/users"):
        return forms.submit(f"/admin/users/{username}/{action}", page=page, follow_redirects=True)

    return press
