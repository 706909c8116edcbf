"""`flask users ...`: admins are made, promoted, disabled, enabled and listed from the shell,
with the sign-up page's rules and clear errors."""

import re

import pytest

from flaskblog.extensions import db
from flaskblog.models import ApiToken, User, UserSession
from tests.helpers.api import bearer, get_token
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import AuthActions, Forms, page_text

NEW_PASSWORD = "a long admin passphrase"


@pytest.fixture
def users(app):
    """`users("list")` runs `flask users list`; `input=` answers its prompts."""
    runner = app.test_cli_runner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(args=["users", *args], input=input)

    return run


def get_user(app, username: str) -> User | None:
    """The user as the database holds it now (detached: read its columns only)."""
    with app.app_context():
        user = User.by_username(username)
        if user is not None:
            db.session.expunge(user)
        return user


def user_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(db.select(User)).all())


def browser(app) -> AuthActions:
    client = app.test_client()
    return AuthActions(client, Forms(client))


def is_logged_in(actions: AuthActions) -> bool:
    return "Log out" in page_text(actions.client.get("/about"))


def answers(*lines: str) -> str:
    return "".join(f"{line}\n" for line in lines)


# --- create-admin ---------------------------------------------------------------------------


def test_create_admin_asks_for_a_username_and_a_hidden_password(app, users):
    result = users(
        "create-admin", "boss@example.com", input=answers("boss", NEW_PASSWORD, NEW_PASSWORD)
    )

    assert result.exit_code == 0, result.output
    assert "Username:" in result.output
    assert "Password:" in result.output and "Repeat for confirmation:" in result.output
    assert NEW_PASSWORD not in result.output  # not echoed
    assert "Created admin boss <boss@example.com>." in result.output
    boss = get_user(app, "boss")
    assert boss.email == "boss@example.com"
    assert boss.is_admin and boss.is_confirmed and boss.is_active
    with app.app_context():
        assert User.authenticate("boss@example.com", NEW_PASSWORD) is not None


def test_the_new_admin_can_log_in_and_moderate(app, users, make_user):
    make_user("bob")
    users("create-admin", "boss@example.com", "--username", "boss", input=answers(PASSWORD) * 2)
    boss = browser(app)

    assert boss.login("boss@example.com").status_code == 302
    assert 'action="/user/bob/disable"' in boss.client.get("/user/bob").get_data(as_text=True)


def test_create_admin_takes_the_username_as_an_option(app, users):
    result = users(
        "create-admin",
        "Boss@Example.COM",
        "--username",
        " Boss ",
        input=answers(NEW_PASSWORD, NEW_PASSWORD),
    )

    assert result.exit_code == 0, result.output
    assert "Username:" not in result.output
    boss = get_user(app, "boss")
    assert (boss.username, boss.email) == ("Boss", "boss@example.com")


def test_a_bad_username_at_the_prompt_is_asked_again(app, users):
    result = users(
        "create-admin",
        "boss@example.com",
        input=answers("no spaces allowed", "boss", NEW_PASSWORD, NEW_PASSWORD),
    )

    assert result.exit_code == 0, result.output
    assert result.output.count("Username:") == 2
    assert "Use only letters, digits, '_', '.' and '-'" in result.output
    assert get_user(app, "boss") is not None


def test_a_short_or_mismatched_password_is_asked_again(app, users):
    result = users(
        "create-admin",
        "boss@example.com",
        "--username",
        "boss",
        input=answers("short", NEW_PASSWORD, "something else", NEW_PASSWORD, NEW_PASSWORD),
    )

    assert result.exit_code == 0, result.output
    assert "Field must be between 8 and 128 characters long." in result.output
    assert "The two entered values do not match." in result.output
    assert result.output.count("Password:") == 3
    with app.app_context():
        assert User.authenticate("boss@example.com", NEW_PASSWORD) is not None


def test_create_admin_stops_when_the_input_ends(app, users):
    result = users("create-admin", "boss@example.com", input=answers("boss", NEW_PASSWORD))

    assert result.exit_code == 1
    assert "Aborted" in result.output
    assert user_count(app) == 0


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "Invalid email address."),
        ("ALICE@example.com", "That email is already registered."),
        ("a" * 250 + "@example.com", "Field cannot be longer than 254 characters."),
    ],
)
def test_create_admin_refuses_a_bad_or_taken_email_before_asking_anything(
    app, users, make_user, email, message
):
    make_user("alice")

    result = users("create-admin", email, input=answers("boss", NEW_PASSWORD, NEW_PASSWORD))

    assert result.exit_code == 2
    assert f"Invalid value for 'EMAIL': {message}" in result.output
    assert "Username:" not in result.output
    assert user_count(app) == 1


@pytest.mark.parametrize("username", ["alice", "ALICE", "x", "x" * 21, "...", "semi;colon"])
def test_create_admin_refuses_a_username_sign_up_would_refuse(app, users, make_user, username):
    make_user("alice")

    result = users(
        "create-admin",
        "boss@example.com",
        "--username",
        username,
        input=answers(NEW_PASSWORD, NEW_PASSWORD),
    )

    assert result.exit_code == 2
    assert "Invalid value for '--username'" in result.output
    assert user_count(app) == 1


