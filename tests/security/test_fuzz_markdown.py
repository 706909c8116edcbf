"""Fuzzing the Markdown renderer: any source (mostly Markdown's own punctuation, raw HTML,
entities and URLs, mixed and repeated) renders without an exception, to HTML that keeps
to the allow-list, within the bound on the work of finding links' labels."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from flaskblog.rendering import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    LINK_REL,
    URL_SCHEMES,
    render_markdown,
)
from tests.helpers.markdown import counted_lookahead
from tests.test_rendering import elements, url_scheme

PIECES = [
    "[", "]", "![", "](", ")", "(", "*", "**", "_", "__", "~~", "`", "```", "\\", "<", ">",
    "&", "&amp;", "&#", "&#x", ";", "#", "|", "|-|", ":-:", "-", "- ", "1. ", "+", "=",
    " ", "  ", "\n", "\n\n", "\t", "    ", "a", "word", "é", "\u202e", "\x00",
    "http://example.com", "https://", "mailto:a@b.c", "javascript:alert(1)", "JaVa\tscript:",
    "data:text/html,x", "<script>", "</script>", "<a href=", "<img src=x onerror=", '"', "'",
    "[a]: ", "[a]", "<http://x>", "<a@b.c>", "{", "}", "$",
]  # fmt: skip

pieces = st.lists(st.sampled_from(PIECES), max_size=300).map("".join)
runs = st.builds(
    lambda unit, times: unit * times,
    st.lists(st.sampled_from(PIECES), min_size=1, max_size=3).map("".join),
    st.integers(1, 3_000),
)
sources = pieces | runs | st.text(max_size=500) | st.builds(lambda a, b: a + b, runs, pieces)


def assert_within_the_allow_list(html: str) -> None:
    for tag, attributes in elements(html):
        assert tag in ALLOWED_TAGS, tag
        assert set(attributes) <= ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, (tag, attributes)
        for name in ("href", "src"):
            if name in attributes:
                assert url_scheme(attributes[name]) in URL_SCHEMES | {""}, attributes[name]
        if tag == "a":
            assert attributes["rel"] == LINK_REL


@settings(max_examples=200, deadline=None, database=None)
@given(source=sources)
@example(source="[" * 5_000)
@example(source="![" * 2_500)
@example(source="[" * 2_500 + "]" * 2_500)
@example(source="[\n" * 2_500)
def test_any_source_renders_safely_within_the_bound(source):
    with counted_lookahead() as steps:
        html = render_markdown(source).html

    assert_within_the_allow_list(html)
    assert steps[0] <= 10_000 + 5 * len(source)
