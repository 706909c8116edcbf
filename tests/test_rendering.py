"""Turning what people write into safe HTML: Markdown for posts (CommonMark, tables,
strikethrough, fenced code; raw HTML escaped; only http, https and mailto links), plain
text for comments; and the excerpts and reading times listings show."""

import re
from html.parser import HTMLParser

import pytest

from flaskblog.rendering import (
    LINK_REL,
    excerpt,
    html_to_text,
    reading_minutes,
    render_comment,
    render_markdown,
)

REL = 'rel="nofollow noopener ugc"'


def html(source: str) -> str:
    return render_markdown(source).html


class Elements(HTMLParser):
    """Every element of an HTML fragment as (tag, {attribute: value}), as a browser parses it."""

    def __init__(self, fragment: str):
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def elements(fragment: str) -> list[tuple[str, dict[str, str]]]:
    return Elements(fragment).found


def url_scheme(url: str) -> str:
    """The scheme a browser would read from an attribute value ("" for a relative URL).

    Browsers drop tabs and newlines anywhere in a URL and spaces and control characters
    around it before they look for the scheme.
    """
    cleaned = re.sub(r"[\t\n\r]", "", url).strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08 \x0b\x0c")
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else ""


# CommonMark and its extensions


@pytest.mark.parametrize(
    ("source", "rendered"),
    [
        ("# One\n\n## Two", "<h1>One</h1>\n<h2>Two</h2>\n"),
        ("*em* **bold** `x`", "<p><em>em</em> <strong>bold</strong> <code>x</code></p>\n"),
        ("- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"),
        ("3. c\n4. d", '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>\n'),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>\n"),
        ("above\n\n---\n\nbelow", "<p>above</p>\n<hr>\n<p>below</p>\n"),
        ("line one  \nline two", "<p>line one<br>\nline two</p>\n"),
        ("    indented code", "<pre><code>indented code\n</code></pre>\n"),
        ("~~gone~~ and ~kept~", "<p><s>gone</s> and ~kept~</p>\n"),
        ("```py\na < b\n```", '<pre><code class="language-py">a &lt; b\n</code></pre>\n'),
        ("```\nplain\n```", "<pre><code>plain\n</code></pre>\n"),
        ('[a](https://x.test "T")', f'<p><a href="https://x.test" title="T" {REL}>a</a></p>\n'),
        ("<https://x.test/?a&b>", f'<p><a href="https://x.test/?a&amp;b" {REL}>https://x.test/?a&amp;b</a></p>\n'),
        ("[mail](mailto:a@example.com)", f'<p><a href="mailto:a@example.com" {REL}>mail</a></p>\n'),
        ("![cat](https://x.test/c.png)", '<p><img src="https://x.test/c.png" alt="cat"></p>\n'),
        ("5 * 3 & 2 < 4", "<p>5 * 3 &amp; 2 &lt; 4</p>\n"),
    ],
    ids=[
        "headings", "emphasis", "bullets", "numbers", "quote", "rule", "hard-break",
        "indented-code", "strikethrough", "fenced-code", "fenced-code-plain", "link",
        "autolink", "mailto", "image", "text-escaped",
    ],
)  # fmt: skip
def test_markdown_renders_commonmark_with_strikethrough_and_fenced_code(source, rendered):
    assert html(source) == rendered


def test_tables_align_their_cells_with_classes_not_styles():
    source = "| Left | Centre | Right | None |\n|:--|:-:|--:|---|\n| a | b | c | d |"

    rendered = html(source)

    cells = [(tag, attrs) for tag, attrs in elements(rendered) if tag in ("th", "td")]
    assert [attrs.get("class") for _, attrs in cells] == [
        "align-left", "align-center", "align-right", None,
    ] * 2  # fmt: skip
    assert "style" not in rendered
    assert render_markdown(source).text == "Left Centre Right None a b c d"


@pytest.mark.parametrize(
    "source",
    [
        '```" onmouseover="alert(1)\nx\n```',
        '```x" class="evil\nx\n```',
        "```" + "a" * 40 + "\nx\n```",
    ],
)
def test_a_fenced_code_block_keeps_only_a_plain_language_class(source):
    rendered = html(source)

    assert [attrs for tag, attrs in elements(rendered) if tag == "code"] == [{}]
    assert "onmouseover" not in rendered.replace("&quot;", "")


# Raw HTML and dangerous URLs

RAW_HTML = [
    "<script>alert(1)</script>",
    "<b onclick=alert(1)>bold</b>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<style>body { display: none }</style>",
    '<a href="javascript:alert(1)">click</a>',
    "<div>\n<script>alert(1)</script>\n</div>",
    '<!-- comment --><p style="color:red">styled</p>',
    "text <span onmouseover=alert(1)>inline</span> text",
    "<details open ontoggle=alert(1)>",
]


