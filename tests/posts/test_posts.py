"""Writing, reading, editing and deleting posts: who may do what, and what bad input does.
Posts are Markdown, rendered once when saved; a post lives at /post/<id>/<slug> and its
page tells search engines and link previews what it is."""

import re
from html.parser import HTMLParser

import pytest

from flaskblog.extensions import db
from flaskblog.models import Post, User
from tests.helpers.pages import csrf_token_from, head_tags, head_value, page_without_tokens

BOB = "bob@example.com"


def stored_posts(app) -> list[tuple[int, str, str, int]]:
    """Every post in the database as (id, title, content, user_id), oldest id first."""
    with app.app_context():
        posts = db.session.scalars(db.select(Post).order_by(Post.id))
        return [(post.id, post.title, post.content, post.user_id) for post in posts]


def delete_form(html: str, post_id: int) -> re.Match | None:
    """The delete confirmation: a <details> holding a form that posts to the delete URL."""
    return re.search(
        rf'<details[^>]*>.*?<form[^>]*method="post"[^>]*action="/post/{post_id}/delete".*?</details>',
        html,
        re.DOTALL,
    )


# Creating


def test_anonymous_visitor_is_sent_to_login_to_write_a_post(client):
    response = client.get("/post/new")

    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fpost%2Fnew"


def test_anonymous_post_submission_is_sent_to_login_and_saves_nothing(app, client, forms):
    response = forms.submit("/post/new", {"title": "Sneaky", "content": "x"}, page="/login")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert stored_posts(app) == []


def test_logged_in_user_publishes_a_post(app, client, auth, forms, make_user):
    alice = make_user("alice")
    auth.login()

    response = forms.submit("/post/new", {"title": "  Hello world  ", "content": "First post!"})

    [(post_id, title, content, user_id)] = stored_posts(app)
    assert (title, content, user_id) == ("Hello world", "First post!", alice)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/post/{post_id}/hello-world"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Published." in page
    assert "Hello world" in page
    assert "First post!" in page
    assert ">alice</a>" in page


def test_post_of_the_longest_allowed_title_and_content_is_accepted(app, auth, forms, make_user):
    make_user("alice")
    auth.login()

    response = forms.submit("/post/new", {"title": "t" * 100, "content": "c" * 50_000})

    assert response.status_code == 302
    [(_, title, content, _)] = stored_posts(app)
    assert (len(title), len(content)) == (100, 50_000)


@pytest.mark.parametrize(
    ("title", "content", "field", "error"),
    [
        ("", "Some content", "title", "This field is required."),
        ("   \t ", "Some content", "title", "This field is required."),
        ("A title", "", "content", "This field is required."),
        ("A title", " \r\n  ", "content", "This field is required."),
        ("t" * 101, "Some content", "title", "Field cannot be longer than 100 characters."),
        ("A title", "c" * 50_001, "content", "Field cannot be longer than 50000 characters."),
    ],
    ids=[
        "empty-title",
        "blank-title",
        "empty-content",
        "blank-content",
        "long-title",
        "long-content",
    ],
)
def test_bad_post_is_refused_with_a_form_error_and_nothing_saved(
    app, auth, forms, make_user, title, content, field, error
):
    make_user("alice")
    auth.login()

    response = forms.submit("/post/new", {"title": title, "content": content})

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    errors = re.search(rf'<ul class="field__errors" id="{field}-error">(.*?)</ul>', html, re.DOTALL)
    assert errors, f"no error shown for {field}"
    assert error in errors.group(1)
    assert stored_posts(app) == []


# Reading


