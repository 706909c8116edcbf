"""schemathesis hooks for .ci/api-check: every generated request gets a fresh token, and a
body that schedules a post names a time to come (see before_call).

A fresh one each time, because DELETE /api/v1/tokens (one of the operations under test)
revokes the token it is sent with; POST /api/v1/tokens gets the seeded user's email and
password instead (HTTP Basic). The credentials come from API_CHECK_EMAIL and
API_CHECK_PASSWORD, the server from API_CHECK_BASE.
"""

import base64
import json
import os
import urllib.request
from datetime import UTC, datetime, timedelta

import schemathesis

BASE = os.environ["API_CHECK_BASE"]
BASIC = (
    "Basic "
    + base64.b64encode(
        f"{os.environ['API_CHECK_EMAIL']}:{os.environ['API_CHECK_PASSWORD']}".encode()
    ).decode()
)


@schemathesis.auth(refresh_interval=None)
class FreshToken:
    def get(self, case, context):
        # Our own server, on http://127.0.0.1 (the scheme S310 warns about is fixed here).
        url = f"{BASE}/api/v1/tokens"
        request = urllib.request.Request(url, method="POST", headers={"Authorization": BASIC})  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.load(response)["token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        if case.path == "/api/v1/tokens" and case.method.upper() == "POST":
            case.headers["Authorization"] = BASIC
        else:
            case.headers["Authorization"] = f"Bearer {data}"


def schedulable(body):
    """A `publish_at` must lie in the future and not come with `"published": false`, which
    the document says in words only: a readable one is moved to a day from now (an
    unreadable one is left to be refused). As tests/helpers/api.py's schedulable."""
    if not isinstance(body, dict) or not isinstance(body.get("publish_at"), str):
        return body
    try:
        datetime.fromisoformat(body["publish_at"])
    except ValueError:
        return body
    body = {**body, "publish_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()}
    if body.get("published") is False:
        del body["published"]
    return body


@schemathesis.hook
def before_call(context, case, kwargs):
    # Before every call, in every phase (examples and coverage too, which map_body misses).
    body = schedulable(case.body)
    if body is not case.body:  # set only when changed: setting it re-encodes a multipart body
        case.body = body
