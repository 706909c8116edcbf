"""Logins live on the server: a copied cookie dies with its login, remember-me and idle
logins expire, and /account/sessions shows every login and ends the ones you choose."""

import re
from datetime import timedelta

import pytest

from flaskblog.account.user_agents import describe_user_agent
from flaskblog.dates import iso_utc
from flaskblog.extensions import db
from flaskblog.models import ApiToken, User, UserSession, save_last_seen, utcnow
from flaskblog.timezones import date_and_time
from tests.helpers import factories
from tests.helpers.api import bearer, get_token
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import AuthActions, Forms, flashes, page_text

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
SIGNED_OUT_ELSEWHERE = (
    "You have been signed out everywhere else: your API tokens have ended, and links we "
    "emailed before (a pending change of address too) are cancelled."
)


class Device:
    """A browser of its own: its own cookies, User-Agent and address."""

    def __init__(self, app, user_agent: str = FIREFOX_LINUX, ip: str = "198.51.100.7"):
        self.client = app.test_client()
        self.forms = Forms(self.client)
        self.auth = AuthActions(self.client, self.forms)
        self.domain = app.config["SERVER_NAME"]
        self.headers = {"User-Agent": user_agent}
        self.environ = {"REMOTE_ADDR": ip}

    def login(self, email="alice@example.com", remember=False):
        data = {"email": email, "password": PASSWORD}
        if remember:
            data["remember"] = "y"
        response = self.forms.submit(
            "/login", data, headers=self.headers, environ_base=self.environ
        )
        assert response.status_code == 302, page_text(response)
        return response

    def get(self, url: str):
        return self.client.get(url, headers=self.headers, environ_base=self.environ)

    def is_logged_in(self) -> bool:
        return shows_logged_in(self.get("/about"))

    def cookie_header(self) -> str:
        """The Cookie header this browser sends, exactly."""
        return self.get("/about").request.headers["Cookie"]

    def remember_cookie(self) -> str:
        """A Cookie header with the remember-me cookie alone (the browser was closed)."""
        cookie = self.client.get_cookie("remember_token", domain=self.domain)
        assert cookie is not None, "no remember-me cookie"
        return f"remember_token={cookie.value}"


@pytest.fixture
def device(app):
    """`device(user_agent=..., ip=...)`: another browser."""
    return lambda **kwargs: Device(app, **kwargs)


def shows_logged_in(response) -> bool:
    text = page_text(response)
    assert ("Log out" in text) != ("Log in" in text), "the menu shows neither state"
    return "Log out" in text


def replay(app, cookie_header: str) -> bool:
    """Whether a fresh browser sending exactly this Cookie header is logged in."""
    stranger = app.test_client(use_cookies=False)
    return shows_logged_in(stranger.get("/about", headers={"Cookie": cookie_header}))


def move_logins_back(app, user_id: int, **ago) -> None:
    """Pretend the user's logins happened earlier: created=timedelta, last_seen=timedelta."""
    with app.app_context():
        now = utcnow()
        values = {f"{column}_at": now - delta for column, delta in ago.items()}
        db.session.execute(
            db.update(UserSession).where(UserSession.user_id == user_id).values(**values)
        )
        db.session.commit()


def logins_of(app, user_id: int) -> list[UserSession]:
    with app.app_context():
        return db.session.scalars(
            db.select(UserSession).where(UserSession.user_id == user_id)
        ).all()


def handle_of(app, login: UserSession) -> str:
    with app.app_context():
        return login.handle


def logged_in_on_phone_and_laptop(device) -> tuple[Device, str, Device]:
    """Alice logged in on her phone with remember me and on her laptop without;
    (phone, the phone's remember-me cookie as a thief would copy it, laptop)."""
    phone, laptop = device(user_agent=SAFARI_IPHONE), device()
    phone.login(remember=True)
    remembered = phone.remember_cookie()
    laptop.login()
    return phone, remembered, laptop


# --- Logging out ends the login, not just the cookie ---------------------------------------


@pytest.mark.parametrize("remember", [False, True], ids=["session", "remember-me"])
def test_a_cookie_copied_before_logout_is_anonymous_after_logout(app, alice, device, remember):
    laptop = device()
    laptop.login(remember=remember)
    stolen = laptop.cookie_header()
    assert replay(app, stolen)  # the copy works while the login lasts

    laptop.auth.logout()

    assert not replay(app, stolen)
    assert not laptop.is_logged_in()
    assert logins_of(app, alice) == []


