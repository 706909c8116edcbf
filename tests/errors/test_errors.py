"""Error pages: every HTTP error in the site's layout with its own status, no stack traces,
and a 500 that leaves the database session clean."""

import io

import psycopg
import pytest
from flask_login import current_user
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from config import BASE_DIR, ProductionConfig
from config import TestingConfig as Settings  # not collected as a test class
from flaskblog import create_app
from flaskblog.extensions import db
from flaskblog.models import Post, User, utcnow
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import csrf_token_from
from tests.helpers.services import free_port

NAV = '<nav class="nav container" aria-label="Main">'
# What a stack trace or an error message from the code would show.
LEAKS = (str(BASE_DIR), "site-packages", 'File "', "Traceback", ".py")


def assert_error_page(response, code: int, title: str) -> str:
    """The response is the site's error page for `code`; returns its HTML."""
    assert response.status_code == code
    assert response.content_type == "text/html; charset=utf-8"
    html = response.get_data(as_text=True)
    assert NAV in html
    assert f'<p class="error-page__code">{code}</p>' in html
    assert f"<h1>{title}</h1>" in html
    assert "Traceback" not in html
    return html


def test_csrf_failure_is_a_400_page(client):
    response = client.post("/login", data={"email": "a@example.com", "password": "x"})

    html = assert_error_page(response, 400, "Bad request")
    assert "The form had expired or was sent from elsewhere." in html


def test_someone_elses_post_is_a_403_page(client, auth, make_user, make_posts):
    alice = make_user("alice")
    (post_id,) = make_posts(alice)
    make_user("bob")
    auth.login("bob@example.com")

    response = client.get(f"/post/{post_id}/update")

    html = assert_error_page(response, 403, "Forbidden")
    assert "Log out" in html  # the visitor stays logged in, and the nav says so


def test_unknown_page_is_a_404_page(client):
    html = assert_error_page(client.get("/no/such/page"), 404, "Page not found")

    assert "That page does not exist." in html


def test_wrong_method_is_a_405_page_that_keeps_the_allow_header(client):
    response = client.get("/logout")

    assert_error_page(response, 405, "Method not allowed")
    assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}


def test_oversized_upload_is_a_413_page(app, client, auth, make_user):
    make_user("alice")
    auth.login()
    token = csrf_token_from(client.get("/account"))
    picture = io.BytesIO(b"\xff" * (app.config["MAX_CONTENT_LENGTH"] + 1))

    response = client.post(
        "/account",
        data={
            "csrf_token": token,
            "username": "alice",
            "email": "alice@example.com",
            "picture": (picture, "huge.jpg"),
        },
    )

    html = assert_error_page(response, 413, "Too large")
    assert "Pictures may be at most 5 MB." in html
    with app.app_context():
        assert db.session.get(User, 1).avatar is None


# 500: a view that fails after touching the database


@pytest.fixture
def failing_app(build_app):
    """A testing app that handles errors like production and has two broken views."""
    app = build_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/broken/after-adding-a-post")
    def add_a_post_then_fail():
        user = db.session.scalar(db.select(User))
        db.session.add(Post(title="Half-written", content="never committed", author=user))
        db.session.flush()
        raise RuntimeError("secret detail of the failure")

    @app.route("/broken/failed-flush")
    def fail_inside_the_database():
        # Clashes with an existing username: the flush fails and the session needs a rollback.
        db.session.add(User(username="ALICE", email="clash@example.com", password_hash="x"))
        db.session.flush()

    return app


@pytest.fixture
def failing_client(failing_app):
    with failing_app.app_context():
        alice = User(username="alice", email="alice@example.com", confirmed_at=utcnow())
        alice.set_password(PASSWORD)
        db.session.add(alice)
        db.session.commit()
    return failing_app.test_client()


def test_unexpected_error_is_a_500_page_without_a_traceback(failing_app, failing_client):
    response = failing_client.get("/broken/after-adding-a-post")

    html = assert_error_page(response, 500, "Something went wrong")
    assert "RuntimeError" not in html
    assert "secret detail" not in html
    assert "add_a_post_then_fail" not in html


def test_500_rolls_back_what_the_failed_request_wrote(failing_app, failing_client):
    failing_client.get("/broken/after-adding-a-post")

    with failing_app.app_context():
        assert db.session.scalars(db.select(Post)).all() == []
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_500_page_renders_for_a_logged_in_user_after_a_failed_flush(failing_app, failing_client):
    token = csrf_token_from(failing_client.get("/login"))
    failing_client.post(
        "/login",
        data={"email": "alice@example.com", "password": PASSWORD, "csrf_token": token},
    )

    response = failing_client.get("/broken/failed-flush")

    # Showing who is logged in needs the database, which works only after the rollback.
    html = assert_error_page(response, 500, "Something went wrong")
    assert "Log out" in html
    assert "IntegrityError" not in html
    assert "INSERT" not in html
    with failing_app.app_context():
        usernames = db.session.scalars(db.select(User.username)).all()
    assert usernames == ["alice"]


