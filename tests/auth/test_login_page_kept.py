"""The login page is rendered once for every visitor (per language), with each visitor's own
CSRF token put in (flaskblog.form_pages.visitor_form_page): each token works for its own
visitor cookie alone (flaskblog.visitor_csrf), and a page that could be someone's own is
rendered for itself."""

import pytest

from tests.helpers.factories import PASSWORD
from tests.helpers.pages import csrf_token_from, flashes, page_without_tokens


@pytest.fixture
def app(build_app):
    """The suite's app, with a page cache."""
    return build_app(CACHE_TYPE="SimpleCache")


def test_every_visitor_gets_the_one_page_with_a_token_of_their_own(app, renders, make_user):
    make_user("alice")
    first, second = app.test_client(), app.test_client()

    page_one, page_two = first.get("/login"), second.get("/login")

    assert renders.count("auth/login.html") == 1
    token_one, token_two = csrf_token_from(page_one), csrf_token_from(page_two)
    assert token_one != token_two
    assert page_without_tokens(page_one) == page_without_tokens(page_two)
    assert "\x00" not in page_two.text
    # Each token belongs to its own visitor cookie: swapped, it is refused.
    login = {"email": "alice@example.com", "password": PASSWORD}
    assert first.post("/login", data={**login, "csrf_token": token_two}).status_code == 400
    assert second.post("/login", data={**login, "csrf_token": token_two}).status_code == 302


def test_each_language_has_its_own_copy(app, renders):
    client = app.test_client()

    german = client.get("/login", headers={"Accept-Language": "de"})
    english = client.get("/login", headers={"Accept-Language": "en"})
    german_again = client.get("/login", headers={"Accept-Language": "de-AT"})

    assert renders.count("auth/login.html") == 2
    assert "<h1>Anmelden</h1>" in german_again.text
    assert page_without_tokens(german_again) == page_without_tokens(german)
    assert "<h1>Log in</h1>" in english.text


def test_a_waiting_message_is_shown_on_a_page_made_for_it(app, client, renders):
    client.get("/login")

    page = client.get("/account", follow_redirects=True)  # "Please log in to see that page."

    assert flashes(page) and renders.count("auth/login.html") == 2
    assert flashes(client.get("/login")) == []


def test_a_page_with_a_next_address_is_made_for_it(app, client, renders):
    client.get("/login")

    page = client.get("/login?next=/account")

    assert renders.count("auth/login.html") == 2
    assert "next=%2Faccount" in page.text or "next=/account" in page.text


def test_a_failed_login_shows_its_errors(app, client, renders):
    client.get("/login")
    token = csrf_token_from(client.get("/login"))

    page = client.post("/login", data={"email": "", "password": "", "csrf_token": token})

    assert page.status_code == 200
    assert "This field is required." in page.text
    assert renders.count("auth/login.html") == 2
