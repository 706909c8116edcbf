"""Taking an account over through the links it is emailed: a link must not outlive the
owner's reaction. Every account link (reset, confirmation, email change) carries a digest
of the user's security stamp, which changes on a new password, a reset, a new address,
"sign out everywhere else" and disabling; deleted accounts' ids are never reused."""

import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from flaskblog.extensions import db, mail
from flaskblog.models import EMAIL_CONFIRM_SALT, RESET_SALT, User
from tests.helpers.factories import PASSWORD, make_user, set_confirmed
from tests.helpers.pages import Forms, flashes, page_text
from tests.helpers.tokens import token_of

LINK = re.compile(r"https?://[^\s/]+(/(?:confirm|reset_password)/[^\s]+)")
BAD_RESET = "That reset link is invalid, expired or already used. Please ask for a new one."
BAD_CONFIRM = "That confirmation link is invalid, expired or already used."
NEW_PASSWORD = "the owner's brand new passphrase"
ATTACKER = "mallory@evil.example"


def links_in(outbox, address: str) -> list[str]:
    return [path for m in outbox if m.recipients == [address] for path in LINK.findall(m.body)]


def browser(app, email: str | None = "alice@example.com", password: str = PASSWORD) -> Forms:
    """A browser of its own, logged in as `email` unless None. An account whose address is
    unconfirmed is logged in as from before a password alone stopped logging those in (the
    attacks below began then), by confirming it for the login only."""
    forms = Forms(app.test_client())
    if email is not None:
        with app.app_context():
            unconfirmed = not User.by_email(email).is_confirmed
        if unconfirmed:
            set_confirmed(app, email, True)
        response = forms.submit("/login", {"email": email, "password": password})
        if unconfirmed:
            set_confirmed(app, email, False)
        assert response.status_code == 302, page_text(response)
    return forms


def ask_to_move(forms: Forms, to: str, username: str = "alice") -> str:
    """Ask /account to move the logged-in account to `to`; the link sent there."""
    with mail.record_messages() as outbox:
        forms.submit("/account", {"username": username, "email": to, "current_password": PASSWORD})
    (link,) = links_in(outbox, to)
    return link


def reset_link(app, email: str = "alice@example.com") -> str:
    with mail.record_messages() as outbox:
        browser(app, None).submit("/reset_password", {"email": email})
    (link,) = links_in(outbox, email)
    return link


