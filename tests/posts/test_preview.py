"""The editor's preview: POST /post/preview renders the Markdown exactly as the post page
will, as a whole editor page (without JavaScript) or as a fragment (for editor.js)."""

import re
from html.parser import HTMLParser

import pytest

from flaskblog.extensions import db
from flaskblog.models import Post
from flaskblog.rendering import render_markdown
from tests.helpers.pages import csrf_token_from

MARKDOWN = """# Plan

Some *emphasis*, ~~strike~~ and a [link](https://example.com).

| a | b |
|:--|--:|
| 1 | 2 |

```python
print("hi")
```

<script>alert(1)</script>
"""


class Fields(HTMLParser):
    """The editor form's action and the values a browser would submit from it."""

    def __init__(self, html: str):
        super().__init__()
        self.action, self.values, self._textarea, self._in_form = None, {}, None, False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("class") == "form" and self.action is None:
            self.action, self._in_form = attrs.get("action"), True
        elif self._in_form and tag == "input" and attrs.get("type") not in ("submit", "file"):
            # (A file input sends a file, not a value; the editor's image picker has no name.)
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif self._in_form and tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def editor(response) -> Fields:
    return Fields(response.get_data(as_text=True))


def preview_section(response) -> str:
    """The preview panel of an editor page: its opening tag and the rendered post."""
    return re.search(r'<section class="panel preview".*?</section>', response.text, re.S).group(0)


def preview_body(html: str) -> str:
    return re.search(r'<div class="post__body preview__body">(.*?)</div>', html, re.S).group(1)


def post_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Post))


@pytest.fixture
def writer(auth, make_user):
    """Alice, logged in."""
    alice = make_user("alice")
    auth.login()
    return alice


def preview(client, data: dict, fragment: bool = False, page: str = "/post/new"):
    """Press Preview in the editor at `page`, with these fields filled in."""
    token = csrf_token_from(client.get(page))
    url = "/post/preview?fragment=1" if fragment else "/post/preview"
    return client.post(url, data={**data, "csrf_token": token, "preview": "Preview"})


def test_the_editor_has_publish_save_draft_and_preview_buttons(client, writer):
    html = client.get("/post/new").text

    assert '<input class="button" id="submit" name="submit" type="submit" value="Publish">' in html
    assert 'name="save_draft" type="submit" value="Save draft"' in html
    preview_button = re.search(r'<input [^>]*name="preview"[^>]*>', html).group(0)
    assert 'formaction="/post/preview"' in preview_button
    assert 'data-preview="/post/preview?fragment=1"' in preview_button
    assert re.search(r'<script src="/static/js/editor\.js\?v=[0-9a-f]{12}" defer></script>', html)
    assert re.search(r'<section class="panel preview" id="preview"[^>]* hidden>', html)


def test_editor_pages_give_every_element_its_own_id(client, writer, make_posts):
    """editor.js finds the preview section by its id, so no button may share it."""
    (post_id,) = make_posts(writer, 1)
    pages = [
        client.get("/post/new"),
        client.get(f"/post/{post_id}/update"),
        preview(client, {"title": "T", "content": "C"}),
    ]

    for response in pages:
        ids = re.findall(r'\sid="([^"]+)"', response.text)
        assert len(ids) == len(set(ids)), sorted(ids)
        assert re.search(r'<section class="panel preview" id="preview"', response.text)


def test_preview_shows_the_rendered_post_below_the_editor_still_filled_in(app, client, writer):
    response = preview(client, {"title": "My plan", "content": MARKDOWN, "tags": "a, b"})

    assert response.status_code == 200
    form = editor(response)
    assert form.action == "/post/new"
    assert (form.values["title"], form.values["tags"]) == ("My plan", "a, b")
    assert form.values["content"].replace("\r\n", "\n").lstrip("\n") == MARKDOWN
    section = preview_section(response)
    assert " hidden" not in section.split(">", 1)[0]
    assert preview_body(section) == render_markdown(MARKDOWN).html
    assert "<script>alert" not in response.text
    assert post_count(app) == 0


