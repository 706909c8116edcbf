"""Comments under posts: writing, reading, deleting, who may do what, and hostile input."""

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import delete

from flaskblog import urls
from flaskblog.extensions import db
from flaskblog.models import Comment, Post, User
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import field_errors, flashes, page_text

BOB = "bob@example.com"
CAROL = "carol@example.com"
LINK_REL = "nofollow noopener ugc"


# --- Helpers --------------------------------------------------------------------------------


def stored_comments(app) -> list[tuple[int, int, str]]:
    """Every comment in the database as (post_id, user_id, body), oldest id first."""
    with app.app_context():
        comments = db.session.scalars(db.select(Comment).order_by(Comment.id))
        return [(comment.post_id, comment.user_id, comment.body) for comment in comments]


def add_comment(app, post_id: int, user_id: int, body: str, created_at=None) -> int:
    """Write a comment straight into the database; returns its id."""
    with app.app_context():
        comment = Comment(post_id=post_id, user_id=user_id, body=body)
        if created_at is not None:
            comment.created_at = created_at
        db.session.add(comment)
        db.session.commit()
        return comment.id


def post_url(app, post_id: int) -> str:
    """A post's canonical address, as the app builds it."""
    with app.test_request_context(), app.app_context():
        return urls.post_url(db.session.get(Post, post_id))


def comment_on(forms, app, post_id: int, body: str):
    """Post a comment from the post page, as a reader does."""
    return forms.submit(f"/post/{post_id}/comment", {"body": body}, page=post_url(app, post_id))


def comment_count_in_listing(html: str) -> list[int]:
    """The comment counts that a listing shows, one a post."""
    return [int(n) for n in re.findall(r'class="post__comments"[^>]*>(\d+) comments?<', html)]


class PageMarkup(HTMLParser):
    """Every element of a page, and, apart, what the comment bodies hold."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []  # outside comment bodies
        self.body_elements: list[tuple[str, dict]] = []  # inside them
        self.bodies: list[str] = []  # the text a reader sees in each
        self._body: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = (tag, dict(attrs))
        if self._body is not None:
            self.body_elements.append(element)
            return
        self.elements.append(element)
        if tag == "p" and element[1].get("class") == "comment__body":
            self._body = []

    def handle_endtag(self, tag):
        if tag == "p" and self._body is not None:
            self.bodies.append("".join(self._body))
            self._body = None

    def handle_data(self, data):
        if self._body is not None:
            self._body.append(data)

    def skeleton(self) -> list[tuple[str, list[str]]]:
        """The page's elements outside comment bodies, with attribute names but not values."""
        return [(tag, sorted(attrs)) for tag, attrs in self.elements]

    def comment_delete_actions(self) -> list[str]:
        """Where the page's comment delete buttons post to."""
        actions = (attrs.get("action", "") for tag, attrs in self.elements if tag == "form")
        return [action for action in actions if re.fullmatch(r"/comment/\d+/delete", action)]


@pytest.fixture
def bob(make_user):
    return make_user("bob")


# --- Writing --------------------------------------------------------------------------------


def test_reader_comments_on_a_post_and_sees_it_under_the_post(
    app, client, auth, forms, alices_post, bob
):
    auth.login(BOB)

    response = comment_on(forms, app, alices_post, "  Great post, thanks!  ")

    assert stored_comments(app) == [(alices_post, bob, "Great post, thanks!")]
    with app.app_context():
        comment_id = db.session.scalar(db.select(Comment.id))
    assert response.status_code == 302
    assert response.headers["Location"] == f"{post_url(app, alices_post)}#comment-{comment_id}"
    page = client.get(response.headers["Location"])
    assert ("success", "Your comment has been posted.") in flashes(page)
    markup = PageMarkup(page.get_data(as_text=True))
    assert markup.bodies == ["Great post, thanks!"]
    html = page.get_data(as_text=True)
    assert f'<article class="comment" id="comment-{comment_id}">' in html
    assert '<a class="comment__author" href="/user/bob">bob</a>' in html
    assert '<h2 id="comments-heading">1 comment</h2>' in html


def test_comment_shows_its_authors_picture_and_date(app, client, alices_post, bob):
    with app.app_context():
        user = db.session.get(User, bob)
        user.set_avatar(b"a processed picture")
        db.session.commit()
        picture = f"/avatar/{bob}/{user.avatar.digest}.webp"
    written = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    comment_id = add_comment(app, alices_post, bob, "Hello", created_at=written)

    html = client.get(post_url(app, alices_post)).get_data(as_text=True)

    article = re.search(
        rf'<article class="comment" id="comment-{comment_id}">.*?</article>', html, re.S
    )
    assert article, "the comment is not on the page"
    assert f'src="{picture}"' in article.group(0)
    assert re.search(
        r'<time datetime="2026-03-04T05:06:07Z"[^>]*>March 4, 2026 \(UTC\)</time>', article.group(0)
    )


