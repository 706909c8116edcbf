"""The theme toggle for accounts: the choice is kept on the account, so every page comes
from the server already in it; visitors keep theirs in the browser (tests/e2e/test_design.py)."""

from flaskblog.extensions import db
from flaskblog.models import User
from tests.helpers.pages import flashes


def theme_of(app, user_id: int) -> str | None:
    with app.app_context():
        return db.session.get(User, user_id).theme


def test_an_account_follows_the_system_until_it_chooses(app, client, logged_in_alice):
    page = client.get("/")

    assert theme_of(app, logged_in_alice) is None
    assert '<html lang="en">' in page.text
    assert 'name="theme" value="dark"' in page.text


def test_the_chosen_theme_is_kept_and_every_page_comes_in_it(app, client, forms, logged_in_alice):
    response = forms.submit("/account/theme", {"theme": "dark", "next": "/tags"}, page="/tags")

    assert response.status_code == 302
    assert response.headers["Location"] == "/tags"
    assert theme_of(app, logged_in_alice) == "dark"
    assert '<html lang="en" data-theme="dark">' in client.get("/").text


def test_the_toggle_goes_back_to_the_page_it_was_on_by_its_referer(client, forms, logged_in_alice):
    back = forms.submit(
        "/account/theme",
        {"theme": "dark"},
        page="/tags",
        headers={"Referer": "http://flaskblog.test/search?q=tea"},
    )
    elsewhere = forms.submit(
        "/account/theme",
        {"theme": "light"},
        page="/tags",
        headers={"Referer": "https://evil.example/search?q=tea"},
    )

    assert back.headers["Location"] == "/search?q=tea"
    assert elsewhere.headers["Location"] == "/"


def test_automatic_follows_the_device_again(app, client, forms, logged_in_alice):
    forms.submit("/account/theme", {"theme": "light"}, page="/")
    forms.submit("/account/theme", {"theme": "automatic"}, page="/")

    assert theme_of(app, logged_in_alice) is None
    assert '<html lang="en">' in client.get("/").text


def test_an_unknown_theme_or_a_next_elsewhere_changes_nothing(app, client, forms, logged_in_alice):
    response = forms.submit(
        "/account/theme", {"theme": "sepia", "next": "//evil.example/"}, page="/"
    )

    assert response.headers["Location"] == "/"
    assert theme_of(app, logged_in_alice) is None
    assert ("danger", "Choose the light or the dark theme.") in flashes(client.get("/"))


def test_a_visitors_page_has_no_form_token_so_it_can_be_cached(client):
    page = client.get("/")

    assert 'data-theme-toggle="browser" hidden' in page.text
    assert "csrf_token" not in page.text