@pytest.mark.parametrize("source", RAW_HTML)
def test_raw_html_is_shown_as_text_never_run(source):
    rendered = render_markdown(source)

    tags = {tag for tag, _ in elements(rendered.html)}
    assert tags <= {"p", "br"}
    assert all(not attrs for _, attrs in elements(rendered.html))
    # Readers see exactly what was written.
    assert rendered.text == re.sub(r"\s+", " ", source).strip()


HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "javascript&#58;alert(1)",
    "&#106;avascript:alert(1)",
    "java\tscript:alert(1)",
    "%20javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/png;base64,iVBORw0KGgo=",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
@pytest.mark.parametrize(
    "template", ["[click]({url})", "![picture]({url})", "<{url}>", "[ref]\n\n[ref]: {url}"]
)
def test_links_and_images_keep_only_web_and_mail_addresses(template, url):
    rendered = html(template.format(url=url))

    addresses = [
        attrs[name] for _, attrs in elements(rendered) for name in ("href", "src") if name in attrs
    ]
    assert all(url_scheme(address) in ("", "http", "https", "mailto") for address in addresses)


@pytest.mark.parametrize(
    "source",
    [
        "[a](https://example.com)",
        "<https://example.com>",
        "[a](/relative)",
        "[ref]\n\n[ref]: http://x.test",
    ],
)
def test_every_link_is_marked_nofollow_noopener_ugc(source):
    links = [attrs for tag, attrs in elements(html(source)) if tag == "a"]

    assert links
    assert all(attrs["rel"] == LINK_REL == "nofollow noopener ugc" for attrs in links)


def test_nothing_outside_the_allow_list_survives_a_mixed_document():
    source = "\n\n".join(
        [*RAW_HTML, *(f"[x]({url}) ![y]({url})" for url in HOSTILE_URLS), "| a |\n|:-:|\n| b |"]
    )

    rendered = html(source)

    allowed = {"p", "br", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}
    for tag, attrs in elements(rendered):
        assert tag in allowed
        assert not {name for name in attrs if name.startswith("on") or name == "style"}


# Plain text, excerpts and reading time


def test_the_text_of_a_post_is_its_words_without_markup():
    source = "# Title\n\nSome *emphasis*, a [link](https://x.test) and `code`.\n\n- one\n- two"

    assert render_markdown(source).text == "Title Some emphasis, a link and code. one two"


def test_text_decodes_entities_and_keeps_angle_brackets_as_written():
    assert html_to_text("<p>a &amp; b &lt;c&gt; &quot;d&quot;</p>") == 'a & b <c> "d"'


def test_an_excerpt_of_short_text_is_the_whole_text():
    assert excerpt("Short and sweet.") == "Short and sweet."
    assert excerpt("x" * 300) == "x" * 300


def test_an_excerpt_is_cut_at_a_word_near_300_characters_with_an_ellipsis():
    text = " ".join(f"word{n}" for n in range(100))  # 589 characters

    cut = excerpt(text)

    assert cut.endswith("…")
    kept = cut.removesuffix("…")
    assert 280 <= len(kept) <= 300
    assert text.startswith(kept)
    assert text[len(kept)] == " "  # cut between words, not inside one


def test_an_excerpt_drops_trailing_punctuation_before_the_ellipsis():
    text = "a" * 295 + ", bcdefghij klmnop"

    assert excerpt(text) == "a" * 295 + "…"


def test_an_excerpt_of_one_endless_word_is_cut_at_the_length():
    assert excerpt("x" * 1000) == "x" * 300 + "…"
    assert excerpt("x" * 1000, 160) == "x" * 160 + "…"


@pytest.mark.parametrize(("words", "minutes"), [(0, 1), (1, 1), (200, 1), (201, 2), (1000, 5)])
def test_reading_time_is_200_words_a_minute_and_at_least_one(words, minutes):
    assert reading_minutes(" ".join(["word"] * words)) == minutes


# Comments: plain text


def test_a_comment_is_escaped_and_keeps_its_line_breaks():
    rendered = render_comment("<script>alert(1)</script>\r\nsecond & *not markdown*\nthird")

    assert rendered == (
        "&lt;script&gt;alert(1)&lt;/script&gt;<br>\nsecond &amp; *not markdown*<br>\nthird"
    )


def test_a_comment_links_web_addresses_and_nothing_else():
    rendered = str(
        render_comment('see https://x.test/?a=1&b="2" or www.example.org, not javascript:alert(1)')
    )

    links = [attrs for tag, attrs in elements(rendered) if tag == "a"]
    assert [link["href"] for link in links] == [
        'https://x.test/?a=1&b="2"',
        "http://www.example.org",
    ]
    assert all(link["rel"] == LINK_REL for link in links)
    assert "javascript:alert(1)" in rendered
    assert all(url_scheme(link["href"]) in ("http", "https") for link in links)
