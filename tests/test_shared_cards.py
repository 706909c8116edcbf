"""A public post's card in the listings made for each reader (Following, bookmarks, a user's
and a tag's posts) is made once for every reader in a language and time zone
(caching.post_card_shown_alike), and a change to the post shows at once."""

import re

import pytest

from flaskblog.caching import post_card_shown_alike
from flaskblog.extensions import cache, db
from flaskblog.models import Post
from tests.helpers import factories
from tests.helpers.pages import AuthActions, Forms, titles_on


@pytest.fixture
def app(build_app):
    """With a page cache, where the cards are kept (the suite runs without one)."""
    return build_app(CACHE_TYPE="SimpleCache")


@pytest.fixture
def fans(app, alice):
    """Two logged-in readers who follow Alice, who has written two posts."""
    factories.add_posts(app, alice, 2)
    browsers = []
    for fan in ("fan001", "fan002"):
        browser = app.test_client()
        assert AuthActions(browser, Forms(browser)).login(f"{fan}@example.com").status_code == 302
        browsers.append(browser)
    return browsers


@pytest.fixture(autouse=True)
def following(app, alice):
    factories.add_followers(app, alice, 2)


def kept_cards(app) -> list[str]:
    return [key for key in app.extensions["cache"][cache]._cache if ":card:" in key]


def card_of(page, title: str) -> str:
    card = rf'<article class="post">(?:(?!</article>).)*{title}.*?</article>'
    found = re.search(card, page.text, re.S)
    assert found, f"no card for {title}"
    return found.group(0)


def test_both_readers_get_the_same_cards_made_once(app, fans):
    first, second = (fan.get("/following") for fan in fans)

    assert titles_on(first) == titles_on(second) == ["Post 2", "Post 1"]
    assert len(kept_cards(app)) == 2
    assert card_of(first, "Post 2") == card_of(second, "Post 2")


def test_an_edited_title_and_a_new_comment_show_at_once(app, fans, alice):
    reader = fans[0]
    reader.get("/following")
    reader.get("/user/alice")
    with app.app_context():
        post = db.session.scalar(db.select(Post).filter_by(title="Post 2"))
        post.title = "Post 2, revised"
        db.session.commit()
        post_id = post.id
    factories.add_comments(app, post_id, alice, 3)

    for page in (reader.get("/following"), reader.get("/user/alice")):
        assert titles_on(page) == ["Post 2, revised", "Post 1"]
        assert "3 comments" in card_of(page, "Post 2, revised")


def test_the_card_of_a_post_that_is_not_public_is_never_kept(app, alice):
    (draft_id,) = factories.make_drafts(app, alice, 1)

    with app.test_request_context("/"):
        draft = db.session.get(Post, draft_id)
        card = post_card_shown_alike(lambda post: f"the card of {post.title}", draft)

    assert card == "the card of Draft 1"
    assert kept_cards(app) == []