def test_logging_out_ends_only_that_login(app, alice, device):
    laptop, phone = device(), device(user_agent=SAFARI_IPHONE)
    laptop.login()
    phone.login()

    laptop.auth.logout()

    assert not laptop.is_logged_in()
    assert phone.is_logged_in()
    assert len(logins_of(app, alice)) == 1


# --- Remember me ---------------------------------------------------------------------------


def test_the_remember_me_cookie_alone_logs_in_until_logout(app, alice, device):
    laptop = device()
    laptop.login(remember=True)
    remembered = laptop.remember_cookie()
    assert replay(app, remembered)

    laptop.auth.logout()

    assert not replay(app, remembered)


def test_sign_out_everywhere_else_ends_the_remember_me_cookie_of_another_device(app, alice, device):
    phone, remembered, laptop = logged_in_on_phone_and_laptop(device)

    response = laptop.forms.submit("/account/sessions/others", page="/account/sessions")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/sessions"
    assert ("success", SIGNED_OUT_ELSEWHERE) in flashes(laptop.client.get("/account/sessions"))
    assert not replay(app, remembered)
    assert not phone.is_logged_in()
    assert laptop.is_logged_in()
    assert len(logins_of(app, alice)) == 1


def test_a_password_reset_ends_every_login_and_remember_me_cookie(app, alice, device):
    phone, remembered, laptop = logged_in_on_phone_and_laptop(device)
    with app.app_context():
        token = db.session.get(User, alice).get_reset_token()

    stranger = device()
    password = "an entirely different passphrase"
    response = stranger.forms.submit(
        f"/reset_password/{token}", {"password": password, "confirm_password": password}
    )

    assert response.status_code == 302
    assert not replay(app, remembered)
    assert not phone.is_logged_in()
    assert not laptop.is_logged_in()
    assert logins_of(app, alice) == []


@pytest.mark.parametrize(("days_ago", "still_in"), [(29, True), (31, False)])
def test_a_remember_me_login_ends_30_days_after_logging_in(app, alice, device, days_ago, still_in):
    phone = device()
    phone.login(remember=True)
    remembered = phone.remember_cookie()
    # Unused all that time too: idleness does not end a remembered login, its age does.
    ago = timedelta(days=days_ago)
    move_logins_back(app, alice, created=ago, last_seen=ago)

    assert replay(app, remembered) is still_in
    assert phone.is_logged_in() is still_in


# --- Idle logins -----------------------------------------------------------------------------


@pytest.mark.parametrize(("extra_minutes", "still_in"), [(-1, True), (1, False)])
def test_a_login_without_remember_me_ends_when_left_idle(
    app, alice, device, extra_minutes, still_in
):
    laptop = device()
    laptop.login()
    idle = app.config["SESSION_IDLE_MINUTES"]
    assert idle == 7 * 24 * 60  # a week by default
    move_logins_back(app, alice, last_seen=timedelta(minutes=idle + extra_minutes))

    assert laptop.is_logged_in() is still_in
    assert laptop.is_logged_in() is still_in  # an ended login stays ended


def test_the_idle_limit_comes_from_the_settings(build_app):
    app = build_app(SESSION_IDLE_MINUTES=30)
    alice = factories.make_user(app)
    laptop = Device(app)
    laptop.login()

    move_logins_back(app, alice, last_seen=timedelta(minutes=29))
    assert laptop.is_logged_in()
    move_logins_back(app, alice, last_seen=timedelta(minutes=31))
    assert not laptop.is_logged_in()


# --- An absolute lifetime ---------------------------------------------------------------


@pytest.mark.parametrize(("hours_ago", "still_in"), [(11.9, True), (12.1, False)])
def test_a_busy_login_without_remember_me_ends_twelve_hours_after_logging_in(
    app, alice, device, hours_ago, still_in
):
    # Used a minute ago, as someone with a stolen cookie would keep it busy: the login
    # still ends a fixed time after the password was typed (ASVS 4.0 3.3.2).
    laptop = device()
    laptop.login()
    copied = laptop.cookie_header()
    assert app.config["SESSION_MAX_HOURS"] == 12
    move_logins_back(app, alice, created=timedelta(hours=hours_ago), last_seen=timedelta(minutes=1))

    assert replay(app, copied) is still_in
    assert laptop.is_logged_in() is still_in


def test_the_absolute_lifetime_comes_from_the_settings(build_app):
    app = build_app(SESSION_MAX_HOURS=2)
    alice = factories.make_user(app)
    laptop = Device(app)
    laptop.login()

    move_logins_back(app, alice, created=timedelta(minutes=119), last_seen=timedelta(0))
    assert laptop.is_logged_in()
    move_logins_back(app, alice, created=timedelta(minutes=121), last_seen=timedelta(0))
    assert not laptop.is_logged_in()