@pytest.mark.parametrize(
    "password", ["short", "x" * 129, "password", "12345678", "qwertyuiop", NEW_PASSWORD]
)
def test_create_admin_and_sign_up_agree_on_passwords(app, users, password):
    visitor = browser(app)
    signed_up = visitor.register("carol", "carol@example.com", password).status_code == 302

    result = users(
        "create-admin", "boss@example.com", "--username", "boss", input=answers(password) * 2
    )

    created = result.exit_code == 0
    assert created is signed_up, result.output
    if not created:
        assert "Error:" in result.output and get_user(app, "boss") is None


# --- promote, disable, enable -----------------------------------------------------------------


def test_promote_makes_a_user_an_admin(app, users, make_user):
    make_user("bob")

    result = users("promote", "BOB")

    assert result.exit_code == 0
    assert "bob is now an admin." in result.output
    assert get_user(app, "bob").is_admin


def test_promoting_an_admin_says_so(app, users, make_user):
    make_user("boss", admin=True)

    result = users("promote", "boss")

    assert result.exit_code == 0
    assert "boss is already an admin." in result.output


def test_disable_ends_every_login_of_the_user(app, users, make_user):
    make_user("bob")
    phone, laptop = browser(app), browser(app)
    phone.login("bob@example.com", remember=True)
    laptop.login("bob@example.com")

    result = users("disable", "bob")

    assert result.exit_code == 0
    assert "bob is disabled and logged out everywhere." in result.output
    assert get_user(app, "bob").disabled_at is not None
    assert not is_logged_in(phone) and not is_logged_in(laptop)
    with app.app_context():
        assert db.session.scalars(db.select(UserSession)).all() == []
    assert "This account has been disabled." in page_text(browser(app).login("bob@example.com"))


def test_enable_lets_the_user_log_in_again(app, users, make_user):
    make_user("bob")
    users("disable", "bob")

    result = users("enable", "bob")

    assert result.exit_code == 0
    assert "bob can log in again." in result.output
    assert get_user(app, "bob").disabled_at is None
    bob = browser(app)
    bob.login("bob@example.com")
    assert is_logged_in(bob)


def test_disable_deletes_api_tokens_and_kills_emailed_links_for_good(app, users, make_user):
    bob = make_user("bob")
    token = get_token(app.test_client(), "bob@example.com")
    with app.app_context():
        link = db.session.get(User, bob).get_reset_token()
        assert User.verify_reset_token(link) is not None

    users("disable", "bob")
    users("enable", "bob")

    with app.app_context():
        assert db.session.scalars(db.select(ApiToken)).all() == []
        assert User.verify_reset_token(link) is None
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_disable_and_enable_say_when_there_is_nothing_to_do(users, make_user):
    make_user("bob")

    assert "bob is not disabled." in users("enable", "bob").output
    users("disable", "bob")
    result = users("disable", "bob")
    assert result.exit_code == 0
    assert "bob is already disabled." in result.output


@pytest.mark.parametrize("command", ["promote", "disable", "enable"])
@pytest.mark.parametrize("username", ["nobody", "x" * 300, "' OR 1=1 --"])
def test_an_unknown_user_is_an_error(app, users, make_user, command, username):
    make_user("bob")

    result = users(command, username)

    assert result.exit_code == 1
    assert f"Error: There is no user called {username!r}." in result.output
    bob = get_user(app, "bob")
    assert not bob.is_admin and bob.disabled_at is None


@pytest.mark.parametrize("command", ["promote", "disable", "enable"])
def test_a_missing_username_is_a_usage_error(users, command):
    result = users(command)

    assert result.exit_code == 2
    assert "Missing argument 'USERNAME'" in result.output


# --- list -----------------------------------------------------------------------------------


def test_list_shows_every_user_with_flags_and_post_counts(app, users, make_user, make_posts):
    alice = make_user("alice")
    make_user("boss", admin=True)
    make_user("newbie", confirmed=False)
    make_posts(alice, 2)
    make_posts(alice, 1, published=False)
    users("disable", "newbie")

    result = users("list")

    assert result.exit_code == 0
    rows = [re.split(r"\s{2,}", line.strip()) for line in result.output.splitlines()]
    assert rows == [
        ["id", "username", "email", "admin", "confirmed", "disabled", "posts"],
        ["1", "alice", "alice@example.com", "no", "yes", "no", "3"],
        ["2", "boss", "boss@example.com", "yes", "yes", "no", "0"],
        ["3", "newbie", "newbie@example.com", "no", "no", "yes", "0"],
    ]
    lines = result.output.splitlines()
    email_columns = {line.index(cells[2]) for line, cells in zip(lines, rows, strict=True)}
    assert len(email_columns) == 1  # the columns line up


def test_list_with_no_users(users):
    result = users("list")

    assert result.exit_code == 0
    assert result.output.strip() == "There are no users yet."


def test_the_commands_are_listed_in_help(users):
    result = users("--help")

    assert result.exit_code == 0
    for command in ("create-admin", "promote", "disable", "enable", "list"):
        assert re.search(rf"^\s+{command}\s", result.output, re.M)