def address_of(app, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def confirm_is_refused(app, path: str) -> bool:
    client = app.test_client()
    response = client.get(path)
    shown = [message for _, message in flashes(client.get(response.headers["Location"]))]
    return any(message.startswith(BAD_CONFIRM) for message in shown)


def reset_is_refused(app, path: str) -> bool:
    client = app.test_client()
    response = client.get(path)
    return response.status_code == 302 and ("warning", BAD_RESET) in flashes(
        client.get("/reset_password")
    )


# --- What the owner does about it ------------------------------------------------------------


def change_password(app) -> list:
    owner = browser(app)
    response = owner.submit(
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    return flashes(owner.client.get("/account"))


def reset_password(app) -> list:
    link = reset_link(app)
    owner = browser(app, None)
    response = owner.submit(link, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.headers["Location"] == "/login"
    return flashes(owner.client.get("/login"))


def sign_out_everywhere_else(app) -> list:
    owner = browser(app)
    response = owner.submit("/account/sessions/others", page="/account/sessions")
    assert response.status_code == 302
    return flashes(owner.client.get("/account/sessions"))


def disable_then_enable(app) -> list:
    make_user(app, "ada", admin=True)
    admin = browser(app, "ada@example.com")
    admin.submit("/user/alice/disable", page="/user/alice")
    admin.submit("/user/alice/enable", page="/user/alice")
    return []


OWNER_REACTIONS = [change_password, reset_password, sign_out_everywhere_else]


@pytest.mark.parametrize("react", OWNER_REACTIONS, ids=lambda react: react.__name__)
def test_a_pending_email_change_dies_when_the_owner_reacts(app, alice, react):
    # The attacker knows the password and asks to move the address to their own inbox; the
    # owner, warned by the notice sent to their address, changes the password (or resets
    # it, or signs out everywhere else). The attacker's link must then fail.
    attackers = browser(app)
    link = ask_to_move(attackers, ATTACKER)

    shown = react(app)

    assert confirm_is_refused(app, link)
    assert address_of(app, alice) == "alice@example.com"
    assert any("a pending change of address too" in message for _, message in shown), shown


def test_after_the_owners_reaction_a_reset_to_the_attackers_inbox_is_impossible(app, alice):
    attackers = browser(app)
    link = ask_to_move(attackers, ATTACKER)
    change_password(app)
    app.test_client().get(link)

    with mail.record_messages() as outbox:
        browser(app, None).submit("/reset_password", {"email": ATTACKER})

    assert outbox == []
    assert address_of(app, alice) == "alice@example.com"


@pytest.mark.parametrize(
    "event",
    [*OWNER_REACTIONS, disable_then_enable],
    ids=lambda event: event.__name__,
)
def test_every_emailed_link_dies_with_the_security_stamp(app, alice, event):
    with app.app_context():
        db.session.get(User, alice).confirmed_at = None  # so a confirmation link is pending
        db.session.commit()
    reset = reset_link(app)
    change = ask_to_move(browser(app), "alice.new@example.com")
    with mail.record_messages() as outbox:
        browser(app).submit("/confirm/resend", page="/")
    (confirm,) = links_in(outbox, "alice@example.com")

    event(app)

    assert reset_is_refused(app, reset)
    assert confirm_is_refused(app, change)
    assert confirm_is_refused(app, confirm)
    assert address_of(app, alice) == "alice@example.com"


def test_a_reset_link_sent_to_the_old_address_fails_once_the_address_has_changed(app, alice):
    old_inbox_reset = reset_link(app)  # whoever reads the old inbox, now or later
    app.test_client().get(ask_to_move(browser(app), "alice.new@example.com"))
    assert address_of(app, alice) == "alice.new@example.com"

    assert reset_is_refused(app, old_inbox_reset)
    with app.app_context():
        assert User.authenticate("alice.new@example.com", PASSWORD) is not None


def test_confirming_a_new_address_says_that_older_links_are_cancelled(app, alice):
    owner = browser(app)
    response = owner.client.get(ask_to_move(owner, "alice.new@example.com"))

    shown = flashes(owner.client.get(response.headers["Location"]))

    cancelled = (
        "Any other link we emailed you before (a password reset, another change of address) "
        "is cancelled."
    )
    assert ("info", cancelled) in shown


def test_links_from_before_security_stamps_are_refused(app, alice):
    # Links signed with the site's key in the earlier format (no stamp): a reset bound to
    # the password alone, an email change bound to the address alone.
    key = app.config["SECRET_KEY"]
    with app.app_context():
        fingerprint = db.session.get(User, alice)._password_fingerprint()
    old_reset = URLSafeTimedSerializer(key, salt=RESET_SALT).dumps(
        {"user": alice, "pw": fingerprint}
    )
    old_change = URLSafeTimedSerializer(key, salt=EMAIL_CONFIRM_SALT).dumps(
        {"user": alice, "email": ATTACKER, "was": "alice@example.com", "state": None}
    )

    assert reset_is_refused(app, f"/reset_password/{old_reset}")
    assert confirm_is_refused(app, f"/confirm/{old_change}")
    assert address_of(app, alice) == "alice@example.com"


def test_a_stamp_digest_from_one_kind_of_link_does_not_make_another(app, alice):
    # A token carries a digest of the stamp made for its purpose: moving a reset link's
    # claims into a confirmation payload (signed, as only the site could) is still refused.
    link = reset_link(app)
    claims = URLSafeTimedSerializer("unused").loads_unsafe(token_of(link))[1]
    with app.app_context():
        created = db.session.get(User, alice).created_at.isoformat()
    forged = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=EMAIL_CONFIRM_SALT).dumps(
        {**claims, "email": ATTACKER, "was": "alice@example.com", "state": created}
    )

    assert confirm_is_refused(app, f"/confirm/{forged}")
    assert address_of(app, alice) == "alice@example.com"


# --- A deleted account's id and links ----------------------------------------------------------


def delete_account(forms: Forms) -> None:
    response = forms.submit("/account/delete", {"password": PASSWORD})
    assert response.status_code == 302, page_text(response)


def test_a_deleted_users_id_is_never_given_to_the_next_sign_up(app, make_user):
    make_user("alice")
    newest = make_user("bob")
    delete_account(browser(app, "bob@example.com"))

    again = make_user("carol")

    assert again > newest


def test_a_deleted_accounts_email_change_link_does_not_confirm_on_the_next_account(app, forms):
    # The attacker signs up with the victim's address, asks to move it to their own inbox,
    # deletes the account and waits for the victim to sign up.
    forms.submit(
        "/register",
        {
            "username": "mal",
            "email": "victim@example.com",
            "password": PASSWORD,
            "confirm_password": PASSWORD,
        },
    )
    attackers = browser(app, "victim@example.com")
    link = ask_to_move(attackers, ATTACKER, username="mal")
    delete_account(attackers)

    victim = make_user(app, "victim", confirmed=False)

    assert confirm_is_refused(app, link)
    assert address_of(app, victim) == "victim@example.com"


def test_a_link_for_a_deleted_id_fails_even_on_an_account_given_that_id(app):
    # Whatever hands out ids (an old SQLite table, a restored backup), the new account's own
    # stamp refuses the old account's links.
    mal = make_user(app, "mal", "victim@example.com", confirmed=False)
    link = ask_to_move(browser(app, "victim@example.com"), ATTACKER, username="mal")
    with app.app_context():
        db.session.delete(db.session.get(User, mal))
        db.session.commit()
        victim = User(id=mal, username="victim", email="victim@example.com")
        victim.set_password(PASSWORD)
        db.session.add(victim)
        db.session.commit()

    assert confirm_is_refused(app, link)
    assert address_of(app, mal) == "victim@example.com"
