"""Private pages kept by a cache: a proxy, a CDN or the browser of a shared computer keeps
a copy of what was for one person (their account page, their export, their drafts, an API
token) and hands it to the next one. Every response to a logged-in user, to a request with
credentials or a token, or that sets a cookie says `Cache-Control: no-store`, found by
walking the URL map; only a view that knows better (a file named by its content) says
otherwise."""

import pytest

from tests.helpers.api import basic, bearer, get_token
from tests.helpers.attack_surface import (
    ACCESS,
    API_LEVELS,
    PUBLIC,
    all_rules,
    log_in,
    make_world,
    methods_of,
    rule_id,
    sample_url,
)

GET_ROUTES = [rule for rule in all_rules() if "GET" in methods_of(rule)]
WEB_ROUTES = [rule for rule in GET_ROUTES if not rule.rule.startswith("/api/")]
API_ROUTES = [rule for rule in GET_ROUTES if rule.rule.startswith("/api/")]
# Views that set their own Cache-Control: the same bytes for everyone, whoever asks. (The
# API's docs are a page in the reader's layout and language, stored by no cache like the rest.)
SAY_OTHERWISE = {"static", "users.avatar"}


@pytest.fixture
def world(app):
    return make_world(app)


def assert_not_stored(response) -> None:
    assert "no-store" in response.cache_control, (
        f"{response.request.path} answered {response.status_code} with "
        f"Cache-Control: {response.headers.get('Cache-Control')!r}"
    )


@pytest.mark.parametrize("rule", WEB_ROUTES, ids=[rule_id(rule) for rule in WEB_ROUTES])
def test_no_page_a_logged_in_user_sees_is_stored_by_a_cache(client, world, rule):
    log_in(client, "alice@example.com")

    response = client.get(sample_url(rule, world))

    if rule.endpoint in SAY_OTHERWISE and response.status_code == 200:
        assert "no-store" not in response.cache_control
    else:
        assert_not_stored(response)


@pytest.mark.parametrize("rule", API_ROUTES, ids=[rule_id(rule) for rule in API_ROUTES])
def test_no_api_answer_to_a_token_is_stored_by_a_cache(client, world, rule):
    token = get_token(client)

    response = client.get(sample_url(rule, world), headers=bearer(token))

    if rule.endpoint in SAY_OTHERWISE and response.status_code == 200:
        assert "no-store" not in response.cache_control
    else:
        assert_not_stored(response)


def test_the_response_carrying_a_new_token_is_stored_by_no_cache(client, world):
    response = client.post("/api/v1/tokens", headers=basic("alice@example.com"))

    assert response.status_code == 201
    assert_not_stored(response)


@pytest.mark.parametrize("path", ["/account", "/account/export", "/account/sessions", "/drafts"])
def test_the_account_pages_drafts_and_export_are_stored_by_no_cache(client, world, path):
    log_in(client, "alice@example.com")

    response = client.get(path)

    assert response.status_code == 200
    assert_not_stored(response)


def test_a_response_that_sets_a_session_cookie_is_stored_by_no_cache(client, world):
    response = client.get("/login")  # its form's CSRF token starts a session

    assert "Set-Cookie" in response.headers
    assert_not_stored(response)


def test_public_pages_for_visitors_are_left_to_caches(client, world):
    public = [rule for rule in WEB_ROUTES if ACCESS[rule.endpoint] == PUBLIC]
    assert not any(ACCESS[rule.endpoint] in API_LEVELS for rule in public)

    for path in ("/", "/feed.xml", "/sitemap.xml", f"/post/{world.post_id}/{world.slug}"):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" not in response.cache_control, path
