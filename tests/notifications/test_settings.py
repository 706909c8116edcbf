"""/notifications/settings: the digest (off, daily or weekly) and the four kinds a reader can
turn off; a choice that is not offered is refused with a message and nothing saved."""

import re

from flaskblog.extensions import db
from flaskblog.models import NotificationSettings
from tests.helpers.pages import field_errors, flashes, page_text

ALL_ON = {
    "notify_comments": "y",
    "notify_replies": "y",
    "notify_followers": "y",
    "notify_followed_posts": "y",
}


def stored(app, user_id: int) -> dict | None:
    with app.app_context():
        row = db.session.get(NotificationSettings, user_id)
        if row is None:
            return None
        names = ("digest", *(name for name in ALL_ON))
        return {name: getattr(row, name) for name in names}


def test_settings_need_a_login(client):
    assert client.get("/notifications/settings").location.startswith("/login")


def test_the_form_shows_the_defaults_for_a_reader_who_never_changed_them(logged_in_alice, client):
    text = page_text(client.get("/notifications/settings"))

    assert '<option selected value="off">Off</option>' in text
    for name in ALL_ON:
        (checkbox,) = re.findall(rf'<input[^>]*name="{name}"[^>]*>', text)
        assert "checked" in checkbox


def test_saving_the_digest_and_turning_kinds_off(app, logged_in_alice, forms, client):
    response = forms.submit(
        "/notifications/settings",
        {"digest": "weekly", "notify_comments": "y", "notify_followed_posts": "y"},
    )

    assert response.status_code == 302
    assert flashes(client.get(response.location)) == [
        ("success", "Your notification settings have been saved.")
    ]
    assert stored(app, logged_in_alice) == {
        "digest": "weekly",
        "notify_comments": True,
        "notify_replies": False,
        "notify_followers": False,
        "notify_followed_posts": True,
    }

    forms.submit("/notifications/settings", {"digest": "daily", **ALL_ON})

    assert stored(app, logged_in_alice) == {"digest": "daily", **dict.fromkeys(ALL_ON, True)}


def test_a_digest_that_is_not_offered_is_refused_and_nothing_is_saved(app, logged_in_alice, forms):
    response = forms.submit("/notifications/settings", {"digest": "hourly", **ALL_ON})

    assert response.status_code == 200
    assert field_errors(response, "digest") == [
        "Choose how often to get the digest: off, daily or weekly."
    ]
    assert stored(app, logged_in_alice) is None


def test_a_form_without_its_csrf_token_changes_nothing(app, logged_in_alice, client):
    response = client.post("/notifications/settings", data={"digest": "daily", **ALL_ON})

    assert response.status_code == 400
    assert stored(app, logged_in_alice) is None