MARKDOWN = """## Heading

First line
second line, *emphasis* and ~~old~~.

- one
- two

```python
print("<hi>")
```

| Name | Score |
|:-----|------:|
| ann  | 10    |

<script>alert('x')</script> & <b onclick="steal()">bold</b>
"""
HIGHLIGHTED_CODE = (
    '<span class="nb">print</span><span class="p">(</span>'
    '<span class="s2">"&lt;hi&gt;"</span><span class="p">)</span>'
)
RENDERED = f"""<h2>Heading</h2>
<p>First line
second line, <em>emphasis</em> and <s>old</s>.</p>
<ul>
<li>one</li>
<li>two</li>
</ul>
<pre class="highlight"><code class="language-python">{HIGHLIGHTED_CODE}
</code></pre>
<table>
<thead>
<tr>
<th class="align-left">Name</th>
<th class="align-right">Score</th>
</tr>
</thead>
<tbody>
<tr>
<td class="align-left">ann</td>
<td class="align-right">10</td>
</tr>
</tbody>
</table>
<p>&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b onclick="steal()"&gt;bold&lt;/b&gt;</p>
"""


def post_body(response) -> str:
    """The rendered Markdown of a post page."""
    html = response.get_data(as_text=True)
    return re.search(r'<div class="post__body">(.*?)</div>', html, re.S).group(1)


# The site's own static scripts, with their content hash: every page has the dates' one.
OUR_SCRIPTS = ("/static/js/",)  # the site's own, which the sanitiser never lets a post name


def active_markup(html: str) -> list[str]:
    """Script elements and event-handler attributes a browser would find in `html`."""
    found = []

    class Active(HTMLParser):
        def handle_starttag(self, tag, attrs):
            src = dict(attrs).get("src") or ""
            if tag == "script" and not src.startswith(OUR_SCRIPTS):
                found.append(tag)
            found.extend(f"{tag} {name}" for name, _ in attrs if name.startswith("on"))

    Active().feed(html)
    return found


def test_post_page_renders_markdown_and_escapes_raw_html(app, client, make_user, make_posts):
    alice = make_user("alice")
    (post_id,) = make_posts(alice, 1, title="<i>Tagged</i> title", content=MARKDOWN)

    response = client.get(f"/post/{post_id}/i-tagged-i-title")

    assert response.status_code == 200
    assert post_body(response) == RENDERED
    html = response.get_data(as_text=True)
    assert active_markup(html) == []
    assert '<h1 class="post__title">&lt;i&gt;Tagged&lt;/i&gt; title</h1>' in html


def test_markdown_is_rendered_once_when_the_post_is_saved(app, client, auth, forms, make_user):
    make_user("alice")
    auth.login()
    response = forms.submit("/post/new", {"title": "Stored", "content": MARKDOWN})
    url = response.headers["Location"]

    with app.app_context():
        post = db.session.scalars(db.select(Post)).one()
        assert (post.content, post.content_html) == (MARKDOWN, RENDERED)
        assert post.content_text.startswith("Heading First line second line, emphasis and old.")
        # Change only the stored HTML and text: pages must show them, not render again.
        db.session.execute(
            db.update(Post).values(
                content_html="<p>Served from the <em>database</em>.</p>",
                content_text="Excerpt from the database.",
            )
        )
        db.session.commit()

    assert post_body(client.get(url)) == "<p>Served from the <em>database</em>.</p>"
    # Excerpts and descriptions are the opening paragraph of the stored HTML.
    assert '<p class="post__excerpt">Served from the database.</p>' in client.get("/").text
    assert head_value(client.get(url), "name", "description") == "Served from the database."


def test_editing_a_post_renders_its_new_markdown(app, client, auth, forms, alices_post):
    auth.login()

    forms.submit(f"/post/{alices_post}/update", {"title": "Edited", "content": "Now **bold**."})

    with app.app_context():
        post = db.session.get(Post, alices_post)
        assert post.content_html == "<p>Now <strong>bold</strong>.</p>\n"
        assert post.content_text == "Now bold."
    assert post_body(client.get(f"/post/{alices_post}")) == "<p>Now <strong>bold</strong>.</p>\n"


@pytest.mark.parametrize(("words", "minutes"), [(1, 1), (200, 1), (201, 2), (400, 2), (401, 3)])
def test_post_page_shows_the_reading_time(client, make_user, make_posts, words, minutes):
    alice = make_user("alice")
    (post_id,) = make_posts(alice, 1, content=" ".join(["word"] * words))

    html = client.get(f"/post/{post_id}").get_data(as_text=True)

    assert f'<span class="post__reading">{minutes} min read</span>' in html


