"""axe-core on every kind of page in a real Chromium: logged out and in, light and dark, at a
desktop's and a phone's width, with no violation anywhere.

One set of data and one server serve all four combinations of theme and width; each
combination is one browser context that walks every page, first as a visitor, then logged
in. Every violation found is collected before the test fails, so one run shows them all.
"""

import pytest
from playwright.sync_api import expect

from flaskblog.extensions import db
from flaskblog.models import Block, Bookmark, Comment, Follow, User
from flaskblog.models.notification import COMMENT, FOLLOWER, REPLY, Notification
from tests.helpers.accessibility import axe_violations
from tests.helpers.browser import log_in
from tests.helpers.digests import choose_digest
from tests.helpers.factories import PASSWORD, send_messages, tag_posts

pytestmark = pytest.mark.browser

THEMES = ("light", "dark")
SIZES = {
    "1280 px": {"viewport": {"width": 1280, "height": 800}},
    "390 px": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
MISSING = "/no-such-page"
# Pages anyone may open (the post's path, and the links emails bring, are added once they exist).
PUBLIC = [
    "/",
    "/?page=2",
    "/user/alice",
    "/user/alice/followers",
    "/user/bob/following",
    "/tag/reading",
    "/tags",
    "/search?q=reading",
    "/search?q=nothing-matches-this",
    "/login",
    "/register",
    "/reset_password",
    MISSING,
    "/api/docs",
]
# Pages only an account sees (Bob follows Alice, bookmarked her post, was written to,
# blocked Carol).
PRIVATE = [
    "/post/new",
    "/account",
    "/account/sessions",
    "/account/blocked",
    "/notifications",
    "/notifications/settings",
    "/messages",
    "/messages/alice",
    "/bookmarks",
    "/following",
]
# What shows the page has its data (so axe checks a full page, not an empty one).
SHOWS = {
    "/?page=2": "Reading post 1",
    "/search?q=reading": "Reading post 7",
    "/search?q=nothing-matches-this": "nothing-matches-this",
    "/notifications": "alice",
    "/messages/alice": "Message 2",
    "/bookmarks": "Reading post 7",
    "/following": "alice",
    "/user/alice/followers": "bob",
    "/user/bob/following": "alice",
    "/account/blocked": "carol",
}
# Public pages that change for an account (the feed's tabs, follow, comment and reply forms,
# bookmarking), seen again once logged in; the others differ only in the header, which the
# private pages show.
PUBLIC_LOGGED_IN = ["/", "/user/alice", "/tag/reading", "/search?q=reading"]


@pytest.fixture
def post_path(app, make_user, make_posts) -> str:
    """Alice's posts (enough for a second page, tagged), one with comments and a reply;
    Bob follows her, bookmarked it, was notified and has messages from her."""
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    per_page = app.config["POSTS_PER_PAGE"]
    post_ids = make_posts(alice, per_page + 2, title="Reading post {n}")
    tag_posts(app, post_ids, "reading", "design")
    post_id = post_ids[-1]
    with app.app_context():
        first = Comment(body="A first comment.", post_id=post_id, user_id=bob)
        db.session.add(first)
        db.session.flush()
        reply = Comment(body="A reply to it.", post_id=post_id, user_id=alice, parent_id=first.id)
        db.session.add_all([reply, Comment(body="Another.", post_id=post_id, user_id=bob)])
        db.session.add(Follow(follower_id=bob, followed_id=alice))
        db.session.add(Bookmark(user_id=bob, post_id=post_id))
        db.session.add(Block(blocker_id=bob, blocked_id=carol))
        db.session.flush()
        db.session.add_all(
            [
                Notification(
                    user_id=bob, kind=REPLY, actor_id=alice, post_id=post_id, comment_id=reply.id
                ),
                Notification(
                    user_id=alice, kind=COMMENT, actor_id=bob, post_id=post_id, comment_id=first.id
                ),
                Notification(user_id=bob, kind=FOLLOWER, actor_id=alice),
            ]
        )
        db.session.commit()
    send_messages(app, alice, bob, 2)
    return f"/post/{post_id}"


@pytest.fixture
def emailed_links(app, post_path) -> dict[str, str]:
    """The pages Alice's emails open (a password reset, a digest's unsubscribe), each with
    what shows it is the real page; opening them changes nothing."""
    with app.app_context():
        alice = User.by_email("alice@example.com")
        reset = f"/reset_password/{alice.get_reset_token()}"
        unsubscribe = f"/unsubscribe/{alice.get_unsubscribe_token('daily')}"
        alice_id = alice.id
    choose_digest(app, alice_id, "daily")
    return {reset: "Choose a new password", unsubscribe: "Stop the daily digest?"}


def forget_the_missing_page(watch) -> None:
    """The 404 page is opened on purpose: its status is not a problem the browser saw."""
    missing = f"{watch.origin}{MISSING}: HTTP 404"
    not_found = (
        "error: Failed to load resource: the server responded with a status of 404 (NOT FOUND)"
    )
    assert watch.failed.count(missing) == watch.console.count(not_found) == len(THEMES) * len(SIZES)
    watch.failed[:] = [problem for problem in watch.failed if problem != missing]
    watch.console[:] = [problem for problem in watch.console if problem != not_found]


def labelled(where: str, violations: list[str]) -> list[str]:
    return [f"{where}: {violation}" for violation in violations]


def test_every_page_passes_axe_logged_out_and_in_both_themes_both_widths(
    open_browser, browser_watch, post_path, emailed_links
):
    found, checked = [], []
    shows = {**SHOWS, **emailed_links}
    visitor_paths = [*PUBLIC, post_path, *emailed_links]
    visits = (("visitor", visitor_paths), ("bob", [*PRIVATE, *PUBLIC_LOGGED_IN, post_path]))
    for theme in THEMES:
        for width, size in SIZES.items():
            page = open_browser(color_scheme=theme, **size)
            where = f"{theme}, {width}"
            # A form sent back with its errors: red fields and messages, in both themes.
            page.goto("/register")
            page.get_by_label("Email").fill("not an address")
            page.get_by_role("button", name="Sign up").click()
            expect(page.locator("[aria-invalid=true]").first).to_be_focused()
            checked.append("/register with errors")
            found += labelled(f"/register with errors ({where})", axe_violations(page))
            for who, paths in visits:
                if who == "bob":
                    log_in(page, "bob@example.com", PASSWORD)
                for path in paths:
                    page.goto(path)
                    if path in shows:
                        expect(page.locator("main")).to_contain_text(shows[path])
                    elif path == "/api/docs":  # drawn by a script from the OpenAPI document
                        expect(page.locator(".operation").first).to_be_visible()
                    elif path == post_path:
                        expect(page.locator("main")).to_contain_text("A reply to it.")
                    checked.append(path)
                    found += labelled(f"{path} as {who} ({where})", axe_violations(page))
    per_combination = 1 + sum(len(paths) for _, paths in visits)
    assert len(checked) == len(THEMES) * len(SIZES) * per_combination
    forget_the_missing_page(browser_watch)
    assert found == [], "\n".join(found)
