"""Registering, logging in and out, and where `next` may send people."""

import pytest
from sqlalchemy import create_engine, insert

from flaskblog.auth.forms import RegistrationForm
from flaskblog.extensions import db, mail
from flaskblog.models import User
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import (
    AuthActions,
    Forms,
    csrf_token_in,
    field_errors,
    flashes,
    page_text,
    without_csrf_tokens,
)

LOGIN_FAILED = (
    "Login unsuccessful. Please check your email and password. If you have just signed up, "
    "open the link we emailed you first."
)
USERNAME_TAKEN = "That username is taken. Please choose another one."
SIGNED_UP = (
    "Your account has been created. Open the link we sent to alice@example.com to confirm "
    "your address, then log in."
)
CSRF_FAILED = "The form had expired or was sent from elsewhere."
HOME = ("/", "/home")
UNICODE_128 = "пароль🔑!" * 16  # 128 characters, 272 bytes in UTF-8


def users_in_db(app) -> list[tuple[str, str]]:
    """Every stored (username, email)."""
    with app.app_context():
        return list(db.session.execute(db.select(User.username, User.email).order_by(User.id)))


def is_logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def register_form(username="alice", email="alice@example.com", password=PASSWORD, confirm=None):
    return {
        "username": username,
        "email": email,
        "password": password,
        "confirm_password": password if confirm is None else confirm,
    }


@pytest.fixture
def app_with_two_connections(build_app):
    """A testing app whose database a second connection can write to at the same time."""
    return build_app(shared_sqlite=True)


# --- Register -------------------------------------------------------------------------------


def test_register_creates_account_and_sends_to_login(app, client, forms):
    response = forms.submit("/register", register_form("alice", "Alice@Example.COM"))

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    login_page = client.get("/login")
    assert (
        "success",
        "Your account has been created. Open the link we sent to alice@example.com to confirm "
        "your address, then log in.",
    ) in flashes(login_page)
    assert users_in_db(app) == [("alice", "alice@example.com")]
    with app.app_context():
        user = User.by_username("alice")
        assert user.password_hash != PASSWORD
        assert user.check_password(PASSWORD)
        assert user.created_at.tzinfo is not None


def test_registered_user_can_log_in(auth, client):
    auth.sign_up()
    response = auth.login()

    assert response.status_code == 302
    assert response.headers["Location"] in HOME
    home = client.get("/")
    assert "Log out" in page_text(home)
    assert is_logged_in(client)


@pytest.mark.parametrize(
    "username",
    ["ab", "a" * 20, "a_b.c-D9", "123", ".alice", "a..b", "-_-", "  padded  "],
)
def test_register_accepts_usernames_within_the_rules(app, forms, username):
    response = forms.submit("/register", register_form(username))

    assert response.status_code == 302
    assert users_in_db(app) == [(username.strip(), "alice@example.com")]


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("a", "Field must be between 2 and 20 characters long."),
        ("a" * 21, "Field must be between 2 and 20 characters long."),
        ("al ice", "Use only letters, digits, '_', '.' and '-' (and not only dots)."),
        ("alice!", "Use only letters, digits, '_', '.' and '-' (and not only dots)."),
        ("ålice", "Use only letters, digits, '_', '.' and '-' (and not only dots)."),
        ("<b>al</b>", "Use only letters, digits, '_', '.' and '-' (and not only dots)."),
        ("..", "Use only letters, digits, '_', '.' and '-' (and not only dots)."),
        ("....", "Use only letters, digits, '_', '.' and '-' (and not only dots)."),
        ("", "This field is required."),
        ("   ", "This field is required."),
    ],
)
def test_register_refuses_usernames_outside_the_rules(app, forms, username, message):
    response = forms.submit("/register", register_form(username))

    assert response.status_code == 200
    assert message in field_errors(response, "username")
    assert users_in_db(app) == []


