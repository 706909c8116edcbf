"""Calling the JSON API from the tests: tokens, headers and the error body."""

import base64
from datetime import UTC, datetime, timedelta

from tests.helpers.factories import PASSWORD


def basic(email: str, password: str = PASSWORD) -> dict:
    """The Authorization header of HTTP Basic with this email address and password."""
    pair = base64.b64encode(f"{email}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def get_token(client, email: str = "alice@example.com", password: str = PASSWORD) -> str:
    """A fresh token, got the way a client gets one."""
    response = client.post("/api/v1/tokens", headers=basic(email, password))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def error_of(response) -> dict:
    """The `error` object of an API error, checked to have the documented shape."""
    assert response.content_type == "application/json", response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert isinstance(body["error"]["details"], dict)
    return body["error"]


def schedulable(body):
    """A generated body as the document's words (not its schema) require: a `publish_at`
    lies in the future (a day from now), and does not come with `"published": false`. The
    same rule as .ci/api_check_hooks.py's map_body."""
    if not isinstance(body, dict) or not isinstance(body.get("publish_at"), str):
        return body
    try:
        datetime.fromisoformat(body["publish_at"])
    except ValueError:
        return body  # not a date-time: refused as it should be
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = {**body, "publish_at": future}
    if body.get("published") is False:
        del body["published"]
    return body