# Addresses: /post/<id>/<slug> is the canonical one


def test_post_is_at_its_slug_address_and_at_its_plain_id(client, auth, forms, make_user):
    make_user("alice")
    auth.login()
    response = forms.submit("/post/new", {"title": "Hello, World!", "content": "Hi."})
    assert response.headers["Location"] == "/post/1/hello-world"
    assert "Published." in client.get("/post/1/hello-world").text

    by_slug, by_id = client.get("/post/1/hello-world"), client.get("/post/1")

    assert by_slug.status_code == by_id.status_code == 200
    assert page_without_tokens(by_slug) == page_without_tokens(by_id)
    canonical = "http://flaskblog.test/post/1/hello-world"
    assert head_value(by_id, "rel", "canonical", "href") == canonical


@pytest.mark.parametrize(
    "wrong", ["hello", "Hello-World", "hello-world-", "%3Cscript%3E", "x" * 2000, "deleted"]
)
def test_a_wrong_slug_redirects_permanently_to_the_right_one(client, make_user, make_posts, wrong):
    alice = make_user("alice")
    make_posts(alice, 1, title="Hello World")

    response = client.get(f"/post/1/{wrong}")

    assert response.status_code == 301
    assert response.headers["Location"] == "/post/1/hello-world"


def test_an_old_slug_redirects_to_the_new_one_after_the_title_changes(
    client, auth, forms, alices_post
):
    auth.login()
    forms.submit(f"/post/{alices_post}/update", {"title": "A new title", "content": "Same."})

    response = client.get(f"/post/{alices_post}/alice-s-post")

    assert response.status_code == 301
    assert response.headers["Location"] == f"/post/{alices_post}/a-new-title"
    assert client.get(f"/post/{alices_post}/a-new-title").status_code == 200


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hello, World!", "hello-world"),
        ("  Ünïcödé   café  ", "unicode-cafe"),
        ("C'est l'été", "c-est-l-ete"),
        ("日本語のタイトル", "post"),
        ("!!!", "post"),
        ("Update", "update-post"),
        ("delete", "delete-post"),
        ("Comment", "comment-post"),
        ("Revisions", "revisions-post"),
        ("Updates", "updates"),
        ("word " * 20, ("word-" * 16).rstrip("-")),
    ],
)
def test_the_slug_comes_from_the_title_and_leads_to_the_post(
    client, auth, forms, make_user, title, slug
):
    make_user("alice")
    auth.login()

    response = forms.submit("/post/new", {"title": title, "content": "The post itself."})

    assert response.headers["Location"] == f"/post/1/{slug}"
    assert len(slug) <= Post.SLUG_LENGTH
    # Even a title that is one of the post's actions (update, delete) leads to the post.
    auth.logout()
    page = client.get(f"/post/1/{slug}")
    assert page.status_code == 200
    assert "The post itself." in post_body(page)


def test_post_page_has_a_description_opengraph_tags_and_a_canonical_link(
    client, make_user, make_posts
):
    alice = make_user("alice")
    words = " ".join(f"w{n}" for n in range(100))
    make_posts(alice, 1, title='Say "hi" & <bye>', content=f"# Greeting\n\n*Hello* there. {words}")

    response = client.get("/post/1/say-hi-bye")

    canonical = "http://flaskblog.test/post/1/say-hi-bye"
    description = head_value(response, "name", "description")
    assert description.startswith("Hello there. w0 w1 w2")  # the opening, not the heading
    assert description.endswith("…")
    assert len(description) <= 161
    assert head_value(response, "rel", "canonical", "href") == canonical
    assert head_value(response, "property", "og:type") == "article"
    assert head_value(response, "property", "og:title") == 'Say "hi" & <bye>'
    assert head_value(response, "property", "og:description") == description
    assert head_value(response, "property", "og:url") == canonical
    assert not [tag for tag in head_tags(response) if tag.get("name") == "robots"]