@pytest.mark.parametrize("taken_as", ["alice", "ALICE", "Alice"])
def test_register_refuses_a_username_taken_in_any_case(app, forms, make_user, taken_as):
    make_user("alice")

    response = forms.submit("/register", register_form(taken_as, "other@example.com"))

    assert response.status_code == 200
    assert field_errors(response, "username") == [USERNAME_TAKEN]
    assert users_in_db(app) == [("alice", "alice@example.com")]


@pytest.mark.parametrize(
    "email", ["not-an-email", "alice@", "@example.com", "alice@@example.com", "alice@exa mple.com"]
)
def test_register_refuses_invalid_email(app, forms, email):
    response = forms.submit("/register", register_form(email=email))

    assert response.status_code == 200
    assert field_errors(response, "email")
    assert users_in_db(app) == []


@pytest.mark.parametrize(
    "taken_as", ["alice@example.com", "ALICE@EXAMPLE.COM", "Alice@example.com"]
)
def test_register_with_a_taken_email_answers_as_new_and_tells_the_owner(
    app, client, forms, make_user, taken_as
):
    make_user("alice", "alice@example.com")

    with mail.record_messages() as outbox:
        response = forms.submit("/register", register_form("bob", taken_as))

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert ("success", SIGNED_UP) in flashes(client.get("/login"))
    assert users_in_db(app) == [("alice", "alice@example.com")]
    assert [message.recipients for message in outbox] == [["alice@example.com"]]
    assert "already belongs to your account" in outbox[0].body
    assert "/confirm/" not in outbox[0].body  # nothing to confirm: no account was made


def test_register_with_a_taken_email_leaves_the_owner_s_password_alone(auth, make_user):
    make_user("alice", "alice@example.com")

    auth.sign_up("bob", "alice@example.com", password="another-password-1")

    assert auth.login("alice@example.com", "another-password-1").status_code == 200
    assert auth.login("alice@example.com", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "password",
    [
        "k7#pQ2vz",  # eight characters, and not a common password
        "a" * 128,
        UNICODE_128,
        "  spaces at both ends  ",
        "\u00e9\u0301 combining \u202e and tabs\t!",
    ],
    ids=["8-chars", "128-ascii", "128-unicode", "spaces", "odd-unicode"],
)
def test_register_accepts_any_password_of_8_to_128_characters(app, auth, password):
    assert 8 <= len(password) <= 128

    assert auth.sign_up(password=password).status_code == 302
    response = auth.login(password=password)

    assert response.status_code == 302
    assert response.headers["Location"] in HOME


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("1234567", "Field must be between 8 and 128 characters long."),
        ("a" * 129, "Field must be between 8 and 128 characters long."),
        (UNICODE_128 + "x", "Field must be between 8 and 128 characters long."),
        ("", "This field is required."),
    ],
    ids=["7-chars", "129-ascii", "129-unicode", "empty"],
)
def test_register_refuses_passwords_outside_8_to_128_characters(app, forms, password, message):
    response = forms.submit("/register", register_form(password=password))

    assert response.status_code == 200
    assert message in field_errors(response, "password")
    assert users_in_db(app) == []


def test_register_refuses_a_confirmation_that_does_not_match(app, forms):
    response = forms.submit("/register", register_form(password=PASSWORD, confirm=PASSWORD + "!"))

    assert response.status_code == 200
    assert field_errors(response, "confirm_password") == ["The passwords do not match."]
    assert users_in_db(app) == []


@pytest.mark.parametrize("field", ["username", "email", "password", "confirm_password"])
def test_register_overlong_input_in_any_field_is_a_form_error(app, forms, field):
    data = register_form()
    data[field] = "x" * 5000 + ("@example.com" if field == "email" else "")
    if field == "password":
        data["confirm_password"] = data["password"]

    response = forms.submit("/register", data)

    assert response.status_code == 200
    assert field_errors(response, field)
    assert users_in_db(app) == []


def test_register_without_csrf_token_is_refused_with_the_400_page(app, client):
    response = client.post("/register", data=register_form())

    assert response.status_code == 400
    assert CSRF_FAILED in page_text(response)
    assert "Traceback" not in page_text(response)
    assert users_in_db(app) == []