def test_a_remember_me_login_outlasts_the_absolute_lifetime_of_others(app, alice, device):
    phone = device()
    phone.login(remember=True)
    move_logins_back(app, alice, created=timedelta(days=2), last_seen=timedelta(minutes=1))

    assert phone.is_logged_in()


def test_the_sessions_page_shows_when_a_busy_login_ends_for_good(app, alice, device):
    laptop = device()
    laptop.login()
    move_logins_back(app, alice, created=timedelta(hours=11), last_seen=timedelta(0))

    text = page_text(laptop.get("/account/sessions"))

    (login,) = logins_of(app, alice)
    with app.app_context():
        ends = date_and_time(login.created_at + timedelta(hours=12))
    assert re.search(rf"ends <time [^>]*>{ends}</time>", text)
    assert ends.endswith(" UTC")  # alice has chosen no time zone
    assert "if not used before then" not in text


def is_session_update(statement: str) -> bool:
    return statement.lstrip().upper().startswith("UPDATE SESSIONS")


@pytest.mark.parametrize(("minutes_ago", "updates"), [(0, 0), (4, 0), (6, 1)])
def test_last_seen_is_written_at_most_every_five_minutes(
    app, alice, device, count_queries, minutes_ago, updates
):
    laptop = device()
    laptop.login()
    move_logins_back(app, alice, last_seen=timedelta(minutes=minutes_ago))

    with count_queries() as statements:
        for _ in range(5):
            assert laptop.is_logged_in()

    assert len([s for s in statements if is_session_update(s)]) == updates
    [login] = logins_of(app, alice)
    seen_ago = utcnow() - login.last_seen_at
    if updates:
        assert seen_ago < timedelta(minutes=1)
    else:
        assert timedelta(minutes=minutes_ago) <= seen_ago < timedelta(minutes=minutes_ago + 1)


def test_writing_last_seen_saves_nothing_a_view_left_uncommitted(app, alice, device):
    laptop = device()
    laptop.login()
    move_logins_back(app, alice, last_seen=timedelta(minutes=6))
    [login] = logins_of(app, alice)

    with app.test_request_context():
        touched = db.session.get(UserSession, login.id)
        touched.mark_seen(utcnow())
        db.session.get(User, alice).username = "half-saved"
        save_last_seen()

    [login] = logins_of(app, alice)
    assert utcnow() - login.last_seen_at < timedelta(minutes=1)
    with app.app_context():
        assert db.session.get(User, alice).username == "alice"


def test_a_login_costs_one_lookup_by_primary_key_a_request(app, alice, device, count_queries):
    visitor, laptop = device(), device()
    laptop.login()
    laptop.is_logged_in()

    with count_queries() as anonymous:
        assert not visitor.is_logged_in()
    with count_queries() as logged_in:
        assert laptop.is_logged_in()

    assert len(logged_in) == len(anonymous) + 1
    [lookup] = [s for s in logged_in if s not in anonymous]
    assert re.search(r"FROM sessions\b", lookup)
    assert re.search(r"WHERE sessions\.id = ", lookup)


def test_disabling_an_account_ends_its_logins_at_once(app, alice, device):
    phone, remembered, laptop = logged_in_on_phone_and_laptop(device)

    # Only the flag, as an admin might set it in the database: the rows still exist.
    with app.app_context():
        db.session.get(User, alice).disabled_at = utcnow()
        db.session.commit()

    assert not laptop.is_logged_in()
    assert not phone.is_logged_in()
    assert not replay(app, remembered)


# --- /account/sessions ----------------------------------------------------------------------


def test_the_sessions_page_lists_each_login_and_marks_this_device(app, alice, device):
    phone = device(user_agent=SAFARI_IPHONE, ip="203.0.113.9")
    phone.login(remember=True)
    laptop = device(user_agent=FIREFOX_LINUX, ip="198.51.100.7")
    laptop.login()

    page = page_text(laptop.get("/account/sessions"))

    articles = re.findall(r'<article class="panel session">(.*?)</article>', page, re.S)
    assert len(articles) == 2
    this, other = articles  # most recently used first
    assert "Firefox on Linux" in this and "This device" in this
    assert "198.51.100.7" in this and "Remember me: off" in this
    assert "Safari on iOS" in other and "This device" not in other
    assert "203.0.113.9" in other and "Remember me: on" in other
    assert "Sign out everywhere else" in page


