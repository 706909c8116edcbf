"""schemathesis in-process: requests generated from /api/v1/openapi.json, with a fresh
token each, must pass every check of schemathesis: never a 5xx nor a response that breaks
the document, invalid requests refused, valid ones accepted. (.ci/api-check
runs the same against gunicorn, with more examples.)"""

from collections import Counter
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

import config
from flaskblog import create_app
from tests.helpers.api import basic, get_token
from tests.helpers.factories import add_posts_and_a_draft, add_revisions

# Operations that must succeed at least once among the generated requests.
SUCCEEDS = {
    "POST /api/v1/tokens": 201,
    "DELETE /api/v1/tokens": 204,
    "GET /api/v1/me": 200,
    "POST /api/v1/posts": 201,
    "GET /api/v1/posts": 200,
}


@pytest.fixture
def api_app(app, make_user):
    add_posts_and_a_draft(app, make_user("alice"))
    for post_id in (1, 2, 3, 4):
        add_revisions(app, post_id, [datetime(2026, 11, 20, tzinfo=UTC)])
    return app


# A schema can say "a file" but not "a file that decodes as an image": the random bytes
# generated for an upload are refused (400, documented), not the valid data the check expects.
# tests/uploads/test_routes.py uploads real pictures through the API.
NOT_EVERY_VALID_BODY_IS_ACCEPTED = {"POST /api/v1/images": [positive_data_acceptance]}

# The operations, read from the document of an app built for the purpose (no database).
with create_app(config.TestingConfig()).test_client() as reader:
    SPEC = reader.get("/api/v1/openapi.json").get_json()
OPERATIONS = [
    (method.upper(), path)
    for path, item in SPEC["paths"].items()
    for method in item
    if method in ("get", "post", "patch", "delete")
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_api_keeps_to_its_openapi_document(api_app, method, path):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    # Text with NUL is refused (422: PostgreSQL cannot store it), which the document says in
    # words only; so NUL-free strings are the valid ones here.
    schema.config.generation.update(allow_x00=False)
    operation = schema[path][method]
    client = api_app.test_client()
    statuses = Counter()

    @given(case=operation.as_strategy())
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        if path == "/api/v1/tokens" and method == "POST":
            headers = basic("alice@example.com")
        else:
            headers = {"Authorization": f"Bearer {get_token(client)}"}
        # The WSGI transport asks for compressed bodies but cannot decompress zstd itself.
        response = case.call_and_validate(
            headers={**headers, "Accept-Encoding": "identity"},
            excluded_checks=NOT_EVERY_VALID_BODY_IS_ACCEPTED.get(f"{method} {path}"),
        )
        statuses[response.status_code] += 1

    call()

    # Proof that generated requests got through to the view, not only to its refusals.
    if f"{method} {path}" in SUCCEEDS:
        assert statuses[SUCCEEDS[f"{method} {path}"]] > 0, statuses
