"""The digest end to end: `flask digest send` delivers over real SMTP to a local aiosmtpd
server; the received email's headers and links are checked, its links followed over HTTP,
and its one-click unsubscribe POSTed as a mail client does (RFC 8058). Then the same story
in Chromium: follow an author, who publishes in the editor; the notification is on the
reader's page, then in the digest; unsubscribe with the page's button."""

import re
import urllib.request
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from flaskblog.extensions import db
from flaskblog.models import Comment, NotificationSettings, Post, User
from flaskblog.models.notification import COMMENT, FOLLOWER, POST, notify
from tests.helpers.accessibility import axe_violations
from tests.helpers.browser import log_in, nav
from tests.helpers.digests import choose_digest, digest_settings
from tests.helpers.factories import PASSWORD

HREF = re.compile(r'href="([^"]+)"')
TEXT_LINK = re.compile(r"https?://\S+")


def notify_now(app, recipient: int, kind: str, actor: int, post: int | None = None, comment=None):
    """What the site does when something happens: notify() and commit."""
    with app.app_context():
        get = db.session.get
        made = notify(
            get(User, recipient),
            kind,
            get(User, actor),
            post=get(Post, post) if post else None,
            comment=get(Comment, comment) if comment else None,
        )
        db.session.commit()
        assert made is not None


def send_digests(app, period: str = "daily") -> None:
    result = app.test_cli_runner().invoke(args=["digest", "send", "--period", period])
    assert result.exit_code == 0, result.output


def one_click(url: str) -> tuple[int, str]:
    """POST `List-Unsubscribe=One-Click` to `url` as a mail client does: no cookie, no
    form token, nothing else."""
    request = urllib.request.Request(  # noqa: S310 (the live test server's own address)
        url,
        data=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status, response.read().decode()


def test_the_digest_arrives_over_smtp_with_working_links_and_one_click_unsubscribe(
    app, server, mailbox, visitor, make_user, make_posts
):
    alice, bob = make_user("alice"), make_user("bob")
    (post,) = make_posts(alice, 1, title="Alice's garden")
    with app.app_context():
        comment = Comment(body="Lovely.", post_id=post, user_id=bob)
        db.session.add(comment)
        db.session.commit()
        comment = comment.id
    choose_digest(app, alice, "daily")
    notify_now(app, alice, FOLLOWER, bob)
    notify_now(app, alice, COMMENT, bob, post=post, comment=comment)

    send_digests(app)

    mail = mailbox.only_message()
    message = mail.message
    assert mail.rcpt_tos == ["alice@example.com"]
    assert message["Subject"] == "Your day on flaskblog: 2 new notifications"
    assert {"text/plain", "text/html"} <= {part.get_content_type() for part in message.walk()}
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    # RFC 8058: one https URI to POST to, and the announcement that one click is enough.
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (header_link,) = re.fullmatch(r"<([^>]+)>", message["List-Unsubscribe"]).groups()
    # As sent: the URL itself, not an encoded word a mail client would have to decode.
    raw = dict(message.raw_items())["List-Unsubscribe"]
    assert "".join(raw.split()) == f"<{header_link}>"
    assert header_link.startswith(f"https://{server.host}:{server.port}/unsubscribe/")
    # Every line is linked, in both parts; the links and the header lead to this site.
    text_links = TEXT_LINK.findall(text)
    assert set(HREF.findall(html)) == set(text_links)
    assert text_links == [
        f"{server.url}/post/{post}/alice-s-garden#comment-{comment}",
        f"{server.url}/user/bob",
        f"{server.url}{urlsplit(header_link).path}",
    ]
    assert "bob commented on your post “Alice's garden”" in text
    assert "bob started following you" in text
    post_page = visitor.get(text_links[0])
    assert post_page.status == 200
    assert "Lovely." in post_page.text
    assert visitor.get(text_links[1]).status == 200

    # The mail client's one click (over http: the live test server has no TLS).
    status, page = one_click(f"{server.url}{urlsplit(header_link).path}")

    assert status == 200
    assert "You are unsubscribed" in page
    assert digest_settings(app, alice)[0] == "off"
    status, again = one_click(f"{server.url}{urlsplit(header_link).path}")
    assert status == 200
    assert "Already unsubscribed" in again
    notify_now(app, alice, POST, bob, post=make_posts(bob, 1)[0])
    send_digests(app)
    assert len(mailbox.messages) == 1  # nothing more once unsubscribed


@pytest.mark.browser
def test_follow_then_a_new_post_then_the_digest_then_unsubscribe_in_chromium(
    app, server, mailbox, open_browser, make_user
):
    make_user("alice")
    bob = make_user("bob")
    choose_digest(app, bob, "weekly")
    page = open_browser()
    log_in(page, "bob@example.com", PASSWORD)
    page.goto("/user/alice")
    page.get_by_role("button", name="Follow alice").click()
    expect(page.locator(".flash")).to_have_text("You are following alice.")
    author = open_browser()
    log_in(author, "alice@example.com", PASSWORD)
    author.goto("/post/new")
    author.get_by_label("Title").fill("Fresh from Alice")
    author.get_by_label("Content").fill("Straight from the editor.")
    author.get_by_role("button", name="Publish").click()
    expect(author.locator(".flash")).to_have_text("Published.")
    page.goto("/")  # the header counts it; opening /notifications would mark it read
    expect(nav(page).get_by_role("link", name="Notifications 1 unread")).to_be_visible()

    send_digests(app, "weekly")

    mail = mailbox.only_message()
    assert mail.rcpt_tos == ["bob@example.com"]
    text = mail.text
    assert "alice published “Fresh from Alice”" in text
    post_link, unsubscribe_link = TEXT_LINK.findall(text)
    page.goto(post_link)
    expect(page.get_by_role("heading", name="Fresh from Alice", level=1)).to_be_visible()
    page.goto(unsubscribe_link)
    expect(page.get_by_role("heading", name="Stop the weekly digest?")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Stop the digest emails").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    assert axe_violations(page) == []
    page.goto(unsubscribe_link)  # the link again: harmless
    expect(page.get_by_role("heading", name="Already unsubscribed")).to_be_visible()
    assert axe_violations(page) == []
    with app.app_context():
        assert NotificationSettings.of(db.session.get(User, bob)).digest == "off"