def test_comments_are_shown_oldest_first(app, client, alices_post, bob):
    start = datetime(2026, 2, 1, tzinfo=UTC)
    add_comment(app, alices_post, bob, "second", created_at=start + timedelta(hours=2))
    add_comment(app, alices_post, bob, "first", created_at=start + timedelta(hours=1))
    add_comment(app, alices_post, bob, "third", created_at=start + timedelta(hours=3))

    page = client.get(post_url(app, alices_post))

    assert PageMarkup(page.get_data(as_text=True)).bodies == ["first", "second", "third"]
    assert '<h2 id="comments-heading">3 comments</h2>' in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write something before posting."),
        ("   \r\n\t  \n ", "Write something before posting."),
        ("x" * 2001, "Comments can be at most 2,000 characters long."),
        ("ü" * 100_000, "Comments can be at most 2,000 characters long."),
    ],
    ids=["empty", "whitespace", "2001-characters", "100000-characters"],
)
def test_empty_or_too_long_comment_is_refused_and_the_text_kept(
    app, auth, forms, alices_post, bob, body, error
):
    auth.login(BOB)

    response = comment_on(forms, app, alices_post, body)

    assert response.status_code == 200
    assert field_errors(response, "body") == [error]
    assert stored_comments(app) == []
    html = response.get_data(as_text=True)
    assert "Alice wrote this." in html  # still the post's page, with the form at the bottom
    textarea = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', html, re.S)
    assert textarea.group(1).strip() == body.strip()  # nothing typed is lost
    assert f'action="/post/{alices_post}/comment#comment-form"' in html


def test_comment_form_without_a_body_field_is_refused(app, auth, forms, alices_post, bob):
    auth.login(BOB)

    response = forms.submit(f"/post/{alices_post}/comment", {}, page=post_url(app, alices_post))

    assert response.status_code == 200
    assert field_errors(response, "body") == ["Write something before posting."]
    assert stored_comments(app) == []


@pytest.mark.parametrize(
    "body", ["y" * 2000, "ü" * 2000, "😀" * 2000], ids=["ascii", "latin", "emoji"]
)
def test_comment_of_exactly_2000_characters_is_accepted(app, auth, forms, alices_post, bob, body):
    auth.login(BOB)

    response = comment_on(forms, app, alices_post, body)

    assert response.status_code == 302
    assert stored_comments(app) == [(alices_post, bob, body)]


def test_line_breaks_count_as_one_character_as_the_browser_counts_them(
    app, auth, forms, alices_post, bob
):
    auth.login(BOB)
    body = "line\r\n" * 400  # 2,400 characters as sent, 1,999 as typed (the last break is trimmed)

    response = comment_on(forms, app, alices_post, body)

    assert response.status_code == 302
    assert stored_comments(app) == [(alices_post, bob, ("line\n" * 400).strip())]


def test_unicode_comment_is_kept_and_shown_as_written(app, client, auth, forms, alices_post, bob):
    auth.login(BOB)
    body = "Grüße aus Köln! 世界 😀 مرحبا — «ça va?» Ωmega"

    comment_on(forms, app, alices_post, body)

    assert stored_comments(app) == [(alices_post, bob, body)]
    page = client.get(post_url(app, alices_post))
    assert PageMarkup(page.get_data(as_text=True)).bodies == [body]


def test_line_breaks_are_kept(app, client, auth, forms, alices_post, bob):
    auth.login(BOB)

    comment_on(forms, app, alices_post, "First line\r\nSecond line\r\n\r\nAfter a blank line")

    html = client.get(post_url(app, alices_post)).get_data(as_text=True)
    assert "First line<br>\nSecond line<br>\n<br>\nAfter a blank line" in html
    assert PageMarkup(html).bodies == ["First line\nSecond line\n\nAfter a blank line"]


def test_web_addresses_become_links_that_pass_no_credit(app, client, alices_post, bob):
    add_comment(app, alices_post, bob, "See https://example.com/docs?a=1&b=2 and www.example.org.")

    markup = PageMarkup(client.get(post_url(app, alices_post)).get_data(as_text=True))

    assert markup.body_elements == [
        ("a", {"href": "https://example.com/docs?a=1&b=2", "rel": LINK_REL}),
        ("a", {"href": "http://www.example.org", "rel": LINK_REL}),
    ]
    assert markup.bodies == ["See https://example.com/docs?a=1&b=2 and www.example.org."]