def test_preview_renders_exactly_what_the_post_page_shows(client, forms, writer):
    fragment = preview(client, {"title": "Same", "content": MARKDOWN}, fragment=True)

    published = forms.submit("/post/new", {"title": "Same", "content": MARKDOWN})
    page = client.get(published.headers["Location"]).text

    post_body = re.search(r'<div class="post__body">(.*?)</div>', page, re.S).group(1)
    assert preview_body(fragment.text) == post_body
    assert "<h1>Plan</h1>" in post_body
    assert '<th class="align-left">a</th>' in post_body


def test_a_fragment_preview_is_only_the_rendered_post(app, client, writer):
    response = preview(client, {"title": "T", "content": "Just **this**."}, fragment=True)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.text.strip() == (
        '<div class="post__body preview__body"><p>Just <strong>this</strong>.</p>\n</div>'
    )
    assert post_count(app) == 0


@pytest.mark.parametrize("fragment", [False, True])
def test_previewing_nothing_is_an_empty_preview_not_an_error(client, writer, fragment):
    response = preview(client, {"title": "", "content": ""}, fragment=fragment)

    assert response.status_code == 200
    assert preview_body(response.text).strip() == ""
    assert "field__errors" not in response.text


def test_previewing_a_huge_post_still_answers(client, writer):
    response = preview(client, {"title": "Huge", "content": "*word* " * 7_000}, fragment=True)

    assert response.status_code == 200
    assert preview_body(response.text).count("<em>word</em>") == 7_000


def test_preview_while_editing_sends_the_form_back_to_that_posts_editor(
    app, client, writer, make_posts
):
    (post_id,) = make_posts(writer, 1)
    page = f"/post/{post_id}/update"

    response = preview(client, {"title": "Edited", "content": "New", "post_id": post_id}, page=page)

    assert response.status_code == 200
    assert "<h1>Edit post</h1>" in response.text
    form = editor(response)
    assert form.action == f"/post/{post_id}/update"
    assert (form.values["post_id"], form.values["title"]) == (str(post_id), "Edited")
    with app.app_context():
        assert db.session.get(Post, post_id).title == "Post 1"


@pytest.mark.parametrize(
    "post_id",
    ["abc", "-1", "1.5", "<script>", "1/../../x", "", " 1", "٣", "²", "9" * 30, "0x1"],
)
def test_a_forged_post_id_in_a_preview_gives_the_new_post_editor(client, writer, post_id):
    response = preview(client, {"title": "T", "content": "C", "post_id": post_id})

    assert response.status_code == 200
    assert "<h1>New post</h1>" in response.text
    assert editor(response).action == "/post/new"
    assert editor(response).values["post_id"] == ""


def test_publishing_from_the_preview_page_saves_the_post(app, client, writer):
    response = preview(client, {"title": "From preview", "content": MARKDOWN, "tags": "plan"})
    form = editor(response)

    published = client.post(form.action, data={**form.values, "submit": "Publish"})

    assert published.status_code == 302
    assert published.headers["Location"] == "/post/1/from-preview"
    with app.app_context():
        post = db.session.get(Post, 1)
        assert (post.title, post.is_published, [tag.name for tag in post.tags]) == (
            "From preview",
            True,
            ["plan"],
        )
        assert post.content_html == render_markdown(MARKDOWN).html


@pytest.mark.parametrize("fragment", [False, True])
def test_preview_needs_a_login(client, make_user, fragment):
    make_user("alice")
    token = csrf_token_from(client.get("/login"))
    url = "/post/preview?fragment=1" if fragment else "/post/preview"

    response = client.post(url, data={"content": "x", "csrf_token": token})

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=%2Fpost%2Fpreview")


@pytest.mark.parametrize("token", [None, "", "forged-token"])
@pytest.mark.parametrize("fragment", [False, True])
def test_preview_without_a_valid_csrf_token_is_400(client, writer, token, fragment):
    data = {"content": "**x**"} if token is None else {"content": "**x**", "csrf_token": token}
    url = "/post/preview?fragment=1" if fragment else "/post/preview"

    response = client.post(url, data=data)

    assert response.status_code == 400
    assert "<strong>x</strong>" not in response.text


def test_preview_by_get_is_405(client, writer):
    response = client.get("/post/preview")

    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
