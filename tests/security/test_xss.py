"""Cross-site scripting: known payloads go in through every field people write (post
titles and bodies, tags, comments, the search box) and come out inert on every page
and feed that shows them."""

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from tests.helpers.pages import page_text

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    "<<script>script>alert(1)<</script>/script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pic](javascript:alert(1))",
    '![pic](x" onerror="alert(1))',
    "<a href='vbscript:msgbox(1)'>click</a>",
    "javascript:alert(1)",
]

DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "base", "style", "frame"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class ActiveMarkup(HTMLParser):
    """Collects anything in a page that a browser would run: event handlers, script
    elements not served from /static/, script-bearing URLs and embedding elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.found.append(f"<script> without a /static/ source: {attrs}")
        elif tag in DANGEROUS_TAGS - {"script"}:
            self.found.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...> event handler")
            if name == "style":
                self.found.append(f"<{tag} style=...> inline style")
            squeezed = "".join((value or "").split()).lower()
            if name in URL_ATTRIBUTES and squeezed.startswith(BAD_SCHEMES):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def active_markup(html: str) -> list[str]:
    parser = ActiveMarkup()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_inert(response) -> None:
    assert response.status_code < 500
    html = response.get_data(as_text=True)
    assert active_markup(html) == [], response.request.path


def assert_feed_inert(response) -> None:
    """A feed reader renders each entry's HTML: that HTML must be inert too."""
    assert response.status_code == 200
    root = ET.fromstring(response.get_data())
    for element in root.iter():
        if element.text and element.get("type") == "html":
            assert active_markup(element.text) == [], element.tag
    assert active_markup(response.get_data(as_text=True)) == []


def test_the_checker_sees_active_markup():
    # The check below is only as good as this parser: it must catch the real thing.
    assert active_markup('<img src=x onerror="alert(1)">')
    assert active_markup("<script>alert(1)</script>")
    assert active_markup('<a href=" java&#x09;script:alert(1)">x</a>')
    assert active_markup('<script src="/static/js/editor.js"></script><p>ok</p>') == []


@pytest.fixture
def writer(auth, make_user):
    make_user("writer", "writer@example.com")
    auth.login("writer@example.com")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_a_post_and_a_comment_stays_inert_everywhere(client, forms, writer, payload):
    created = forms.submit(
        "/post/new",
        {"title": payload[:100], "content": f"Intro words.\n\n{payload}", "tags": "xss"},
    )
    assert created.status_code == 302
    post_url = created.headers["Location"]
    post_id = int(re.search(r"/post/(\d+)", post_url)[1])
    commented = forms.submit(f"/post/{post_id}/comment", {"body": payload}, page=post_url)
    assert commented.status_code in (302, 303)

    for url in (
        "/",
        post_url,
        "/user/writer",
        "/tag/xss",
        "/tags",
        f"/search?q={quote('alert intro words')}",
        f"/search?q={quote(payload)}",
        f"/post/{post_id}/update",
    ):
        assert_inert(client.get(url))
    for feed in ("/feed.xml", "/user/writer/feed.xml", "/tag/xss/feed.xml"):
        assert_feed_inert(client.get(feed))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_as_tags_is_refused_and_not_reflected_actively(forms, writer, payload):
    response = forms.submit("/post/new", {"title": "Tagged", "content": "Body", "tags": payload})

    assert response.status_code == 200
    assert "letters, digits or hyphens" in page_text(response) or "at most 5 tags" in page_text(
        response
    )
    assert_inert(response)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_in_urls_and_queries_is_not_reflected_actively(client, payload):
    for url in (
        f"/search?q={quote(payload)}",
        f"/user/{quote(payload, safe='')}",
        f"/tag/{quote(payload, safe='')}",
        f"/login?next={quote(payload)}",
        f"/?page={quote(payload)}",
    ):
        assert_inert(client.get(url))