@pytest.mark.parametrize(
    "body",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "mailto:someone@example.com",
    ],
)
def test_addresses_that_are_not_web_pages_stay_text(app, client, alices_post, bob, body):
    add_comment(app, alices_post, bob, body)

    markup = PageMarkup(client.get(post_url(app, alices_post)).get_data(as_text=True))

    assert markup.body_elements == []
    assert markup.bodies == [body]


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "</p><script>alert(1)</script><p>",
    "</textarea><script>alert(1)</script>",
    '<a href="javascript:alert(1)">click me</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    "<style>*{display:none}</style>",
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    "<<script>alert(1);//<</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    'https://example.com/"onmouseover="alert(1)',
    "https://example.com/'onmouseover='alert(1)",
    "https://example.com/<script>alert(1)</script>",
    "http://example.com/?q=<img src=x onerror=alert(1)>",
    'www.example.com" onclick="alert(1)',
    "<a href=https://example.com onclick=alert(1)>x</a>",
    "{{ config }} {% raw %}{{ 7*7 }}{% endraw %}",
    "\u202egnp.exe <b>bold</b>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_html_in_comments_is_shown_as_text_and_never_runs(
    app, client, auth, forms, alices_post, bob, payload
):
    url = post_url(app, alices_post)
    auth.login(BOB)
    harmless_id = add_comment(app, alices_post, bob, "harmless")
    baseline = PageMarkup(client.get(url).get_data(as_text=True))
    with app.app_context():
        db.session.execute(delete(Comment).where(Comment.id == harmless_id))
        db.session.commit()
    client.get(comment_on(forms, app, alices_post, payload).headers["Location"])  # reads the flash

    page = client.get(url)

    assert stored_comments(app) == [(alices_post, bob, payload)]
    markup = PageMarkup(page.get_data(as_text=True))
    # The reader sees exactly what was typed...
    assert markup.bodies == [payload]
    # ...the page around the comment has the same elements and attributes as with a harmless one...
    assert markup.skeleton() == baseline.skeleton()
    # ...and inside the comment there are only the links the app made itself.
    for tag, attrs in markup.body_elements:
        assert tag == "a" and set(attrs) == {"href", "rel"}, (tag, attrs)
        assert attrs["href"].startswith(("http://", "https://")) and attrs["rel"] == LINK_REL


def test_refused_comment_with_html_is_shown_back_escaped(app, auth, forms, alices_post, bob):
    auth.login(BOB)
    payload = "</textarea><script>alert(1)</script>" + "x" * 2000

    response = comment_on(forms, app, alices_post, payload)

    assert response.status_code == 200
    assert stored_comments(app) == []
    # The only scripts are the site's own, from static/js/ (on every page).
    assert not any(
        tag == "script" and not attrs.get("src", "").startswith("/static/js/")
        for tag, attrs in PageMarkup(response.get_data(as_text=True)).elements
    )
    assert "&lt;/textarea&gt;&lt;script&gt;" in response.get_data(as_text=True)


# --- Who may comment ----------------------------------------------------------------------


