"""Account enumeration: someone tries addresses on the login, sign-up, reset and account
pages to learn who has an account here (to target them, or to try leaked passwords). The
answer for an address with an account, in any state, is the same page, status, headers
and message as for an address without one, and lockouts come at the same count. Only the
owner of the address learns, by email, that someone tried it."""

import re

import pytest

from flaskblog.extensions import db, limiter, mail
from flaskblog.models import User, utcnow
from tests.helpers import factories
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import AuthActions, Forms, csrf_token_in, page_text, without_csrf_tokens

# Same length, so even Content-Length cannot tell them apart.
MEMBER, STRANGER = "alice@example.com", "zelda@example.com"
WRONG = "not the password"
# X-Request-ID is new on every request, whoever asks.
VARYING_HEADERS = {"Date", "Set-Cookie", "Retry-After", "X-RateLimit-Reset", "X-Request-ID"}


@pytest.fixture(params=["confirmed", "unconfirmed", "disabled", "admin"])
def member(request, app, make_user):
    """alice, whose address has an account, in each state an account can be in."""
    user_id = make_user(
        "alice",
        MEMBER,
        confirmed=request.param != "unconfirmed",
        admin=request.param == "admin",
    )
    if request.param == "disabled":
        with app.app_context():
            db.session.get(User, user_id).disabled_at = utcnow()
            db.session.commit()
    return request.param


def submit(app, url: str, data: dict, ip: str = "127.0.0.1", page: str | None = None):
    """Post a form from a fresh browser (its own session), as a script trying addresses does;
    returns the answer and, after a redirect, the page it leads to."""
    browser = app.test_client()
    environ = {"REMOTE_ADDR": ip}
    html = browser.get(page or url, environ_base=environ).get_data(as_text=True)
    token = csrf_token_in(html)
    response = browser.post(url, data={**data, "csrf_token": token}, environ_base=environ)
    follow = None
    if response.status_code == 302:
        follow = browser.get(response.headers["Location"], environ_base=environ)
    return response, follow


def answer(response, email: str) -> tuple:
    """What a response tells its reader, with the address typed and the tokens masked."""
    if response is None:
        return (None,)
    text = re.sub(re.escape(email), "<email>", page_text(response), flags=re.IGNORECASE)
    text = without_csrf_tokens(text)
    # How long a lockout lasts depends on the second it is read, like Retry-After.
    text = re.sub(r"try again in [^.<]+", "try again in <time>", text)
    headers = sorted(
        (name, value) for name, value in response.headers.items() if name not in VARYING_HEADERS
    )
    return response.status_code, headers, text


def assert_same_answer(first: tuple, second: tuple) -> None:
    (first_response, first_page), (second_response, second_page) = first, second
    assert answer(first_response, MEMBER) == answer(second_response, STRANGER)
    assert answer(first_page, MEMBER) == answer(second_page, STRANGER)


def test_a_wrong_password_gets_the_same_answer_as_an_unknown_address(app, member):
    with_account = submit(app, "/login", {"email": MEMBER, "password": WRONG})
    without = submit(app, "/login", {"email": STRANGER, "password": WRONG})

    assert with_account[0].status_code == 200
    assert "Login unsuccessful" in page_text(with_account[0])
    assert_same_answer(with_account, without)


def test_the_address_typed_in_another_case_changes_nothing(app, member):
    with_account = submit(app, "/login", {"email": MEMBER.upper(), "password": WRONG})
    without = submit(app, "/login", {"email": STRANGER.upper(), "password": WRONG})

    assert answer(with_account[0], MEMBER.upper()) == answer(without[0], STRANGER.upper())


def test_asking_for_a_reset_link_gets_the_same_answer_with_or_without_an_account(app, member):
    with mail.record_messages() as outbox:
        with_account = submit(app, "/reset_password", {"email": MEMBER})
        without = submit(app, "/reset_password", {"email": STRANGER})

    assert with_account[0].status_code == 302
    assert "If an account uses that email" in page_text(with_account[1])
    assert_same_answer(with_account, without)
    assert [message.recipients for message in outbox] == [[MEMBER]]  # only its owner learns


def test_signing_up_gets_the_same_answer_with_or_without_an_account(app, member):
    sign_up = {"password": "a new passphrase", "confirm_password": "a new passphrase"}
    with mail.record_messages() as outbox:
        with_account = submit(app, "/register", {"username": "bob", "email": MEMBER, **sign_up})
        without = submit(app, "/register", {"username": "bob2", "email": STRANGER, **sign_up})

    assert with_account[0].status_code == 302
    assert "Your account has been created" in page_text(with_account[1])
    assert_same_answer(with_account, without)
    to_member, to_stranger = outbox
    assert to_member.recipients == [MEMBER] and "/confirm/" not in to_member.body
    assert to_stranger.recipients == [STRANGER] and "/confirm/" in to_stranger.body
    with app.app_context():
        assert User.by_email(MEMBER).username == "alice"  # no second account, nothing changed