def test_a_short_posts_description_is_its_whole_text(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 1, title="Short", content="Only **this**.")

    response = client.get("/post/1")

    assert head_value(response, "name", "description") == "Only this."
    assert head_value(response, "property", "og:description") == "Only this."


def test_missing_post_is_404(client, alices_post):
    assert client.get(f"/post/{alices_post + 1}").status_code == 404
    assert client.get("/post/0").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/post/99999999999999999999",
        "/post/2147483648",
        "/post/99999999999999999999/update",
        "/post/-1",
    ],
)
def test_huge_or_negative_post_id_is_404_not_500(client, auth, make_user, url):
    make_user("alice")
    auth.login()

    assert client.get(url).status_code == 404


def test_deleting_a_huge_post_id_is_404(app, client, auth, make_user, alices_post):
    auth.login()
    token = csrf_token_from(client.get(f"/post/{alices_post}"))

    response = client.post("/post/99999999999999999999/delete", data={"csrf_token": token})

    assert response.status_code == 404
    assert len(stored_posts(app)) == 1


def test_largest_database_id_is_a_plain_404(client, make_user):
    make_user("alice")

    assert client.get("/post/2147483647").status_code == 404


def test_delete_confirmation_is_shown_only_to_the_author(client, auth, make_user, alices_post):
    make_user("bob")
    url = f"/post/{alices_post}"

    anonymous = client.get(url).get_data(as_text=True)
    auth.login(BOB)
    bobs_view = client.get(url).get_data(as_text=True)
    auth.logout()
    auth.login()
    alices_view = client.get(url).get_data(as_text=True)

    confirmation = delete_form(alices_view, alices_post)
    assert confirmation
    assert 'name="csrf_token"' in confirmation.group(0)
    assert f'href="/post/{alices_post}/update"' in alices_view
    for html in (anonymous, bobs_view):
        assert "Alice wrote this." in html
        assert delete_form(html, alices_post) is None  # (bob has a "Report" disclosure)
        assert f"/post/{alices_post}/delete" not in html
        assert f"/post/{alices_post}/update" not in html


# Updating


def test_author_updates_their_post(app, client, auth, forms, make_user, alices_post):
    auth.login()
    url = f"/post/{alices_post}/update"

    form = client.get(url).get_data(as_text=True)
    assert 'value="Alice&#39;s post"' in form
    assert "Alice wrote this.</textarea>" in form

    response = forms.submit(url, {"title": "Edited", "content": "Better\nnow."})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/post/{alices_post}/edited"
    [(_, title, content, _)] = stored_posts(app)
    assert (title, content) == ("Edited", "Better\nnow.")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Updated." in page
    assert "Edited" in page
    assert "<p>Better\nnow.</p>" in page


@pytest.mark.parametrize(
    ("title", "content"),
    [
        ("", "New content"),
        ("   ", "New content"),
        ("New", ""),
        ("t" * 101, "x"),
        ("x", "c" * 50_001),
    ],
    ids=["empty-title", "blank-title", "empty-content", "long-title", "long-content"],
)
def test_bad_update_is_refused_and_the_post_is_unchanged(
    app, auth, forms, alices_post, title, content
):
    auth.login()
    before = stored_posts(app)

    response = forms.submit(f"/post/{alices_post}/update", {"title": title, "content": content})

    assert response.status_code == 200
    assert 'class="field__errors"' in response.get_data(as_text=True)
    assert stored_posts(app) == before


def test_another_user_cannot_update_a_post(app, client, auth, forms, make_user, alices_post):
    make_user("bob")
    auth.login(BOB)
    before = stored_posts(app)
    url = f"/post/{alices_post}/update"

    assert client.get(url).status_code == 403
    response = forms.submit(url, {"title": "Hijacked", "content": "x"}, page=f"/post/{alices_post}")

    assert response.status_code == 403
    assert "You do not have permission to do that." in response.get_data(as_text=True)
    assert stored_posts(app) == before


