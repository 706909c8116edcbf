"""Locking the owner out by guessing: wrong passwords for an account, from any number of
addresses and spellings, on the site or the API, spend one budget per account; once it is
spent, strangers are refused, but the owner's known devices (browsers that have logged in
to the account before, flaskblog.login_limits) still get in with the right password."""

import base64

import pytest

from flaskblog.extensions import db
from flaskblog.models import User
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import AuthActions, Forms

WRONG = "wrong password"
SPELLINGS = ["alice@example.com", "Alice@Example.com", " alice@example.com ", "ALICE@EXAMPLE.COM"]


@pytest.fixture
def app(build_app):
    return build_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")


def browser(app, ip: str) -> Forms:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return Forms(client)


def log_in(forms: Forms, email="alice@example.com", password=WRONG):
    return forms.submit("/login", {"email": email, "password": password})


def ask_for_token(forms: Forms, email="alice@example.com", password=WRONG):
    credentials = base64.b64encode(f"{email}:{password}".encode()).decode()
    return forms.client.post("/api/v1/tokens", headers={"Authorization": f"Basic {credentials}"})


def owners_browser(app) -> Forms:
    """Alice's own browser, which has logged in to her account before (and logged out)."""
    forms = browser(app, "203.0.113.50")
    auth = AuthActions(forms.client, forms)
    assert auth.login().status_code == 302
    auth.logout()
    return forms


def strangers_guess(app, count: int = 12, *, api: bool = False) -> list[int]:
    """`count` wrong passwords for alice, each from another address and spelling."""
    statuses = []
    for n in range(count):
        forms = browser(app, f"198.51.100.{n + 1}")
        email = SPELLINGS[n % len(SPELLINGS)]
        response = ask_for_token(forms, email) if api else log_in(forms, email)
        statuses.append(response.status_code)
    return statuses


def test_strangers_guessing_from_many_addresses_do_not_lock_the_owner_out(app, make_user):
    make_user("alice")
    owner = owners_browser(app)

    statuses = strangers_guess(app)

    assert 429 in statuses  # the strangers were stopped...
    assert log_in(owner, password=PASSWORD).status_code == 302  # ...the owner was not


def test_strangers_guessing_on_the_api_do_not_lock_the_owners_client_out(app, make_user):
    make_user("alice")
    owner = owners_browser(app)

    statuses = strangers_guess(app, api=True)

    assert statuses[:5] == [401] * 5 and 429 in statuses
    assert ask_for_token(owner, password=PASSWORD).status_code == 201


def test_failures_on_the_site_spend_the_api_budget(app, make_user):
    make_user("alice")
    assert strangers_guess(app, 5) == [200] * 5

    # A stranger who now tries the API gets no fresh budget there.
    assert ask_for_token(browser(app, "192.0.2.77")).status_code == 429


def test_failures_on_the_api_spend_the_sites_budget(app, make_user):
    make_user("alice")
    assert strangers_guess(app, 5, api=True) == [401] * 5

    assert log_in(browser(app, "192.0.2.77"), password=PASSWORD).status_code == 429


def test_a_known_device_guessing_locks_only_itself(app, make_user):
    make_user("alice")
    thief = owners_browser(app)  # say, a shared computer the owner once used
    owner = owners_browser(app)

    statuses = [log_in(thief).status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]
    assert log_in(owner, password=PASSWORD).status_code == 302


def test_only_the_accounts_current_device_cookie_gets_past_the_lockout(app, make_user):
    make_user("alice")
    make_user("bob")
    stale = owners_browser(app)
    with app.app_context():  # alice changes her password: devices from before are strangers
        alice = User.by_username("alice")
        alice.set_password(PASSWORD)
        db.session.commit()
    owner_again = browser(app, "203.0.113.51")
    assert AuthActions(owner_again.client, owner_again).login().status_code == 302
    owner_again.submit("/logout", page="/account")
    bobs = browser(app, "203.0.113.52")
    assert log_in(bobs, "bob@example.com", PASSWORD).status_code == 302
    bobs.submit("/logout", page="/account")
    forged = browser(app, "203.0.113.53")
    forged_cookie = "eyJkZXZpY2UiOiJ4In0.forged.signature"
    forged.client.set_cookie(app.config["DEVICE_COOKIE_NAME"], forged_cookie)

    strangers_guess(app)

    assert log_in(owner_again, password=PASSWORD).status_code == 302
    for other in (stale, bobs, forged):
        assert log_in(other, password=PASSWORD).status_code == 429
