"""POST and DELETE /api/v1/tokens: a token for an email address and password, stored only
as a hash, that expires, can be revoked, and is refused to disabled accounts."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from flaskblog.extensions import db
from flaskblog.models import ApiToken, User
from tests.helpers import factories
from tests.helpers.api import basic, bearer, error_of, get_token


def test_a_token_for_the_right_password(app, client, alice):
    before = datetime.now(UTC)

    response = client.post("/api/v1/tokens", headers=basic("alice@example.com"))

    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(seconds=3590) < expires_at < before + timedelta(seconds=3700)
    assert client.get("/api/v1/me", headers=bearer(body["token"])).status_code == 200


def test_the_token_is_stored_only_as_its_sha256(app, client, alice):
    token = get_token(client)

    with app.app_context():
        (row,) = db.session.scalars(db.select(ApiToken)).all()
        assert row.id == hashlib.sha256(token.encode()).hexdigest()
        assert token not in repr(db.session.execute(db.select(ApiToken.__table__)).all())
        assert row.user_id == alice


def test_api_token_ttl_sets_the_lifetime(build_app, make_user):
    app = build_app(API_TOKEN_TTL=60)
    factories.make_user(app, "carol")
    client = app.test_client()

    expires_at = client.post("/api/v1/tokens", headers=basic("carol@example.com")).get_json()[
        "expires_at"
    ]

    left = datetime.fromisoformat(expires_at) - datetime.now(UTC)
    assert timedelta(seconds=50) < left <= timedelta(seconds=60)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("alice@example.com", "wrong password"),
        basic("nobody@example.com"),
        {"Authorization": "Basic not-base64!"},
        {"Authorization": "Bearer something"},
    ],
    ids=["none", "wrong password", "unknown email", "garbled", "bearer instead"],
)
def test_no_token_without_the_right_email_and_password(app, client, alice, headers):
    response = client.post("/api/v1/tokens", headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert error_of(response)["code"] == "unauthorized"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0


def test_the_email_address_is_matched_without_regard_to_case(client, alice):
    response = client.post("/api/v1/tokens", headers=basic("Alice@Example.COM"))

    assert response.status_code == 201


def test_a_disabled_account_gets_no_token(app, client, alice):
    with app.app_context():
        db.session.get(User, alice).disable()
        db.session.commit()

    response = client.post("/api/v1/tokens", headers=basic("alice@example.com"))

    assert response.status_code == 401
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0


def test_disabling_an_account_stops_its_tokens_at_once(app, client, alice):
    token = get_token(client)
    with app.app_context():
        db.session.get(User, alice).disable()
        db.session.commit()

    response = client.get("/api/v1/me", headers=bearer(token))

    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_new_password_ends_every_token(app, client, alice):
    token = get_token(client)
    with app.app_context():
        db.session.get(User, alice).set_password("a brand new password")
        db.session.commit()

    response = client.get("/api/v1/me", headers=bearer(token))

    assert response.status_code == 401
    assert get_token(client, password="a brand new password")


def test_an_expired_token_is_refused(app, client, alice):
    token = get_token(client)
    with app.app_context():
        row = db.session.get(ApiToken, ApiToken.hash(token))
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()

    response = client.get("/api/v1/me", headers=bearer(token))

    assert response.status_code == 401
    assert error_of(response)["message"] == "The token is invalid or has expired."


def test_expired_tokens_are_cleared_when_a_new_one_is_issued(app, client, alice):
    old = get_token(client)
    with app.app_context():
        db.session.get(ApiToken, ApiToken.hash(old)).expires_at = datetime.now(UTC)
        db.session.commit()

    new = get_token(client)

    with app.app_context():
        assert db.session.scalars(db.select(ApiToken.id)).all() == [ApiToken.hash(new)]


def test_delete_revokes_the_token_in_use_and_only_that_one(app, client, alice):
    kept, revoked = get_token(client), get_token(client)

    response = client.delete("/api/v1/tokens", headers=bearer(revoked))

    assert response.status_code == 204
    assert response.get_data() == b""
    assert client.get("/api/v1/me", headers=bearer(revoked)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(kept)).status_code == 200


def test_delete_needs_a_token(client, alice):
    response = client.delete("/api/v1/tokens")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="flaskblog API"'
    assert error_of(response)["code"] == "unauthorized"


def test_tokens_go_with_their_user(app, client, alice):
    get_token(client)

    with app.app_context():
        db.session.delete(db.session.get(User, alice))
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0


def test_token_requests_are_rate_limited_per_account(build_app):
    app = build_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    statuses = [
        client.post("/api/v1/tokens", headers=basic("victim@example.com", "guess")).status_code
        for _ in range(6)
    ]

    assert statuses == [401] * 5 + [429]
    response = client.post("/api/v1/tokens", headers=basic("victim@example.com", "guess"))
    error = error_of(response)
    assert error["code"] == "rate_limited"
    assert "Retry-After" in response.headers
    assert "try again in" in error["message"]