def test_the_sessions_page_shows_no_session_id_or_token(app, alice, device):
    laptop = device()
    laptop.login(remember=True)
    cookie = laptop.remember_cookie()

    page = laptop.get("/account/sessions").get_data(as_text=True)

    [login] = logins_of(app, alice)
    assert login.id not in page
    token = cookie.split("=", 1)[1].split("|")[0]
    assert token not in page
    assert handle_of(app, login) in page


def test_the_sessions_page_leaves_out_ended_logins(app, alice, device):
    old, laptop = device(user_agent=SAFARI_IPHONE), device()
    old.login()
    idle = app.config["SESSION_IDLE_MINUTES"]
    move_logins_back(app, alice, last_seen=timedelta(minutes=idle + 1))
    laptop.login()

    page = page_text(laptop.get("/account/sessions"))

    assert "Safari on iOS" not in page
    assert page.count('class="panel session"') == 1
    assert "You are not logged in anywhere else." in page
    assert "Sign out everywhere else" not in page


def test_the_account_page_links_to_the_sessions_page(alice, device):
    laptop = device()
    laptop.login()

    assert 'href="/account/sessions"' in laptop.get("/account").get_data(as_text=True)


def test_signing_out_one_other_login(app, alice, device):
    phone, tablet, laptop = device(user_agent=SAFARI_IPHONE), device(), device()
    phone.login(remember=True)
    tablet.login()
    laptop.login()
    [phone_login] = [login for login in logins_of(app, alice) if login.remember]
    handle = handle_of(app, phone_login)

    response = laptop.forms.submit(f"/account/sessions/{handle}/end", page="/account/sessions")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/sessions"
    assert ("success", "Signed out Safari on iOS.") in flashes(
        laptop.client.get("/account/sessions")
    )
    assert not phone.is_logged_in()
    assert tablet.is_logged_in()
    assert laptop.is_logged_in()


def test_log_out_here_on_the_sessions_page_logs_this_device_out(app, alice, device):
    laptop = device()
    laptop.login()
    [login] = logins_of(app, alice)

    response = laptop.forms.submit(
        f"/account/sessions/{handle_of(app, login)}/end", page="/account/sessions"
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert not laptop.is_logged_in()
    assert logins_of(app, alice) == []


@pytest.mark.parametrize(
    "handle", ["0123456789abcdef", "x" * 300, "%27%20OR%201=1--", "%C3%A9t%C3%A9", "%F0%9F%94%91"]
)
def test_signing_out_an_unknown_login_changes_nothing(app, alice, device, handle):
    laptop = device()
    laptop.login()

    response = laptop.forms.submit(f"/account/sessions/{handle}/end", page="/account/sessions")

    assert response.status_code == 302
    assert ("info", "That session had already ended.") in flashes(
        laptop.client.get("/account/sessions")
    )
    assert laptop.is_logged_in()


def test_nobody_can_sign_out_another_users_login(app, alice, make_user, device):
    bob_id = make_user("bob")
    bob, laptop = device(), device()
    bob.login(email="bob@example.com")
    laptop.login()
    [bob_login] = logins_of(app, bob_id)

    laptop.forms.submit(f"/account/sessions/{handle_of(app, bob_login)}/end", page="/account")
    laptop.forms.submit("/account/sessions/others", page="/account")

    assert bob.is_logged_in()
    assert len(logins_of(app, bob_id)) == 1


def test_the_sessions_page_asks_visitors_to_log_in(client):
    response = client.get("/account/sessions")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_sign_out_everywhere_else_needs_the_csrf_token(app, alice, device):
    phone, laptop = device(), device()
    phone.login()
    laptop.login()
    handle = handle_of(app, logins_of(app, alice)[0])

    assert laptop.client.post("/account/sessions/others").status_code == 400
    assert laptop.client.post(f"/account/sessions/{handle}/end").status_code == 400
    assert phone.is_logged_in()
    assert len(logins_of(app, alice)) == 2


def test_a_hostile_user_agent_is_shown_as_text(app, alice, device):
    laptop = device(user_agent='<script>alert("ua")</script>')
    laptop.login()

    page = laptop.get("/account/sessions").get_data(as_text=True)

    assert '<script>alert("ua")' not in page
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (FIREFOX_LINUX, "Firefox on Linux"),
        (SAFARI_IPHONE, "Safari on iOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/18.1 Safari/605.1.15",
            "Safari on macOS",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("", "An unknown browser"),
        ("x" * 100, "x" * 39 + "…"),
    ],
)
def test_user_agents_get_short_names(user_agent, name):
    assert describe_user_agent(user_agent) == name


