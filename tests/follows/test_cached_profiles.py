"""The follower counts on public profiles, which anonymous readers get from the page cache,
are never stale."""

import pytest

from flaskblog.extensions import db
from flaskblog.models import Follow, User
from tests.helpers import factories
from tests.helpers.pages import page_text


@pytest.fixture
def app(build_app):
    """The suite's app, but with a page cache (tests elsewhere run with none)."""
    return build_app(CACHE_TYPE="SimpleCache")


def test_a_follow_and_a_disabled_follower_show_on_the_cached_profile_at_once(app, client):
    alice, bob = factories.make_user(app, "alice"), factories.make_user(app, "bob")
    assert "0 followers" in page_text(client.get("/user/alice"))

    with app.app_context():
        db.session.add(Follow(follower_id=bob, followed_id=alice))
        db.session.commit()
    assert "1 follower" in page_text(client.get("/user/alice"))

    with app.app_context():
        db.session.get(User, bob).disable()
        db.session.commit()
    assert "0 followers" in page_text(client.get("/user/alice"))