def test_register_with_a_forged_csrf_token_is_refused(app, client):
    client.get("/register")
    response = client.post("/register", data={**register_form(), "csrf_token": "forged"})

    assert response.status_code == 400
    assert users_in_db(app) == []


@pytest.mark.parametrize("page", ["/register", "/login"])
def test_logged_in_users_opening_register_or_login_are_sent_home(auth, client, page):
    auth.sign_up()
    auth.login()

    response = client.get(page)

    assert response.status_code == 302
    assert response.headers["Location"] in HOME


def test_logged_in_user_posting_to_register_creates_nobody(app, auth, client, forms):
    auth.sign_up()
    auth.login()
    token = csrf_token_in(page_text(client.get("/")))

    response = client.post(
        "/register", data={**register_form("bob", "bob@example.com"), "csrf_token": token}
    )

    assert response.headers["Location"] in HOME
    assert [name for name, _ in users_in_db(app)] == ["alice"]


@pytest.fixture
def lose_a_race(app_with_two_connections, monkeypatch):
    """Make a concurrent sign-up commit `competitor` (username, email) right after the
    check `owner.name` runs; returns the list that records that it happened."""
    other_request = create_engine(app_with_two_connections.config["SQLALCHEMY_DATABASE_URI"])
    raced = []

    def arrange(owner, name: str, competitor: tuple[str, str]) -> list:
        check = getattr(owner, name)

        def check_then_lose_the_race(*args):
            result = check(*args)
            if not raced:
                username, email = competitor
                with other_request.begin() as connection:
                    connection.execute(
                        insert(User.__table__).values(
                            username=username, email=email, password_hash="x" * 60
                        )
                    )
                raced.append(True)
            return result

        monkeypatch.setattr(owner, name, check_then_lose_the_race)
        return raced

    yield arrange
    other_request.dispose()


def test_registration_that_loses_a_race_for_the_name_shows_a_form_error(
    app_with_two_connections, lose_a_race
):
    app = app_with_two_connections
    raced = lose_a_race(RegistrationForm, "validate_username", ("ALICE", "someone@example.com"))
    client = app.test_client()

    response = AuthActions(client, Forms(client)).register("alice", "alice@example.com")

    assert raced
    assert response.status_code == 200
    assert USERNAME_TAKEN in field_errors(response, "username")
    assert users_in_db(app) == [("ALICE", "someone@example.com")]


def test_registration_that_loses_a_race_for_the_address_answers_as_usual(
    app_with_two_connections, lose_a_race
):
    app = app_with_two_connections
    raced = lose_a_race(User, "by_email", ("someone", "alice@example.com"))
    client = app.test_client()

    with mail.record_messages() as outbox:
        response = AuthActions(client, Forms(client)).register("alice", "alice@example.com")

    assert raced
    assert response.status_code == 302
    assert ("success", SIGNED_UP) in flashes(client.get("/login"))
    assert users_in_db(app) == [("someone", "alice@example.com")]
    assert [message.recipients for message in outbox] == [["alice@example.com"]]
    assert "already belongs to your account" in outbox[0].body


def test_long_password_counts_beyond_72_bytes(app, auth, client):
    password = ("correct horse battery staple " * 4)[:100]
    auth.sign_up(password=password)

    first_72_bytes = auth.login(password=password[:72])
    assert first_72_bytes.status_code == 200
    assert ("danger", LOGIN_FAILED) in flashes(first_72_bytes)
    assert not is_logged_in(client)

    full = auth.login(password=password)
    assert full.status_code == 302
    assert is_logged_in(client)


def test_long_passwords_differing_after_72_bytes_are_different_passwords(app, auth, client):
    shared = "x" * 72
    auth.sign_up(password=shared + "first-ending")

    response = auth.login(password=shared + "other-ending")

    assert ("danger", LOGIN_FAILED) in flashes(response)
    assert not is_logged_in(client)


