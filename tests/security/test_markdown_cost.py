"""Denial of service by expensive Markdown: no post up to the length limit costs much more
to render than ordinary writing of the same length, and the ways to have a post rendered
(preview, edits on the site and through the API) are limited in length and in rate."""

import re
import time

import pytest

from flaskblog.models import Post
from flaskblog.rendering import render_markdown
from tests.helpers import factories
from tests.helpers.api import bearer, get_token
from tests.helpers.markdown import counted_lookahead
from tests.helpers.pages import csrf_token_from, field_errors

# A post as people write them: headings, emphasis, links, a list, a quote, code, a table.
ORDINARY = """## Notes from the *garden*, week 12

The tomatoes finally came up this week. I planted them in **late March**, following the
advice in [this guide](https://example.com/tomatoes), and kept the trays by the window.
Some observations:

- The `Roma` seedlings are *much* taller than the cherry ones.
- Watering every second day seems right; the soil stays damp but not wet.
- One tray got mould, so I moved it outside ([see the photo](https://example.com/p.jpg)).

> Gardening is the art of waiting, said my grandmother, and she was right.

```python
def log(reading):
    print(f"{reading:.1f} C")
```

| Day | Min | Max |
|-----|----:|----:|
| Mon | 4   | 15  |

Next week: ~~peppers~~ beans, and a write-up of the compost bin: <https://example.com/c>.

"""


