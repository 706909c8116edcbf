"""Passkeys in a real Chromium, with the DevTools virtual authenticator standing in for a
laptop's built-in one: add a passkey, log out, log in with it, remove it."""

import pytest
from playwright.sync_api import expect

from flaskblog.extensions import db
from flaskblog.models import Passkey
from tests.helpers.browser import account_menu_toggle, log_in, log_out
from tests.helpers.factories import PASSWORD
from tests.helpers.live import LiveServer, PageWatch

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app, server):
    """The live server by the name `localhost`: WebAuthn takes no IP address as a relying
    party id, and http://localhost counts as a secure context, as https would."""
    app.config["SERVER_NAME"] = f"localhost:{server.port}"
    return LiveServer("localhost", server.port)


@pytest.fixture
def laptop(chromium, site):
    """A page on `site` in a browser whose device has a built-in passkey authenticator
    (resident keys, user verification that always succeeds); returns (page, devtools)."""
    watch = PageWatch(site.url)
    context = chromium.new_context(base_url=site.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(5_000)
    watch.watch(context)
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    added = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    def credentials_on_device() -> list[dict]:
        found = devtools.send(
            "WebAuthn.getCredentials", {"authenticatorId": added["authenticatorId"]}
        )
        return found["credentials"]

    yield page, credentials_on_device
    context.close()
    assert watch.problems == [], "the browser saw problems"


def test_add_a_passkey_log_out_log_in_with_it_and_remove_it(app, make_user, laptop):
    page, credentials_on_device = laptop
    make_user("alice")
    log_in(page, "alice@example.com", PASSWORD)

    page.goto("/account")
    page.get_by_role("link", name="Passkeys: log in without a password").click()
    page.get_by_label("Name for the new passkey").fill("Laptop")
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("status")).to_contain_text("Passkey “Laptop” added")
    expect(page.get_by_role("heading", name="Laptop")).to_be_visible()
    [credential] = credentials_on_device()
    assert credential["isResidentCredential"] is True  # a discoverable credential

    log_out(page)
    page.goto("/login?next=/account/passkeys")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(account_menu_toggle(page)).to_be_visible()
    assert page.url.endswith("/account/passkeys")
    expect(page.locator(".session").filter(has_text="Laptop")).not_to_contain_text("never")

    page.get_by_text("Remove Laptop").click()  # opens the confirmation
    page.get_by_role("button", name="Remove it").click()
    expect(page.get_by_role("status")).to_contain_text("Passkey “Laptop” removed")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Passkey)) == 0


def test_the_passkey_button_shows_only_where_the_browser_has_webauthn(laptop, open_browser):
    page, _ = laptop
    page.goto("/login")
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()

    without_javascript = open_browser(java_script_enabled=False)
    without_javascript.goto("/login")
    expect(without_javascript.get_by_role("button", name="Sign in with a passkey")).to_be_hidden()
    expect(without_javascript.get_by_role("button", name="Log in")).to_be_visible()
