"""The account page's profile and reading settings: time zone, language, about me, website."""

import pytest

from flaskblog.extensions import db
from flaskblog.models import User
from flaskblog.models.profile import timezone_names
from tests.helpers.pages import field_errors, flashes

PROFILE = {
    "timezone": "Europe/Berlin",
    "language": "de",
    "about_me": "Writes about birds.\nLives by the sea.",
    "website": "https://alice.example.com/blog",
}


def stored_profile(app, user_id: int) -> dict:
    with app.app_context():
        user = db.session.get(User, user_id)
        return {name: getattr(user, name) for name in PROFILE}


@pytest.fixture
def settings(forms):
    """Submit the account form with Alice's name and address and these profile fields."""

    def submit(**fields):
        data = {"username": "alice", "email": "alice@example.com", **PROFILE, **fields}
        return forms.submit("/account", data)

    return submit


def test_a_new_account_reads_in_utc_and_english_with_an_empty_profile(app, alice):
    assert stored_profile(app, alice) == {
        "timezone": "UTC",
        "language": "en",
        "about_me": None,
        "website": None,
    }


def test_the_account_page_offers_time_zones_and_languages_as_selects(client, logged_in_alice):
    text = client.get("/account").get_data(as_text=True)

    assert '<select id="timezone" name="timezone">' in text
    assert '<option selected value="UTC">UTC</option>' in text
    assert '<option value="Pacific/Kiritimati">Pacific/Kiritimati</option>' in text
    assert '<select id="language" name="language">' in text
    for code, name in (("en", "English"), ("de", "Deutsch"), ("es", "Español")):
        assert f'value="{code}">{name}</option>' in text
    assert '<textarea id="about_me" maxlength="500" name="about_me">' in text
    assert 'type="url"' in text


def test_the_zones_offered_are_iana_names_people_live_in():
    names = timezone_names()

    assert names[0] == "UTC"
    assert {"Europe/Berlin", "America/Los_Angeles", "Pacific/Pago_Pago"} <= set(names)
    assert not {"US/Pacific", "EST5EDT", "Etc/GMT+5"} & set(names)


def test_the_profile_is_saved(app, client, logged_in_alice, settings):
    response = settings()

    assert response.status_code == 302
    assert flashes(client.get("/account")) == [("success", "Your account has been updated.")]
    assert stored_profile(app, logged_in_alice) == PROFILE
    page = client.get("/account").get_data(as_text=True)
    assert '<option selected value="Europe/Berlin">' in page
    assert "Writes about birds.\nLives by the sea.</textarea>" in page


def test_emptying_the_bio_and_website_stores_none(app, logged_in_alice, settings):
    settings()
    settings(about_me="   ", website="")

    assert stored_profile(app, logged_in_alice) == PROFILE | {"about_me": None, "website": None}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus_Mons", "Choose a time zone from the list."),
        ("timezone", "US/Pacific", "Choose a time zone from the list."),
        ("language", "fr", "Choose a language from the list."),
        ("about_me", "x" * 501, "Say it in at most 500 characters."),
        ("website", "javascript:alert(1)", "Enter a web address that starts with"),
        ("website", "ftp://example.com/", "Enter a web address that starts with"),
        ("website", "https://", "Enter a web address that starts with"),
        ("website", "example.com", "Enter a web address that starts with"),
        ("website", "https://exa mple.com/", "Enter a web address that starts with"),
        ("website", "https://example.com/\tx", "Enter a web address that starts with"),
        ("website", "https://example.com/" + "a" * 300, "Field cannot be longer than"),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_nothing_is_saved(
    app, logged_in_alice, settings, field, value, message
):
    response = settings(**({"about_me": "Changed?"} | {field: value}))

    assert response.status_code == 200
    assert any(error.startswith(message) for error in field_errors(response, field))
    assert stored_profile(app, logged_in_alice)["about_me"] is None  # nothing half-saved
    assert stored_profile(app, logged_in_alice)["timezone"] == "UTC"


def test_a_bio_of_exactly_500_characters_is_kept(app, logged_in_alice, settings):
    settings(about_me="y" * 500)

    assert stored_profile(app, logged_in_alice)["about_me"] == "y" * 500


def test_the_editor_takes_the_accounts_time_zone(app, client, logged_in_alice, settings):
    settings(timezone="Asia/Tokyo", language="en")  # the zone, in the words asserted

    page = client.get("/post/new").get_data(as_text=True)

    assert "Publish at (Asia/Tokyo)" in page
