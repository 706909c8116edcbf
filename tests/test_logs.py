"""The request log: one line per request with method, path, status, duration, user and
request id; the X-Request-ID header kept when sane and echoed; JSON in production and text
in development; a traceback written once; no password, cookie or token ever written."""

import json
import logging
import re

import pytest

from config import CannotStart, DevelopmentConfig, ProductionConfig
from flaskblog.extensions import db
from flaskblog.models import User
from tests.helpers import factories
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import Forms

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def request_lines(caplog):
    """`request_lines()`: the fields of every request line logged so far."""
    caplog.set_level(logging.DEBUG, logger="flaskblog")
    return lambda: [r.fields for r in caplog.records if r.name == "flaskblog.request"]


def json_lines(text: str) -> list[dict]:
    """The JSON lines among the captured output."""
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_each_request_writes_one_line_with_what_an_operator_needs(client, request_lines):
    response = client.get("/about", headers={"X-Request-ID": "req-1234"})

    [line] = request_lines()
    assert line["method"] == "GET"
    assert line["path"] == "/about"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and 0 <= line["duration_ms"] < 10_000
    assert line["user_id"] is None
    assert line["request_id"] == "req-1234" == response.headers["X-Request-ID"]


def test_the_line_names_the_logged_in_user(make_user, auth, client, request_lines, app):
    alice = make_user("alice")
    auth.login()

    client.get("/account")

    assert request_lines()[-1]["path"] == "/account"
    assert request_lines()[-1]["user_id"] == alice


def test_errors_get_their_line_too(client, request_lines):
    client.get("/no/such/page")
    client.post("/about")

    assert [(line["path"], line["status"]) for line in request_lines()] == [
        ("/no/such/page", 404),
        ("/about", 405),
    ]


