"""Turning what people write into safe HTML: Markdown for posts (CommonMark, tables,
strikethrough, fenced code; raw HTML escaped; only http, https and mailto links), plain
text for comments; and the excerpts and reading times listings show."""

import re
from html.parser import HTMLParser

import pytest

from flaskblog.rendering import (
    LARGEST_HIGHLIGHTED_BLOCK,
    LINK_REL,
    LONGEST_HIGHLIGHTED_LINE,
    OPENING_TAG,
    TOKEN_CLASSES,
    excerpt,
    highlight_code,
    html_to_text,
    opening_text,
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
        ("```nosuch\na < b\n```", '<pre><code class="language-nosuch">a &lt; b\n</code></pre>\n'),
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


def profiles(*names: str):
    """A profile_url that knows these (lower-case) names, as the post page's does."""
    return lambda name: f"/user/{name}" if name in names else None


def test_mentions_of_known_names_become_profile_links_and_others_stay_text():
    rendered = str(render_comment("Thanks @Bob and @nobody, ask @carol.", profiles("bob", "carol")))

    assert rendered == (
        'Thanks <a class="mention" href="/user/bob">@Bob</a> and @nobody, ask '
        '<a class="mention" href="/user/carol">@carol</a>.'
    )


def test_a_name_ending_in_a_dot_is_linked_whole_when_it_is_a_username():
    assert str(render_comment("hi @bob.", profiles("bob."))) == (
        'hi <a class="mention" href="/user/bob.">@bob.</a>'
    )


@pytest.mark.parametrize(
    "body",
    [
        "mail bob@example.com",
        "see https://social.example/@bob",
        "@@bob",
        "a.@bob",
    ],
)
def test_an_at_sign_inside_an_address_or_a_word_is_no_mention(body):
    assert 'class="mention"' not in str(render_comment(body, profiles("bob")))


def test_mention_links_keep_the_comment_escaped():
    rendered = str(render_comment('@bob<script>alert(1)</script> "@bob" &', profiles("bob")))

    assert "<script>" not in rendered
    assert [tag for tag, attrs in elements(rendered)] == ["a", "a"]
    assert rendered.endswith(
        '&lt;/script&gt; &quot;<a class="mention" href="/user/bob">@bob</a>&quot; &amp;'
    )


def test_an_address_that_would_break_out_of_the_link_is_escaped():
    rendered = str(render_comment("@bob", lambda name: '/user/"><script>'))

    assert "<script>" not in rendered
    assert 'href="/user/&quot;&gt;&lt;script&gt;"' in rendered


# The opening paragraph, which excerpts show


@pytest.mark.parametrize(
    "before",
    [
        "# A heading",
        "- item one\n- item two\n  - nested item",
        "1. first\n\n2. second, loose",
        "```python\ndef hello(name):\n    pass\n```",
        "    indented code",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "> A quote\n>\n> in two paragraphs.",
        "![only a picture](https://x.test/p.png)",
        "---",
    ],
    ids=["heading", "list", "loose-list", "code", "indented", "table", "quote", "picture", "rule"],
)
def test_the_opening_is_the_first_paragraph_of_words_after_whatever_comes_first(before):
    source = f"{before}\n\nThe *real* start, with [a link](https://x.test) &amp; more.\n\nThen."

    assert opening_text(html(source)) == "The real start, with a link & more."


def test_the_opening_is_found_in_the_start_of_the_html_alone():
    rendered = html("> Quoted first.\n\n" + "```js\n" + "let a = 1;\n" * 500 + "```\n\nOpening.")
    start = rendered.find(OPENING_TAG)  # where a listing starts to read (Post.opening_html)

    assert start > 0  # a quote's paragraph came first: the opening is marked
    assert opening_text(rendered[start : start + 100]) == "Opening."


def test_an_ordinary_posts_html_carries_no_mark():
    assert html("# Title\n\nFirst.\n\nSecond.") == "<h1>Title</h1>\n<p>First.</p>\n<p>Second.</p>\n"


def test_a_long_opening_read_in_part_ends_at_a_whole_word_with_an_ellipsis():
    rendered = html("word " * 2000)

    assert opening_text(rendered[:1003]) == ("word " * 200).strip() + "…"
    assert opening_text(rendered[:1002]) == ("word " * 199).strip() + "…"
    assert opening_text(rendered[:17]) == "word word…"  # "<p>word word wor": no half word
    assert opening_text(rendered[:6]) == ""  # "<p>wor"


def test_a_cut_entity_or_tag_at_the_end_of_what_was_read_is_dropped():
    assert opening_text("<p>cats &amp; dogs &am") == "cats & dogs…"
    assert opening_text("<p>cats and <em>dogs</em> <a href=") == "cats and dogs…"


@pytest.mark.parametrize(
    "source", ["", "# Only a heading", "- only\n- a list", "```\nonly code\n```", "    code"]
)
def test_a_post_without_paragraphs_has_no_opening(source):
    assert opening_text(html(source)) == ""


def test_without_a_paragraph_at_the_top_level_the_first_anywhere_opens():
    assert opening_text(html("# Title\n\n> Only a quote.")) == "Only a quote."


# Highlighted code


def token_classes(fragment: str) -> set[str]:
    return {attrs.get("class", "") for tag, attrs in elements(fragment) if tag == "span"}


@pytest.mark.parametrize(
    ("language", "code", "token"),
    [
        ("python", "def hello(name):\n    return 1\n", ("k", "def")),
        ("py", "import os\n", ("kn", "import")),
        ("JavaScript", "const x = 'a';\n", ("kd", "const")),
        ("bash", "echo $HOME\n", ("nv", "$HOME")),
        ("sql", "SELECT 1;\n", ("k", "SELECT")),
        ("rust", "fn main() {}\n", ("k", "fn")),
    ],
)
def test_fenced_code_with_a_known_language_is_highlighted_with_classes(language, code, token):
    rendered = html(f"```{language}\n{code}```")
    name, word = token

    assert rendered.startswith(f'<pre class="highlight"><code class="language-{language.lower()}">')
    assert f'<span class="{name}">{word}</span>' in rendered
    assert token_classes(rendered) <= TOKEN_CLASSES
    assert html_to_text(rendered) == html_to_text(html(f"```\n{code}```"))  # the same words


def test_highlighted_code_has_no_inline_style_and_no_script():
    rendered = html('```html\n<p style="color: red" onclick="go()">hi</p>\n<script>x</script>\n```')

    assert [tag for tag, _ in elements(rendered)] == ["pre", "code"] + ["span"] * (
        len(elements(rendered)) - 2
    )
    assert all(set(attrs) <= {"class"} for _, attrs in elements(rendered))
    assert "<script>x</script>" in html_to_text(rendered)


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "</code></pre><script>alert(1)</script>",
        '<span class="x" onmouseover="alert(1)">',
    ],
)
@pytest.mark.parametrize("language", ["python", "html", "nosuch"])
def test_markup_inside_code_is_escaped_highlighted_or_not(payload, language):
    rendered = html(f"```{language}\n{payload}\n```")

    assert {tag for tag, _ in elements(rendered)} <= {"pre", "code", "span"}
    assert all(not name.startswith("on") for _, attrs in elements(rendered) for name in attrs)
    assert html_to_text(rendered) == payload


@pytest.mark.parametrize("language", ["nosuch", "brainfuck", "python3000", "c--"])
def test_an_unknown_language_is_a_plain_block_escaped(language):
    assert html(f"```{language}\na < b\n```") == (
        f'<pre><code class="language-{language}">a &lt; b\n</code></pre>\n'
    )


def test_code_with_a_very_long_line_stays_plain():
    long_line = "x = '" + "a" * LONGEST_HIGHLIGHTED_LINE + "'"

    assert 'class="highlight"' not in html(f"```python\n{long_line}\n```")
    assert 'class="highlight"' in html(f"```python\n{long_line[:LONGEST_HIGHLIGHTED_LINE]}\n```")


def test_a_very_large_block_stays_plain():
    code = "x = 1\n" * (LARGEST_HIGHLIGHTED_BLOCK // 6 + 1)

    assert 'class="highlight"' not in html(f"```python\n{code}```")


def test_highlighting_stops_when_the_renders_time_is_spent():
    assert highlight_code("x = 1\n", "python", deadline=float("inf"))
    assert highlight_code("x = 1\n", "python", deadline=0.0) is None