# --- Log in ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["ALICE@EXAMPLE.COM", "Alice@Example.com", "  alice@example.com "]
)
def test_login_email_is_case_insensitive(make_user, auth, client, typed):
    make_user("alice", "alice@example.com")

    response = auth.login(email=typed)

    assert response.status_code == 302
    assert is_logged_in(client)


def test_login_gives_one_message_for_unknown_email_and_wrong_password(make_user, auth, client):
    make_user("alice", "alice@example.com")

    unknown = auth.login(email="nobody@example.com", password=PASSWORD)
    wrong = auth.login(email="alice@example.com", password="not the password")

    assert unknown.status_code == wrong.status_code == 200
    assert flashes(unknown) == flashes(wrong) == [("danger", LOGIN_FAILED)]

    def without_details(response, email):
        text = page_text(response).replace(email, "EMAIL")
        return without_csrf_tokens(text)

    assert without_details(unknown, "nobody@example.com") == without_details(
        wrong, "alice@example.com"
    )
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    ("email", "password"),
    [("", PASSWORD), ("alice@example.com", ""), ("a" * 300 + "@example.com", PASSWORD)],
    ids=["no-email", "no-password", "overlong-email"],
)
def test_login_with_missing_or_overlong_fields_shows_form_errors(
    make_user, auth, client, email, password
):
    make_user("alice")

    response = auth.login(email=email, password=password)

    assert response.status_code == 200
    assert field_errors(response, "email" if email != "alice@example.com" else "password")
    assert not is_logged_in(client)


def test_login_refuses_a_129_character_password_as_a_form_error(make_user, auth, client):
    make_user("alice")

    response = auth.login(password="p" * 129)

    assert response.status_code == 200
    assert field_errors(response, "password") == ["Field cannot be longer than 128 characters."]
    assert not is_logged_in(client)


def test_login_without_csrf_token_is_refused(make_user, client):
    make_user("alice")

    response = client.post("/login", data={"email": "alice@example.com", "password": PASSWORD})

    assert response.status_code == 400
    assert CSRF_FAILED in page_text(response)
    assert not is_logged_in(client)


def test_remember_me_sets_a_remember_cookie_that_outlives_the_session(make_user, auth, client):
    make_user("alice")

    response = auth.login(remember=True)

    assert any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token", domain="flaskblog.test") is not None
    client.delete_cookie("session", domain="flaskblog.test")  # the browser was closed
    assert is_logged_in(client)


def test_login_without_remember_me_sets_no_remember_cookie(make_user, auth, client):
    make_user("alice")

    response = auth.login(remember=False)

    assert not any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token", domain="flaskblog.test") is None
    assert is_logged_in(client)
    client.delete_cookie("session", domain="flaskblog.test")
    assert not is_logged_in(client)