def test_visitor_is_asked_to_log_in_and_brought_back_to_the_post(
    app, client, forms, alices_post, bob
):
    url = post_url(app, alices_post)
    page = client.get(url).get_data(as_text=True)
    login_link = re.search(r'<a href="(/login\?next=[^"]+)">Log in to comment</a>', page)
    assert login_link, "no login link for visitors"
    assert 'name="body"' not in page  # no form to fill in for nothing

    response = forms.submit(login_link.group(1), {"email": BOB, "password": PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == f"{url}#comment-form"


def test_visitor_who_posts_a_comment_is_sent_to_log_in_and_nothing_is_saved(
    app, client, forms, alices_post
):
    response = forms.submit(f"/post/{alices_post}/comment", {"body": "Hi"}, page="/login")

    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"/login?next=/post/{alices_post}/alice-s-post%23comment-form"
    )
    assert ("info", "Please log in to comment.") in flashes(client.get("/login"))
    assert stored_comments(app) == []


@pytest.mark.parametrize("who", ["author", "reader"])
def test_drafts_take_no_comments(app, client, auth, forms, alices_post, bob, who):
    with app.app_context():
        db.session.get(Post, alices_post).unpublish()
        db.session.commit()
    auth.login("alice@example.com" if who == "author" else BOB)

    response = forms.submit(f"/post/{alices_post}/comment", {"body": "Hi"}, page="/")

    assert response.status_code == 404
    assert stored_comments(app) == []


def test_author_sees_that_a_draft_takes_no_comments_yet(app, client, auth, alices_post):
    with app.app_context():
        db.session.get(Post, alices_post).unpublish()
        db.session.commit()
    auth.login("alice@example.com")

    page = client.get(post_url(app, alices_post)).get_data(as_text=True)

    assert "Comments open when the post is published." in page
    assert 'name="body"' not in page


@pytest.mark.parametrize("post_id", [999, 2**31 - 1, 2**31, 2**63])
def test_comment_on_a_missing_post_is_404(app, auth, forms, bob, post_id):
    auth.login(BOB)

    response = forms.submit(f"/post/{post_id}/comment", {"body": "Hi"}, page="/")

    assert response.status_code == 404
    assert stored_comments(app) == []


def test_comment_without_csrf_token_is_400_and_saves_nothing(app, client, auth, alices_post, bob):
    auth.login(BOB)

    missing = client.post(f"/post/{alices_post}/comment", data={"body": "Hi"})
    forged = client.post(
        f"/post/{alices_post}/comment", data={"body": "Hi", "csrf_token": "forged.token.here"}
    )

    assert missing.status_code == forged.status_code == 400
    assert "The form had expired" in page_text(missing)
    assert stored_comments(app) == []


def test_get_on_the_comment_url_is_405_and_saves_nothing(app, client, auth, alices_post, bob):
    auth.login(BOB)

    response = client.get(f"/post/{alices_post}/comment?body=Hi")

    assert response.status_code == 405
    assert stored_comments(app) == []


# --- Deleting -------------------------------------------------------------------------------


def delete_comment(forms, app, comment_id: int, post_id: int):
    return forms.submit(f"/comment/{comment_id}/delete", page=post_url(app, post_id))


@pytest.mark.parametrize("who", ["comment author", "post author"])
def test_comment_is_deleted_by_its_author_or_the_posts_author(
    app, client, auth, forms, alices_post, bob, who
):
    comment_id = add_comment(app, alices_post, bob, "Bob was here")
    kept = add_comment(app, alices_post, bob, "Bob again")
    auth.login(BOB if who == "comment author" else "alice@example.com")

    response = delete_comment(forms, app, comment_id, alices_post)

    assert response.status_code == 302
    assert response.headers["Location"] == f"{post_url(app, alices_post)}#comments"
    assert stored_comments(app) == [(alices_post, bob, "Bob again")]
    page = client.get(response.headers["Location"])
    assert ("success", "The comment has been deleted.") in flashes(page)
    assert f'id="comment-{comment_id}"' not in page.get_data(as_text=True)
    assert f'id="comment-{kept}"' in page.get_data(as_text=True)


def test_someone_else_cannot_delete_a_comment_on_someone_elses_post(
    app, auth, forms, alices_post, bob, make_user
):
    make_user("carol")
    comment_id = add_comment(app, alices_post, bob, "Bob was here")
    auth.login(CAROL)

    response = delete_comment(forms, app, comment_id, alices_post)

    assert response.status_code == 403
    assert stored_comments(app) == [(alices_post, bob, "Bob was here")]


def test_visitor_who_deletes_a_comment_is_sent_to_log_in_and_nothing_is_deleted(
    app, forms, alices_post, bob
):
    comment_id = add_comment(app, alices_post, bob, "Bob was here")

    response = forms.submit(f"/comment/{comment_id}/delete", page="/login")

    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"/login?next=/post/{alices_post}/alice-s-post%23comment-{comment_id}"
    )
    assert len(stored_comments(app)) == 1


@pytest.mark.parametrize("comment_id", [999, 2**31 - 1, 2**31])
def test_deleting_a_missing_comment_is_404(auth, forms, alices_post, bob, comment_id):
    auth.login(BOB)

    response = forms.submit(f"/comment/{comment_id}/delete", page="/")

    assert response.status_code == 404


def test_comment_on_a_post_back_in_drafts_is_hidden_from_its_author_too(
    app, auth, forms, alices_post, bob
):
    comment_id = add_comment(app, alices_post, bob, "Bob was here")
    with app.app_context():
        db.session.get(Post, alices_post).unpublish()
        db.session.commit()
    auth.login(BOB)

    response = forms.submit(f"/comment/{comment_id}/delete", page="/")

    assert response.status_code == 404
    assert len(stored_comments(app)) == 1


def test_delete_without_csrf_token_is_400_and_deletes_nothing(app, client, auth, alices_post, bob):
    comment_id = add_comment(app, alices_post, bob, "Bob was here")
    auth.login(BOB)

    missing = client.post(f"/comment/{comment_id}/delete")
    forged = client.post(f"/comment/{comment_id}/delete", data={"csrf_token": "forged"})

    assert missing.status_code == forged.status_code == 400
    assert len(stored_comments(app)) == 1