def ordinary(length: int) -> str:
    return (ORDINARY * (length // len(ORDINARY) + 1))[:length]


def repeated(unit: str, length: int) -> str:
    return unit * (length // len(unit))


def fenced(language: str, unit: str, length: int) -> str:
    """Blocks of code in `language`, of lines of `unit` as long as highlighting takes."""
    line = repeated(unit, 480)
    block = f"```{language}\n" + repeated(line + "\n", 9_900) + "```\n\n"
    opener = f"```{language}\n"
    return repeated(block, length) or opener + repeated(unit, length - len(opener) - 4) + "\n```"


# Inputs known to make Markdown parsers slow: unclosed and nested brackets (links, images,
# references), delimiter runs (emphasis, strikethrough, code), deep block nesting (quotes,
# lists), raw HTML and entities, reference definitions, wide and long tables, many lines.
FAMILIES = {
    "open brackets": lambda n: "[" * n,
    "open image brackets": lambda n: repeated("![", n),
    "nested brackets closed late": lambda n: "[" * (n // 2) + "]" * (n // 2),
    "brackets on their own lines": lambda n: repeated("[\n", n),
    "links missing their destination": lambda n: repeated("[a](", n),
    "empty links unclosed": lambda n: repeated("[](", n),
    "reference uses": lambda n: repeated("[a] ", n - 10) + "\n\n[a]: b",
    "reference definitions": lambda n: repeated("[a]: b\n", n),
    "asterisks": lambda n: "*" * n,
    "emphasis delimiters between letters": lambda n: repeated("a*", n),
    "mixed emphasis delimiters": lambda n: repeated("*_", n),
    "strikethrough delimiters": lambda n: repeated("~~a", n),
    "backticks": lambda n: "`" * n,
    "backtick runs of every length": lambda n: "".join(
        "`" * k + "a" for k in range(1, n) if (k * (k + 3)) // 2 <= n
    ),
    "nested quotes": lambda n: ">" * n,
    "nested lists": lambda n: "".join("  " * k + "- a\n" for k in range(n))[:n],
    "less-than signs": lambda n: "<" * n,
    "unclosed tags": lambda n: repeated("<a ", n),
    "ampersands": lambda n: "&" * n,
    "numeric entities": lambda n: repeated("&#1;", n),
    "backslashes": lambda n: "\\" * n,
    "a table with many columns": lambda n: "|" + "a|" * (n // 4 - 1) + "\n|" + "-|" * (n // 4 - 1),
    "a table with many rows": lambda n: "|a|b|\n|-|-|\n" + repeated("|a|b|\n", n - 12),
    "headings": lambda n: repeated("# a\n", n),
    "short lines": lambda n: repeated("a\n", n),
    # Highlighted code: some lexers look ahead to the end of the block for every token.
    "code: words in Java": lambda n: fenced("java", "a ", n),
    "code: comment openers in CSS": lambda n: fenced("css", "/*\\", n),
    "code: tag openers in HTML": lambda n: fenced("html", "<!--<?", n),
    "code: quotes in Python": lambda n: fenced("python", "\"'`", n),
    "code: many small blocks": lambda n: repeated("```python\nx = (1)\n```\n", n),
}


def cpu_seconds(source: str) -> float:
    """The least processor time of a few renders (processor time, not wall time, and the
    least of three: other work on the machine cannot make a render look slower)."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        render_markdown(source)
        best = min(best, time.process_time() - start)
    return best


# Input with a token or a line every character or two costs up to about 11 times ordinary
# Markdown, linearly (markdown-it's price per token); twice that leaves room for a busy
# machine. Before the bound, brackets cost 60 times and more, growing with the length.
SMALL_MULTIPLE = 20


@pytest.mark.parametrize("family", FAMILIES)
def test_hostile_markdown_costs_a_small_multiple_of_ordinary_writing(family):
    length = 5_000  # the costs grow linearly now: a tenth of a full post shows the ratio
    source = FAMILIES[family](length)
    assert 0.8 * length <= len(source) <= length

    hostile, reference = cpu_seconds(source), cpu_seconds(ordinary(len(source)))

    assert hostile <= SMALL_MULTIPLE * reference, f"{hostile:.3f}s against {reference:.3f}s"


@pytest.mark.parametrize("family", ["open image brackets", "nested brackets closed late"])
def test_looking_for_the_end_of_link_labels_is_bounded_at_the_length_limit(family):
    """Counted, not timed: each "[" used to look ahead token by token, as deep as 100
    brackets, for its "]" (12 seconds for a post of 50,000 "[")."""
    source = FAMILIES[family](Post.CONTENT_LENGTH)

    with counted_lookahead() as steps:
        html = render_markdown(source).html

    assert steps[0] <= 5 * len(source) + 10_000
    assert "<a " not in html and "<img" not in html


def test_links_in_a_long_ordinary_post_all_survive_the_bound():
    source = ordinary(Post.CONTENT_LENGTH)

    html = render_markdown(source).html

    for url in ("https://example.com/tomatoes", "https://example.com/p.jpg"):
        assert html.count(f'<a href="{url}"') == source.count(f"({url})")


# --- Preview and edits: the length limit, and rate limits ---------------------------------------


@pytest.fixture
def app(build_app):
    """The testing app with its rate limits on."""
    return build_app(RATELIMIT_ENABLED=True)


@pytest.fixture
def writer(app, auth, make_user):
    """Alice, confirmed and logged in."""
    alice = make_user("alice")
    auth.login()
    return alice


def preview(client, content: str, fragment: bool):
    token = csrf_token_from(client.get("/post/new"))
    url = "/post/preview?fragment=1" if fragment else "/post/preview"
    return client.post(url, data={"title": "T", "content": content, "csrf_token": token})


def never_render(source):
    raise AssertionError("a post over the length limit was rendered")


TOO_LONG = "[" * (Post.CONTENT_LENGTH + 1)


def test_a_preview_fragment_over_the_length_limit_is_refused_before_rendering(
    client, writer, monkeypatch
):
    monkeypatch.setattr("flaskblog.posts.editor.render_markdown", never_render)

    response = preview(client, TOO_LONG, fragment=True)

    assert response.status_code == 400
    # A fragment editor.js shows in place of the preview, not an error page.
    assert response.text.strip().startswith('<div class="post__body preview__body">')
    assert "A post can be at most 50,000 characters long; this one has 50,001." in response.text


def test_a_preview_page_over_the_length_limit_says_so_on_the_field(client, writer, monkeypatch):
    monkeypatch.setattr("flaskblog.posts.editor.render_markdown", never_render)

    response = preview(client, TOO_LONG, fragment=False)

    assert field_errors(response, "content") == [
        "A post can be at most 50,000 characters long; this one has 50,001."
    ]


def test_previews_are_rate_limited_and_the_editor_can_show_it(client, writer):
    for n in range(20):
        assert preview(client, f"draft {n}", fragment=True).status_code == 200

    response = preview(client, "one more", fragment=True)

    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert re.fullmatch(
        r'<div class="post__body preview__body"><p class="preview__message" role="alert">'
        r"Too many previews in a short time\. Please wait a moment and try again\.</p></div>",
        response.text.strip(),
    )
    # Without JavaScript, the preview page is the site's 429 page.
    assert preview(client, "one more", fragment=False).status_code == 429


def test_edits_on_the_site_are_rate_limited(app, client, writer, make_posts):
    (post_id,) = make_posts(writer, 1)
    page = f"/post/{post_id}/update"

    def edit(n):
        token = csrf_token_from(client.get(page))
        data = {"title": f"Edit {n}", "content": "x", "csrf_token": token, "submit": "Publish"}
        return client.post(page, data=data).status_code

    assert [edit(n) for n in range(11)] == [302] * 10 + [429]
    assert client.get(page).status_code == 200  # reading the editor is not limited


def test_edits_through_the_api_are_rate_limited(app, writer):
    client = app.test_client()
    (post_id,) = factories.add_posts(app, writer, 1)
    token = get_token(client, "alice@example.com")

    statuses = [
        client.patch(
            f"/api/v1/posts/{post_id}", json={"content": f"edit {n}"}, headers=bearer(token)
        ).status_code
        for n in range(11)
    ]

    assert statuses == [200] * 10 + [429]
