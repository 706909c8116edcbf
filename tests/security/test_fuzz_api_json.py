"""Fuzzing the API's JSON bodies: any body (any JSON value, nested as deep as the body size
allows, numbers of thousands of digits, long and strange strings, or not JSON at all) on
every operation that reads one gets a 2xx or a 4xx in the API's JSON error format, never
a 500. The testing app lets exceptions through, so a crash fails the test by itself."""

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers.api import basic, bearer, get_token
from tests.helpers.factories import add_posts

FIELDS = ["title", "content", "tags", "published"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=200)
    | st.sampled_from(["", " ", "\x00", "\ud800", "a" * 50_001, "[" * 2_000])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=30,
)
# Mostly bodies shaped like a post, with any value in any field, and sometimes others.
post_shaped = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), values, max_size=5)
json_bodies = (post_shaped | values).map(json.dumps)


@st.composite
def raw_bodies(draw) -> str:
    """Text that json.dumps cannot write: deep nesting, huge numbers, broken JSON."""
    depth = draw(st.integers(1, 120_000))
    digits = draw(st.integers(1, 20_000))
    field = draw(st.sampled_from(FIELDS))
    return draw(
        st.sampled_from(
            [
                "[" * depth + "]" * depth,
                '{"a":' * depth + "1" + "}" * depth,
                f'{{"{field}": {"9" * digits}}}',
                f'{{"{field}": -{"1" * digits}.5e{"9" * min(digits, 400)}}}',
                f'{{"title": "t", "content": "c", "tags": [{"7" * digits}]}}',
                f'{{"{field}": [' * min(depth, 50_000),
                '{"title": "t", "content": "c"' + "," * digits,
            ]
        )
    )


bodies = json_bodies | raw_bodies()


@pytest.fixture
def api_client(app, client, alice):
    """A client with Alice's token, and the id of a post of hers."""
    (post_id,) = add_posts(app, alice, 1)
    return client, get_token(client), post_id


def assert_answered_in_json(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        error = response.get_json()["error"]
        assert set(error) == {"code", "message", "details"}


SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@SETTINGS
@given(body=bodies)
# What the penetration test sent: 100,000 arrays deep (RecursionError), a 5,000-digit
# integer (ValueError: Python's limit on int digits).
@example(body="[" * 100_000 + "]" * 100_000)
@example(body='{"title": ' + "1" * 5_000 + ', "content": "x"}')
@example(body='{"title": "t", "content": "c", "published": ' + "1" * 5_000 + "}")
def test_any_body_on_posts_is_answered_in_json_never_a_crash(api_client, body):
    client, token, post_id = api_client
    for method, url in (("post", "/api/v1/posts"), ("patch", f"/api/v1/posts/{post_id}")):
        response = client.open(
            url, method=method, data=body, content_type="application/json", headers=bearer(token)
        )
        assert_answered_in_json(response)


@settings(SETTINGS, max_examples=25)
@given(body=bodies)
@example(body="[" * 100_000 + "]" * 100_000)
def test_any_body_on_tokens_is_answered_in_json_never_a_crash(api_client, body):
    client, _, _ = api_client
    response = client.post(
        "/api/v1/tokens",
        data=body,
        content_type="application/json",
        headers=basic("alice@example.com"),
    )

    assert_answered_in_json(response)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "The JSON body is nested too deeply."),
        ('{"title": ' + "1" * 5_000 + "}", "A number in the JSON body has too many digits."),
    ],
    ids=["nested-100000-deep", "integer-of-5000-digits"],
)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_an_unreadable_json_body_is_a_400_that_says_why(api_client, body, message, method):
    client, token, post_id = api_client
    url = "/api/v1/posts" if method == "post" else f"/api/v1/posts/{post_id}"

    response = client.open(
        url, method=method, data=body, content_type="application/json", headers=bearer(token)
    )

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert response.get_json()["error"]["details"] == {"json": [message]}