def test_without_a_request_id_one_is_generated_and_echoed(client, request_lines):
    first = client.get("/about")
    second = client.get("/about")

    ids = [line["request_id"] for line in request_lines()]
    assert ids == [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(GENERATED_ID.fullmatch(value) for value in ids)
    assert ids[0] != ids[1]


@pytest.mark.parametrize(
    "header",
    [
        "x" * 201,  # too long
        "abc def",  # a space would split the text line
        '"},{"forged":"yes',  # JSON and quote characters
        "<script>alert(1)</script>",
        "",
    ],
)
def test_an_unsafe_request_id_is_replaced(client, request_lines, header):
    response = client.get("/about", headers={"X-Request-ID": header})

    [line] = request_lines()
    assert GENERATED_ID.fullmatch(response.headers["X-Request-ID"])
    assert line["request_id"] == response.headers["X-Request-ID"]


def test_a_router_uuid_is_kept(client):
    router_id = "0b4f7f6e-2c9a-4d7e-9b1e-6d1a2f3c4b5a"

    assert client.get("/", headers={"X-Request-ID": router_id}).headers["X-Request-ID"] == router_id


def test_security_events_carry_the_request_id(make_user, forms, request_lines, caplog):
    make_user("alice")

    response = forms.submit("/login", {"email": "alice@example.com", "password": "wrong"})

    [event] = [json.loads(r.getMessage()) for r in caplog.records if r.name == "flaskblog.security"]
    assert event["event"] == "login_failed"
    assert event["request_id"] == request_lines()[-1]["request_id"]
    assert event["request_id"] == response.headers["X-Request-ID"]


# --- Formats --------------------------------------------------------------------------------


def test_json_format_writes_one_object_per_line(build_app, capsys):
    app = build_app(LOG_FORMAT="json")
    capsys.readouterr()

    response = app.test_client().get("/about?page=2", headers={"X-Request-ID": "abc-123"})

    [line] = json_lines(capsys.readouterr().err)
    assert line["logger"] == "flaskblog.request"
    assert line["level"] == "INFO"
    assert line["time"].endswith("+00:00")
    assert {k: line[k] for k in ("method", "path", "status", "user_id", "request_id")} == {
        "method": "GET",
        "path": "/about",  # never the query string, which may hold anything
        "status": 200,
        "user_id": None,
        "request_id": "abc-123",
    }
    assert response.headers["X-Request-ID"] == "abc-123"


def test_json_format_writes_security_events_as_objects_not_strings(build_app, capsys):
    app = build_app(LOG_FORMAT="json")
    Forms(app.test_client()).submit("/login", {"email": "x@example.com", "password": "wrong"})

    lines = json_lines(capsys.readouterr().err)

    [event] = [line for line in lines if line["logger"] == "flaskblog.security"]
    [request] = [
        line for line in lines if line["logger"] == "flaskblog.request" and line["method"] == "POST"
    ]
    assert event["event"] == "login_failed"
    assert event["level"] == "WARNING"
    assert event["request_id"] == request["request_id"]
    assert "message" not in event  # the fields themselves, not JSON inside a string


def test_text_format_is_one_readable_line(build_app, capsys):
    app = build_app(LOG_FORMAT="text")

    app.test_client().get("/about", headers={"X-Request-ID": "abc-123"})

    [line] = [text for text in capsys.readouterr().err.splitlines() if "flaskblog.request" in text]
    assert re.search(
        r" INFO \[abc-123\] flaskblog\.request: GET /about 200 [\d.]+ms user=None$", line
    )


def test_production_logs_json_and_development_text(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)

    assert ProductionConfig().LOG_FORMAT == "json"
    assert DevelopmentConfig().LOG_FORMAT == "text"


def test_an_unknown_log_format_stops_the_app(build_app):
    with pytest.raises(CannotStart, match="LOG_FORMAT must be json or text"):
        build_app(LOG_FORMAT="xml")


# --- Exceptions ---------------------------------------------------------------------------


def test_an_exception_is_logged_once_with_its_traceback_and_request_id(build_app, capsys, caplog):
    app = build_app(LOG_FORMAT="json", PROPAGATE_EXCEPTIONS=False)

    def explode():
        raise RuntimeError("boom")

    app.add_url_rule("/explode", view_func=explode)
    capsys.readouterr()

    response = app.test_client().get("/explode", headers={"X-Request-ID": "trace-me"})

    assert response.status_code == 500
    assert "boom" not in response.get_data(as_text=True)
    err = capsys.readouterr().err
    assert err.count("Traceback") == 1
    assert err.count("RuntimeError: boom") == 1
    [error] = [line for line in json_lines(err) if "exception" in line]
    assert error["level"] == "ERROR"
    assert error["request_id"] == "trace-me"
    assert "RuntimeError: boom" in error["exception"]
    [request] = [line for line in json_lines(err) if line.get("method") == "GET"]
    assert (request["status"], request["request_id"]) == (500, "trace-me")
    assert "exception" not in request
    assert len([r for r in caplog.records if r.exc_info]) == 1


# --- What must never be written ------------------------------------------------------------


def test_no_password_cookie_or_token_reaches_the_log(build_app, capsys, caplog):
    caplog.set_level(logging.DEBUG, logger="flaskblog")
    app = build_app(LOG_FORMAT="json")
    alice_id = factories.make_user(app, confirmed=False)
    with app.app_context():
        alice = db.session.get(User, alice_id)
        reset_token = alice.get_reset_token()
        confirm_token = alice.get_email_token()
    client = app.test_client()
    forms = Forms(client)

    forms.submit("/login", {"email": "alice@example.com", "password": PASSWORD, "remember": "y"})
    client.get("/account")
    fresh = app.test_client()
    Forms(fresh).submit("/login", {"email": "alice@example.com", "password": "a wrong password"})
    fresh.get(f"/reset_password/{reset_token}")
    fresh.get(f"/confirm/{confirm_token}")
    fresh.get("/about", headers={"Authorization": "Bearer some-api-token"})

    written = capsys.readouterr().err + caplog.text
    cookies = [cookie.value for cookie in client._cookies.values()]
    assert cookies, "the login set cookies"
    for secret in [PASSWORD, "a wrong password", reset_token, confirm_token, "some-api-token"]:
        assert secret not in written
    for cookie in cookies:
        assert cookie not in written
    paths = [line["path"] for line in json_lines(written) if "path" in line]
    assert "/reset_password/<token>" in paths
    assert "/confirm/<token>" in paths
    assert "alice@example.com" not in written