# --- API tokens on the sessions page ---------------------------------------------------------


def token_works(app, token: str) -> bool:
    return app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200


def api_tokens_of(app, user_id: int) -> list[ApiToken]:
    with app.app_context():
        return db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == user_id)).all()


def token_handles(app, user_id: int) -> list[str]:
    with app.app_context():
        return [token.handle for token in ApiToken.for_user(db.session.get(User, user_id))]


def test_the_sessions_page_lists_api_tokens_with_when_they_were_made_and_end(app, alice, device):
    token = get_token(app.test_client())
    laptop = device()
    laptop.login()

    page = laptop.get("/account/sessions").get_data(as_text=True)

    (row,) = api_tokens_of(app, alice)
    made = f'<time datetime="{iso_utc(row.created_at)}" title="{date_and_time(row.created_at)}">'
    assert f"API token made {made}just now</time>" in page
    assert f'datetime="{iso_utc(row.expires_at)}"' in page
    assert token not in page and row.id not in page
    assert "Sign out everywhere else" in page  # the tokens are somewhere else too


def test_the_owner_ends_one_api_token_and_keeps_the_others(app, alice, device):
    first, second = get_token(app.test_client()), get_token(app.test_client())
    laptop = device()
    laptop.login()
    with app.app_context():
        first_row = db.session.get(ApiToken, ApiToken.hash(first))
        handle, made = first_row.handle, first_row.created_at

    response = laptop.forms.submit(f"/account/tokens/{handle}/end", page="/account/sessions")

    assert response.headers["Location"] == "/account/sessions"
    made_shown = f'<time datetime="{iso_utc(made)}">{date_and_time(made)}</time>'
    assert flashes(laptop.client.get("/account/sessions")) == [
        ("success", f"The API token made {made_shown} has ended.")
    ]
    assert not token_works(app, first)
    assert token_works(app, second)
    assert laptop.is_logged_in()


def test_nobody_can_end_another_users_api_token(app, alice, make_user, device):
    alices_token = get_token(app.test_client())
    make_user("bob")
    bobs_browser = device()
    bobs_browser.login("bob@example.com")
    (handle,) = token_handles(app, alice)

    response = bobs_browser.forms.submit(f"/account/tokens/{handle}/end", page="/account/sessions")

    assert response.status_code == 404
    assert token_works(app, alices_token)


def test_ending_an_api_token_needs_the_csrf_token(app, alice, device):
    token = get_token(app.test_client())
    laptop = device()
    laptop.login()
    (handle,) = token_handles(app, alice)

    response = laptop.client.post(f"/account/tokens/{handle}/end")

    assert response.status_code == 400
    assert token_works(app, token)


def test_sign_out_everywhere_else_ends_every_api_token(app, alice, device):
    tokens = [get_token(app.test_client()) for _ in range(2)]
    laptop = device()
    laptop.login()

    laptop.forms.submit("/account/sessions/others", page="/account/sessions")

    assert not any(token_works(app, token) for token in tokens)
    assert api_tokens_of(app, alice) == []
    assert laptop.is_logged_in()


def test_a_password_change_or_reset_deletes_every_api_token(app, alice, device):
    get_token(app.test_client())
    laptop = device()
    laptop.login()
    new = "new pass phrase"
    laptop.forms.submit(
        "/account/password",
        {"current_password": PASSWORD, "password": new, "confirm_password": new},
    )
    assert api_tokens_of(app, alice) == []

    get_token(app.test_client(), password=new)
    with app.app_context():
        link = f"/reset_password/{db.session.get(User, alice).get_reset_token()}"
    device().forms.submit(link, {"password": PASSWORD, "confirm_password": PASSWORD})
    assert api_tokens_of(app, alice) == []


def test_disabling_deletes_api_tokens_so_enabling_does_not_bring_them_back(app, alice, make_user):
    token = get_token(app.test_client())
    make_user("ada", admin=True)
    admin = Device(app)
    admin.login("ada@example.com")

    admin.forms.submit("/user/alice/disable", page="/user/alice")
    assert api_tokens_of(app, alice) == []
    admin.forms.submit("/user/alice/enable", page="/user/alice")

    assert not token_works(app, token)


def test_logging_out_leaves_api_tokens_alone(app, alice, device):
    token = get_token(app.test_client())
    laptop = device()
    laptop.login()

    laptop.auth.logout()

    assert token_works(app, token)