def test_get_on_the_delete_url_is_405_and_deletes_nothing(app, client, auth, alices_post, bob):
    comment_id = add_comment(app, alices_post, bob, "Bob was here")
    auth.login(BOB)

    response = client.get(f"/comment/{comment_id}/delete")

    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    assert len(stored_comments(app)) == 1


@pytest.mark.parametrize(
    ("reader", "may_delete"),
    [
        (None, []),
        ("bob@example.com", ["bob"]),
        ("carol@example.com", ["carol"]),
        ("alice@example.com", ["bob", "carol"]),
    ],
    ids=["visitor", "one-commenter", "other-commenter", "post-author"],
)
def test_delete_button_only_where_the_reader_may_delete(
    app, client, auth, alices_post, bob, make_user, reader, may_delete
):
    carol = make_user("carol")
    ids = {"bob": add_comment(app, alices_post, bob, "by bob")}
    ids["carol"] = add_comment(app, alices_post, carol, "by carol")
    if reader:
        auth.login(reader)

    markup = PageMarkup(client.get(post_url(app, alices_post)).get_data(as_text=True))

    assert markup.comment_delete_actions() == [
        f"/comment/{ids[name]}/delete" for name in may_delete
    ]


# --- Listings, page cost and cascades -----------------------------------------------------


def test_listings_count_comments_as_they_come_and_go(
    app, client, auth, forms, make_user, make_posts, bob
):
    alice = make_user("alice")
    _, talked_about = make_posts(alice, 2)
    auth.login(BOB)
    assert comment_count_in_listing(client.get("/").get_data(as_text=True)) == [0, 0]

    comment_on(forms, app, talked_about, "One")
    comment_on(forms, app, talked_about, "Two")

    for listing in ("/", "/user/alice"):
        html = client.get(listing).get_data(as_text=True)
        assert comment_count_in_listing(html) == [2, 0], listing  # newest post first
        assert "2 comments" in html and "0 comments" in html
    with app.app_context():
        first = db.session.scalar(db.select(Comment.id).order_by(Comment.id))
    delete_comment(forms, app, first, talked_about)
    html = client.get("/").get_data(as_text=True)
    assert comment_count_in_listing(html) == [1, 0]
    assert re.search(r'class="post__comments"[^>]*>1 comment<', html)


def test_post_page_runs_the_same_queries_for_one_comment_or_ten(
    app, client, auth, alices_post, make_user, count_queries
):
    def queries() -> int:
        with count_queries() as statements:
            response = client.get(post_url(app, alices_post))
        assert response.status_code == 200
        return len(statements)

    first = make_user("reader0")
    add_comment(app, alices_post, first, "first!")
    small = {"visitor": queries()}
    auth.login("alice@example.com")
    small["post author"] = queries()
    auth.logout()

    for n in range(1, 10):
        user_id = make_user(f"reader{n}")
        if n % 2:
            with app.app_context():
                db.session.get(User, user_id).set_avatar(f"picture {n}".encode())
                db.session.commit()
        add_comment(app, alices_post, user_id, f"comment {n}")
    html = client.get(post_url(app, alices_post)).get_data(as_text=True)
    assert len(PageMarkup(html).bodies) == 10
    assert len(re.findall(r'src="/avatar/\d+/\w+\.webp"', html)) == 5
    large = {"visitor": queries()}
    auth.login("alice@example.com")
    large["post author"] = queries()

    assert small == large


def test_deleting_a_post_deletes_its_comments(app, auth, forms, make_posts, alices_post, bob):
    with app.app_context():
        alice = db.session.get(Post, alices_post).user_id
    (other_post,) = make_posts(alice, 1, title="Another post")
    add_comment(app, alices_post, bob, "on the doomed post")
    add_comment(app, alices_post, alice, "also on it")
    add_comment(app, other_post, bob, "elsewhere")
    auth.login("alice@example.com")

    response = forms.submit(f"/post/{alices_post}/delete", page=post_url(app, alices_post))

    assert response.status_code == 302
    assert stored_comments(app) == [(other_post, bob, "elsewhere")]


def test_database_removes_a_posts_comments_with_it(app, make_posts, alices_post, bob):
    # The ORM leaves this to the database (passive_deletes): the foreign key must cascade.
    add_comment(app, alices_post, bob, "on the doomed post")

    with app.app_context():
        db.session.execute(delete(Post).where(Post.id == alices_post))
        db.session.commit()

    assert stored_comments(app) == []