# Production: nothing about the code, the database or the machine in an error page


@pytest.fixture
def production_client(monkeypatch):
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    monkeypatch.setenv("SERVER_NAME", "blog.example.com")
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    app = create_app(ProductionConfig())

    @app.route("/broken/sql")
    def broken_sql():
        db.session.execute(text("SELECT secret_column FROM no_such_table"))

    with app.app_context():
        db.create_all()
    yield app.test_client()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("url", "code", "title"),
    [
        ("/broken/sql", 500, "Something went wrong"),
        ("/no/such/page", 404, "Page not found"),
        ("/post/99999999999999999999", 404, "Page not found"),
        ("/?page=abc", 404, "Page not found"),
        ("/logout", 405, "Method not allowed"),
    ],
)
def test_production_error_pages_leak_nothing(production_client, caplog, url, code, title):
    response = production_client.get(url)

    html = assert_error_page(response, code, title)
    for leak in (*LEAKS, "no_such_table", "secret_column", "SELECT", "sqlalchemy"):
        assert leak not in html
    if code == 500:
        # The details go to the log, where the operator can read them.
        assert "no_such_table" in caplog.text


def test_production_csrf_failure_is_a_400_page(production_client):
    response = production_client.post("/login", data={"email": "a@example.com", "password": "x"})

    assert_error_page(response, 400, "Bad request")


# The database restarting: a fast 503 that says to try again, never a 500 or a hang


@pytest.fixture
def database_down():
    """The app on a PostgreSQL server that refuses connections (one restarting)."""
    settings = Settings()
    settings.PROPAGATE_EXCEPTIONS = False
    settings.SQLALCHEMY_DATABASE_URI = f"postgresql+psycopg://blog@127.0.0.1:{free_port()}/blog"
    return create_app(settings)


def test_while_the_database_is_down_pages_are_a_503_that_says_to_retry(database_down, caplog):
    client = database_down.test_client()

    answers = [client.get(url) for url in ("/", "/post/1", "/user/alice", "/tag/news")]

    for response in answers:
        html = assert_error_page(response, 503, "Briefly unavailable")
        assert "try again in a few seconds" in html
        assert response.headers["Retry-After"] == "5"
        for leak in (*LEAKS, "psycopg", "127.0.0.1", "Connection refused"):
            assert leak not in html
    lines = [r for r in caplog.records if r.name == "flaskblog.database"]
    assert len(lines) == 1  # one line for the outage, not one per request
    assert not any(r.exc_info for r in caplog.records)


def test_while_the_database_is_down_the_api_answers_503_in_json(database_down):
    response = database_down.test_client().get("/api/v1/posts")

    assert response.status_code == 503
    assert response.is_json
    assert response.headers["Retry-After"] == "5"


def test_a_logged_in_reader_gets_the_503_page_when_the_database_goes_away(
    failing_app, failing_client
):
    def refuse(*args, **kwargs):
        raise OperationalError("SELECT", {}, psycopg.OperationalError("connection refused"))

    @failing_app.route("/broken/database-gone")
    def database_gone():
        # From here on every statement fails, as when PostgreSQL restarts mid-request; the
        # logged-in user's row has to be read again (expired), as after a rollback.
        db.session.expire(current_user._get_current_object())
        event.listen(db.engine, "before_cursor_execute", refuse)
        db.session.execute(text("SELECT 1"))

    token = csrf_token_from(failing_client.get("/login"))
    failing_client.post(
        "/login", data={"email": "alice@example.com", "password": PASSWORD, "csrf_token": token}
    )
    try:
        response = failing_client.get("/broken/database-gone")
    finally:
        with failing_app.app_context():
            event.remove(db.engine, "before_cursor_execute", refuse)

    assert_error_page(response, 503, "Briefly unavailable")


# --- In the reader's language ---------------------------------------------------------------


def test_a_404_page_speaks_the_visitors_language(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "de"})

    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert '<html lang="de"' in html
    assert "<h1>Seite nicht gefunden</h1>" in html
    assert "Diese Seite gibt es nicht. Vielleicht wurde sie verschoben oder gelöscht." in html
    assert "Zurück zur Startseite" in html


def test_a_refusal_is_in_the_visitors_language_on_a_page_and_in_english_in_the_api(client):
    german = {"Accept-Language": "de"}

    page = client.get("/?q=%00", headers=german)
    api = client.get("/api/v1/posts?q=%00", headers=german)

    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "<h1>Ungültige Anfrage</h1>" in html
    assert "Die Anfrage enthielt ein NUL-Zeichen, das in keinem Feld erlaubt ist." in html
    assert api.status_code == 400
    assert api.json["error"]["message"] == (
        "The request contained a NUL character, which is not allowed in any field."
    )


def test_a_page_scripts_json_error_is_in_its_readers_language(client):
    german = {"Accept-Language": "de"}

    # The passkey login's script reads this answer and shows its message.
    refused = client.post("/login/passkey", json={}, headers=german)

    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "bad_request"
    assert refused.json["error"]["message"].startswith("Das Formular war abgelaufen")