def test_updating_a_missing_post_is_404(client, auth, forms, make_user):
    make_user("alice")
    auth.login()

    assert client.get("/post/1/update").status_code == 404
    response = forms.submit("/post/1/update", {"title": "T", "content": "C"}, page="/")
    assert response.status_code == 404


def test_anonymous_update_is_sent_to_login_and_changes_nothing(app, client, forms, alices_post):
    before = stored_posts(app)
    url = f"/post/{alices_post}/update"

    assert client.get(url).headers["Location"] == f"/login?next=%2Fpost%2F{alices_post}%2Fupdate"
    response = forms.submit(url, {"title": "Hijacked", "content": "x"}, page="/login")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert stored_posts(app) == before


# Deleting


def test_author_deletes_their_post_after_confirming(app, client, auth, forms, alices_post):
    auth.login()

    response = forms.submit(f"/post/{alices_post}/delete", page=f"/post/{alices_post}")

    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "/home")
    assert stored_posts(app) == []
    home = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your post has been deleted." in home
    assert "Alice&#39;s post" not in home
    assert client.get(f"/post/{alices_post}").status_code == 404


def test_deleting_a_post_leaves_its_author_and_other_posts(
    app, auth, forms, make_posts, alices_post
):
    with app.app_context():
        alice = db.session.scalar(db.select(User.id))
    (other,) = make_posts(alice, 1, title="Keep me")
    auth.login()

    forms.submit(f"/post/{alices_post}/delete", page=f"/post/{alices_post}")

    assert [post[:2] for post in stored_posts(app)] == [(other, "Keep me")]
    with app.app_context():
        assert db.session.get(User, alice) is not None


def test_another_user_cannot_delete_a_post(app, client, auth, forms, make_user, alices_post):
    make_user("bob")
    auth.login(BOB)
    before = stored_posts(app)

    response = forms.submit(f"/post/{alices_post}/delete", page=f"/post/{alices_post}")

    assert response.status_code == 403
    assert stored_posts(app) == before


def test_deleting_a_missing_post_is_404(client, auth, forms, make_user):
    make_user("alice")
    auth.login()

    assert forms.submit("/post/1/delete", page="/").status_code == 404


def test_anonymous_delete_is_sent_to_login_and_deletes_nothing(app, forms, alices_post):
    before = stored_posts(app)

    response = forms.submit(f"/post/{alices_post}/delete", page="/login")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert stored_posts(app) == before


def test_delete_by_get_is_405_and_deletes_nothing(app, client, auth, alices_post):
    auth.login()
    before = stored_posts(app)

    response = client.get(f"/post/{alices_post}/delete")

    assert response.status_code == 405
    assert "POST" in response.headers["Allow"].split(", ")
    assert stored_posts(app) == before


@pytest.mark.parametrize("method", ["put", "patch"])
def test_delete_by_another_method_is_405_and_deletes_nothing(
    app, client, auth, alices_post, method
):
    auth.login()
    before = stored_posts(app)

    response = getattr(client, method)(f"/post/{alices_post}/delete")

    assert response.status_code == 405
    assert "POST" in response.headers["Allow"].split(", ")
    assert stored_posts(app) == before


@pytest.mark.parametrize("token", [None, "", "forged-token"], ids=["missing", "empty", "forged"])
def test_delete_without_a_valid_csrf_token_is_400_and_deletes_nothing(
    app, client, auth, alices_post, token
):
    auth.login()
    before = stored_posts(app)
    data = {} if token is None else {"csrf_token": token}

    response = client.post(f"/post/{alices_post}/delete", data=data)

    assert response.status_code == 400
    assert "The form had expired or was sent from elsewhere." in response.get_data(as_text=True)
    assert stored_posts(app) == before


def test_new_post_without_a_csrf_token_is_400_and_saves_nothing(app, client, auth, make_user):
    make_user("alice")
    auth.login()

    response = client.post("/post/new", data={"title": "No token", "content": "x"})

    assert response.status_code == 400
    assert stored_posts(app) == []