@pytest.mark.parametrize(
    ("query", "destination"),
    [
        ("next=/account", "/account"),
        ("next=%2Faccount", "/account"),
        ("next=/post/new%3Fx%3D1", "/post/new?x=1"),
        ("next=%2Fpost%2Fnew%3Fx%3D1", "/post/new?x=1"),
        ("next=/user/alice", "/user/alice"),
    ],
)
def test_login_follows_next_to_a_page_of_this_site(make_user, forms, query, destination):
    make_user("alice")

    response = forms.submit(f"/login?{query}", {"email": "alice@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == destination


@pytest.mark.parametrize(
    "query",
    [
        "next=https://evil.example",
        "next=https%3A%2F%2Fevil.example%2Faccount",
        "next=//evil.example",
        "next=%2F%2Fevil.example",
        "next=///evil.example",
        "next=/\\evil.example",
        "next=/%5Cevil.example",
        "next=%2F%5Cevil.example",
        "next=/%5C/evil.example",
        "next=/%09/evil.example",
        "next=%2F%09%2Fevil.example",
        "next=/%0A/evil.example",
        "next=/%0D%0A/evil.example",
        "next=%20//evil.example",
        "next=javascript:alert(1)",
        "next=javascript%3Aalert%281%29",
        "next=JaVaScRiPt:alert(1)",
        "next=http:evil.example",
        "next=http%3Aevil.example",
        "next=%252F%252Fevil.example",
        "next=evil.example",
        "next=",
    ],
)
def test_login_refuses_next_that_leaves_the_site_and_goes_home(make_user, forms, client, query):
    make_user("alice")

    response = forms.submit(f"/login?{query}", {"email": "alice@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] in HOME
    assert is_logged_in(client)


def test_failed_login_does_not_follow_next(make_user, forms):
    make_user("alice")

    response = forms.submit(
        "/login?next=/account", {"email": "alice@example.com", "password": "wrong password"}
    )

    assert response.status_code == 200
    assert ("danger", LOGIN_FAILED) in flashes(response)


@pytest.mark.parametrize(
    ("page", "login_url"),
    [("/account", "/login?next=%2Faccount"), ("/post/new", "/login?next=%2Fpost%2Fnew")],
)
def test_anonymous_users_are_sent_to_login_and_back(make_user, client, forms, page, login_url):
    make_user("alice")

    response = client.get(page)

    assert response.status_code == 302
    assert response.headers["Location"] == login_url
    login_page = client.get(login_url)
    assert ("info", "Please log in to see that page.") in flashes(login_page)
    logged_in = forms.submit(login_url, {"email": "alice@example.com", "password": PASSWORD})
    assert logged_in.headers["Location"] == page
    assert client.get(page).status_code == 200


# --- Log out --------------------------------------------------------------------------------


def test_logout_by_get_is_not_allowed_and_keeps_the_user_logged_in(auth, client):
    auth.sign_up()
    auth.login()

    response = client.get("/logout")

    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "Method not allowed" in page_text(response)
    assert is_logged_in(client)


def test_logout_without_csrf_token_is_refused_and_keeps_the_user_logged_in(auth, client):
    auth.sign_up()
    auth.login()

    response = client.post("/logout")

    assert response.status_code == 400
    assert CSRF_FAILED in page_text(response)
    assert is_logged_in(client)


def test_logout_with_the_navigation_button_logs_out(auth, client):
    auth.sign_up()
    auth.login(remember=True)
    home = page_text(client.get("/"))
    assert 'action="/logout"' in home

    response = auth.logout()

    assert response.status_code == 302
    assert response.headers["Location"] in HOME
    home = client.get("/")
    assert ("info", "You have been logged out.") in flashes(home)
    assert "Log in" in page_text(home)
    assert not is_logged_in(client)
    assert client.get_cookie("remember_token", domain="flaskblog.test") is None


# --- In the reader's language ---------------------------------------------------------------


def test_a_failed_login_says_so_in_the_visitors_language(make_user, forms):
    make_user("alice", "alice@example.com")

    response = forms.submit(
        "/login",
        {"email": "alice@example.com", "password": "not the password"},
        headers={"Accept-Language": "de-DE,de;q=0.9"},
    )

    assert response.status_code == 200
    assert (
        "danger",
        "Anmeldung fehlgeschlagen. Bitte prüfe deine E-Mail-Adresse und dein Passwort. "
        "Wenn du dich gerade registriert hast, öffne zuerst den Link, den wir dir per "
        "E-Mail geschickt haben.",
    ) in flashes(response)
    assert "<h1>Anmelden</h1>" in page_text(response)


def test_a_new_account_keeps_the_language_it_signed_up_in_and_is_welcomed_in_it(app, forms):
    with mail.record_messages() as outbox:
        forms.submit("/register", register_form(), headers={"Accept-Language": "es"})

    with app.app_context():
        assert User.by_username("alice").language == "es"
    [welcome] = outbox
    assert welcome.subject == "Confirma tu dirección de correo de flaskblog"
    assert welcome.body.startswith("Hola, alice:")
    assert "¡Te damos la bienvenida a flaskblog!" in welcome.body