def test_moving_an_account_to_an_address_gets_the_same_answer_either_way(app, member, make_user):
    make_user("mallory", "mallory@example.com")
    browser = app.test_client()
    browser_forms = Forms(browser)
    AuthActions(browser, browser_forms).login("mallory@example.com")

    def move_to(email: str):
        data = {"username": "mallory", "email": email, "current_password": PASSWORD}
        response = browser_forms.submit("/account", data)
        return response, browser.get(response.headers["Location"])

    with mail.record_messages() as outbox:
        with_account, without = move_to(MEMBER), move_to(STRANGER)

    assert with_account[0].status_code == 302
    assert answer(with_account[0], MEMBER) == answer(without[0], STRANGER)
    masked = [
        answer(page, email)[2]
        for page, email in ((with_account[1], MEMBER), (without[1], STRANGER))
    ]
    assert masked[0] == masked[1]
    to_addresses = [message.recipients for message in outbox]
    assert to_addresses.count([MEMBER]) == 1 and to_addresses.count([STRANGER]) == 1
    assert not any("/confirm/" in m.body for m in outbox if m.recipients == [MEMBER])


def test_a_mistyped_address_gets_the_same_form_error_either_way(app, member):
    for url in ("/reset_password", "/login"):
        with_account = submit(app, url, {"email": f"{MEMBER}.", "password": WRONG})
        without = submit(app, url, {"email": f"{STRANGER}.", "password": WRONG})

        assert answer(with_account[0], f"{MEMBER}.") == answer(without[0], f"{STRANGER}.")


def test_asking_for_a_new_confirmation_link_gets_the_same_answer_either_way(app, member):
    with mail.record_messages() as outbox:
        with_account = submit(app, "/confirm/resend", {"email": MEMBER}, page="/confirm/resend")
        without = submit(app, "/confirm/resend", {"email": STRANGER}, page="/confirm/resend")

    assert with_account[0].status_code == 302
    assert "a new link is on its way" in page_text(with_account[1])
    assert_same_answer(with_account, without)
    # Only an account still waiting for its link gets one, at its own address.
    assert [m.recipients for m in outbox] == ([[MEMBER]] if member == "unconfirmed" else [])


def test_the_password_chosen_at_sign_up_does_not_tell_a_taken_address_at_login(app, member):
    chosen = {"password": "a new passphrase", "confirm_password": "a new passphrase"}
    submit(app, "/register", {"username": "bob", "email": MEMBER, **chosen})
    submit(app, "/register", {"username": "bob2", "email": STRANGER, **chosen})

    with_account = submit(app, "/login", {"email": MEMBER, "password": "a new passphrase"})
    without = submit(app, "/login", {"email": STRANGER, "password": "a new passphrase"})

    assert with_account[0].status_code == 200
    assert_same_answer(with_account, without)


def test_the_password_chosen_at_sign_up_does_not_tell_a_taken_address_on_the_api(app, member):
    chosen = {"password": "a new passphrase", "confirm_password": "a new passphrase"}
    submit(app, "/register", {"username": "bob", "email": MEMBER, **chosen})
    submit(app, "/register", {"username": "bob2", "email": STRANGER, **chosen})

    def token_for(email: str):
        return app.test_client().post("/api/v1/tokens", auth=(email, "a new passphrase"))

    with_account, without = token_for(MEMBER), token_for(STRANGER)

    assert with_account.status_code == without.status_code == 401
    assert with_account.get_json() == without.get_json()


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/login", {"password": WRONG}),
        ("/reset_password", {}),
        ("/register", {"username": "bob", "password": WRONG, "confirm_password": WRONG}),
    ],
)
def test_lockouts_come_at_the_same_count_with_or_without_an_account(
    build_app, make_user, url, data
):
    app = build_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        limiter.reset()
    factories.make_user(app, "alice", MEMBER)

    def attempts_until_refused(email: str, first_ip: int) -> tuple[int, tuple]:
        # Each attempt from another address: only the limit per account can stop them.
        for attempt in range(1, 60):
            with mail.record_messages():
                response, _ = submit(
                    app, url, {"email": email, **data}, ip=f"10.0.{first_ip}.{attempt}"
                )
            if response.status_code == 429:
                return attempt, answer(response, email)
        return 0, ()

    try:
        with_account = attempts_until_refused(MEMBER, 1)
        without = attempts_until_refused(STRANGER, 2)
    finally:
        with app.app_context():
            limiter.reset()

    assert with_account[0] > 0, "no limit per account"
    assert with_account == without
