"""Cross-site request forgery: another site makes the victim's browser send a request
that would change something. Every route that takes POST (or PUT, PATCH, DELETE), found
by walking the URL map, must refuse it with a 400 when the form's token is missing or
wrong, and the database must be exactly as it was; and no GET may change anything."""

import hashlib

import pytest
from itsdangerous import URLSafeTimedSerializer

from flaskblog.extensions import db
from flaskblog.models import NotificationSettings, User
from tests.helpers.attack_surface import (
    ACCESS,
    API_LEVELS,
    UNSAFE_METHODS,
    VISITOR,
    all_rules,
    csrf_token,
    database_snapshot,
    log_in,
    log_in_elsewhere,
    make_world,
    methods_of,
    rule_id,
    sample_url,
)
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import page_text

CSRF_PAGE = "The form had expired or was sent from elsewhere."

# Routes allowed to change something without the form's token, each with the reason.
# Adding one is a security decision, to be argued here.
CSRF_EXEMPT: dict[str, str] = {
    **{
        rule.endpoint: "the JSON API is token-only: it never reads the session cookie, so a "
        "forged request from a browser carries no credential it would accept "
        "(test_the_api_ignores_the_session_cookie_of_a_forged_request)"
        for rule in all_rules()
        if ACCESS.get(rule.endpoint) in API_LEVELS
    },
    "digest.unsubscribe": "mail clients POST the one-click unsubscribe link without a form "
    "token (RFC 8058); the signed token in the URL is the authority, never the session, and "
    "it can only turn off its reader's digest "
    "(test_the_one_click_unsubscribe_needs_its_signed_token_not_a_session)",
}
API_UNSAFE_ROUTES = [
    (rule, method)
    for rule in all_rules()
    if ACCESS.get(rule.endpoint) in API_LEVELS
    for method in methods_of(rule)
    if method in UNSAFE_METHODS
]

# GET routes that may change something, each with the reason.
GET_CHANGES = {
    "auth.confirm_email": "the link in a confirmation email; only the mailbox's owner has "
    "the signed token, and it only confirms the address it was sent to",
}

# What an attacker's page would post: every field any form here has, filled so that the
# forms would accept it (the victim's own password included, as if it had been phished).
FORGED_FORM = {
    "title": "Forged",
    "content": "Posted by another site.",
    "tags": "forged",
    "body": "A forged comment.",
    "username": "mallory",
    "email": "bob@example.com",
    "password": PASSWORD,
    "current_password": PASSWORD,
    "confirm_password": PASSWORD,
    "remember": "y",
}

# The ways a forged request may carry (or not) a token.
FORGERIES = [
    "no token",
    "wrong token",
    "empty token",
    "the attacker's own token",
    "wrong token in the header",
]

UNSAFE_ROUTES = [
    (rule, method)
    for rule in all_rules()
    if rule.endpoint not in CSRF_EXEMPT
    for method in methods_of(rule)
    if method in UNSAFE_METHODS
]
GET_ROUTES = [
    rule for rule in all_rules() if "GET" in rule.methods and rule.endpoint not in GET_CHANGES
]


def forged_token() -> str:
    """A well-formed token signed the way Flask-WTF signs them, with a key the site lacks."""
    serializer = URLSafeTimedSerializer("the attacker's own key", salt="wtf-csrf-token")
    return serializer.dumps(hashlib.sha1(b"forged").hexdigest())  # noqa: S324 (not a secret)


def attack(app, client, victim_token: str, kind: str) -> tuple[dict, dict]:
    """The form data and headers of a forged request of this kind."""
    data, headers = dict(FORGED_FORM), {}
    if kind == "wrong token":
        data["csrf_token"] = forged_token()
    elif kind == "empty token":
        data["csrf_token"] = ""
    elif kind == "the attacker's own token":
        # Valid, but for the attacker's session on the site, not the victim's.
        data["csrf_token"] = csrf_token(app.test_client())
    elif kind == "wrong token in the header":
        headers["X-CSRFToken"] = forged_token()
    elif kind == "the victim's token":
        data["csrf_token"] = victim_token
    return data, headers


@pytest.fixture
def world(app):
    return make_world(app)


@pytest.fixture
def victim(app, client, world):
    """Set up the victim for a route: logged in as ada (an admin, logged in on a second
    device too), except for the pages of logged-out visitors. Returns their token."""

    def prepare(rule) -> str:
        if ACCESS.get(rule.endpoint) != VISITOR:
            world.ada_other_session = log_in_elsewhere(app, world, "ada@example.com")
            log_in(client, "ada@example.com")
            return csrf_token(client, "/account")
        return csrf_token(client, "/login")

    return prepare


def test_every_exemption_names_a_real_route():
    endpoints = {rule.endpoint for rule in all_rules()}

    assert set(CSRF_EXEMPT) <= endpoints
    assert set(GET_CHANGES) <= endpoints


def test_the_walk_finds_the_state_changing_routes():
    # A guard on the walk itself: these must be among the routes attacked below.
    attacked = {(rule.rule, method) for rule, method in UNSAFE_ROUTES}

    for expected in [
        ("/login", "POST"),
        ("/logout", "POST"),
        ("/post/<int:post_id>/delete", "POST"),
        ("/comment/<int:comment_id>/delete", "POST"),
        ("/account/delete", "POST"),
        ("/account/password", "POST"),
    ]:
        assert expected in attacked


