"""Every kind of page, read in German and Spanish, holds no English sentence the catalogue
translates: a string marked but looked up in the wrong place (at import time, outside the
request, in the wrong language) would show here as its English original."""

import html
import re

import pytest
from babel.messages.pofile import read_po

from flaskblog.extensions import db
from flaskblog.models import Bookmark, Comment, Follow, User
from flaskblog.models.notification import COMMENT, FOLLOWER, Notification
from tests.helpers.factories import send_messages, tag_posts
from tests.test_translations import TRANSLATIONS

PUBLIC = [
    "/",
    "/?page=2",
    "/about",
    "/user/alice",
    "/user/alice/followers",
    "/tag/reading",
    "/tags",
    "/search?q=reading",
    "/search?q=nothing-matches-this",
    "/login",
    "/register",
    "/reset_password",
    "/no-such-page",
]
PRIVATE = [
    "/",
    "/following",
    "/post/new",
    "/drafts",
    "/account",
    "/account/password",
    "/account/delete",
    "/account/sessions",
    "/account/2fa",
    "/account/passkeys",
    "/account/import",
    "/notifications",
    "/notifications/settings",
    "/messages",
    "/messages/alice",
    "/bookmarks",
    "/confirm/resend",
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
TAG = re.compile(r"<[^>]+>")


def english_phrases(language: str) -> set[str]:
    """The catalogue's English sentences (two words or more) that it translates otherwise:
    for one with placeholders, its longest fixed part."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po, locale=language)
    phrases = set()
    for message in catalogue:
        if not message.id or isinstance(message.id, tuple) or message.string == message.id:
            continue
        fixed = max(PLACEHOLDER.split(message.id), key=len).strip(" .,:;“”\"'")
        if len(fixed.split()) >= 2 and len(fixed) >= 12:
            phrases.add(fixed)
    return phrases


def readable(response) -> str:
    """What a reader sees: the text between tags, and the attributes read aloud."""
    page = response.get_data(as_text=True)
    attributes = re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', page)
    text = TAG.sub(" ", re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S))
    return " ".join(html.unescape(" ".join([text, *attributes])).split())


@pytest.mark.parametrize("language", ["de", "es"])
def test_no_page_shows_english_its_catalogue_translates(
    app, client, make_user, make_posts, auth, language
):
    alice, bob = make_user("alice"), make_user("bob")
    post_ids = make_posts(alice, app.config["POSTS_PER_PAGE"] + 2, title="Reading post {n}")
    tag_posts(app, post_ids, "reading")
    with app.app_context():
        comment = Comment(body="Well put.", post_id=post_ids[-1], user_id=bob)
        db.session.add_all([comment, Follow(follower_id=bob, followed_id=alice)])
        db.session.add(Bookmark(user_id=bob, post_id=post_ids[-1]))
        db.session.flush()
        db.session.add_all(
            [
                Notification(user_id=alice, actor_id=bob, kind=FOLLOWER),
                Notification(
                    user_id=alice,
                    actor_id=bob,
                    kind=COMMENT,
                    post_id=post_ids[-1],
                    comment_id=comment.id,
                ),
            ]
        )
        db.session.execute(db.update(User).values(language=language))
        db.session.commit()
    send_messages(app, alice, bob, 2)
    phrases = english_phrases(language)
    header = {"Accept-Language": language}
    post = f"/post/{post_ids[-1]}"

    found = {}
    for path in [*PUBLIC, post]:
        text = readable(client.get(path, headers=header))
        found.update({path: sorted(p for p in phrases if p in text)})
    auth.login("bob@example.com")
    assert client.get("/account", headers=header).status_code == 200  # logged in as Bob
    for path in [*PRIVATE, post]:
        text = readable(client.get(path, headers=header))
        found.update({f"{path} (logged in)": sorted(p for p in phrases if p in text)})

    assert {path: english for path, english in found.items() if english} == {}