@pytest.mark.parametrize(
    ("rule", "method"), UNSAFE_ROUTES, ids=[rule_id(*route) for route in UNSAFE_ROUTES]
)
def test_forged_request_is_refused_and_changes_nothing(app, client, world, victim, rule, method):
    victim_token = victim(rule)
    url = sample_url(rule, world)
    before = database_snapshot(app)

    for kind in FORGERIES:
        data, headers = attack(app, client, victim_token, kind)

        response = client.open(url, method=method, data=data, headers=headers)

        assert response.status_code == 400, kind
        assert CSRF_PAGE in page_text(response), kind
        assert database_snapshot(app) == before, kind


@pytest.mark.parametrize(
    ("rule", "method"), UNSAFE_ROUTES, ids=[rule_id(*route) for route in UNSAFE_ROUTES]
)
def test_the_same_request_with_the_victims_token_gets_past_the_check(
    app, client, world, victim, rule, method
):
    # Proves the 400s above come from the missing token, not from the forged form.
    data, headers = attack(app, client, victim(rule), "the victim's token")

    response = client.open(sample_url(rule, world), method=method, data=data, headers=headers)

    assert CSRF_PAGE not in page_text(response)


def test_the_api_routes_and_the_one_click_unsubscribe_are_the_only_exemptions():
    assert {rule.rule for rule, _ in API_UNSAFE_ROUTES} == {
        "/api/v1/tokens",
        "/api/v1/posts",
        "/api/v1/posts/<int(max=None):post_id>",
        "/api/v1/images",
    }
    assert {endpoint for endpoint in CSRF_EXEMPT if not endpoint.startswith("api.")} == {
        "digest.unsubscribe"
    }


def test_the_one_click_unsubscribe_needs_its_signed_token_not_a_session(app, client, world):
    # ada is logged in and reads the daily digest; another site posts to the unsubscribe
    # route with a made-up token, or with a token of alice's for another purpose: her
    # cookie goes along and counts for nothing.
    log_in(client, "ada@example.com")
    with app.app_context():
        ada = db.session.get(User, world.ada)
        settings = NotificationSettings.of(ada)
        settings.digest = "daily"
        db.session.add(settings)
        db.session.commit()
    before = database_snapshot(app)

    for token in ("forged", world.reset_token, world.confirm_token, forged_token()):
        response = client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})

        assert response.status_code == 400, token
        assert database_snapshot(app) == before, token


@pytest.mark.parametrize(
    ("rule", "method"), API_UNSAFE_ROUTES, ids=[rule_id(*route) for route in API_UNSAFE_ROUTES]
)
def test_the_api_ignores_the_session_cookie_of_a_forged_request(app, client, world, rule, method):
    # ada (an admin) is logged in to the site in this browser; another site makes it send
    # a write to the API, as a form post or as JSON. The cookie goes along and counts for
    # nothing: only a bearer token (or, for a new token, a password) would.
    log_in(client, "ada@example.com")
    url = sample_url(rule, world)
    before = database_snapshot(app)

    as_form = client.open(url, method=method, data=FORGED_FORM)
    as_json = client.open(url, method=method, json=FORGED_FORM)

    assert (as_form.status_code, as_json.status_code) == (401, 401)
    assert as_json.get_json()["error"]["code"] == "unauthorized"
    assert database_snapshot(app) == before


@pytest.mark.parametrize("referrer", [None, "https://evil.example/", "http://flaskblog.test/"])
@pytest.mark.parametrize("url", ["/post/new", "/account/password", "/logout"])
def test_over_https_a_post_from_another_origin_is_refused_even_with_the_token(
    app, client, world, referrer, url
):
    log_in(client, "ada@example.com")
    data = {**FORGED_FORM, "csrf_token": csrf_token(client, "/account")}
    headers = {"Referer": referrer} if referrer else {}
    before = database_snapshot(app)

    response = client.post(url, data=data, headers=headers, base_url="https://flaskblog.test")

    assert response.status_code == 400
    assert database_snapshot(app) == before


def test_over_https_a_post_from_the_site_itself_is_accepted(app, client, world):
    log_in(client, "ada@example.com")
    data = {"title": "Over HTTPS", "content": "Fine.", "csrf_token": csrf_token(client, "/account")}

    response = client.post(
        "/post/new",
        data=data,
        headers={"Referer": "https://flaskblog.test/post/new"},
        base_url="https://flaskblog.test",
    )

    assert response.status_code == 302


@pytest.mark.parametrize("rule", GET_ROUTES, ids=[rule_id(rule) for rule in GET_ROUTES])
def test_get_requests_change_nothing(app, client, world, rule):
    world.ada_other_session = log_in_elsewhere(app, world, "ada@example.com")
    url = sample_url(rule, world)

    for visitor in ("logged out", "logged in"):
        if visitor == "logged in":
            log_in(client, "ada@example.com")
        before = database_snapshot(app)

        response = client.get(url)

        assert response.status_code < 500, visitor
        assert database_snapshot(app) == before, visitor


def test_a_csrf_token_from_before_logging_in_is_refused_after_it(app, client, make_user):
    # A token read or planted before the login (a shared computer, a page open since) must
    # not let a forged request through once the victim has logged in: login makes a new one.
    make_user("alice")
    before = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": "alice@example.com", "password": PASSWORD, "csrf_token": before}
    )
    assert response.status_code == 302

    forged = client.post("/account/sessions/others", data={"csrf_token": before})

    assert forged.status_code == 400
    assert CSRF_PAGE in page_text(forged)
    after = csrf_token(client, "/account/sessions")
    assert after != before
    assert client.post("/account/sessions/others", data={"csrf_token": after}).status_code == 302
