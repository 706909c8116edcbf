"""Turning what people write into safe HTML: Markdown for posts, plain text for comments.

Posts are rendered once, when they are saved (see Post.content), never on a page view.
"""

import math
import re
from dataclasses import dataclass
from html import escape, unescape
from types import SimpleNamespace

import nh3
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it import helpers as markdown_helpers
from markupsafe import Markup

# markdown-it's "commonmark" preset passes raw HTML through; "js-default" escapes it and
# adds tables and strikethrough (fenced code is CommonMark itself). Its nesting limit of 100
# sets how deep a link's label is looked into for each "[" (see _bounded_link_label): 20, as
# in CommonMark's own preset, is deeper than anyone quotes or nests lists, and five times
# cheaper on a page of brackets.
_markdown = MarkdownIt("js-default", {"maxNesting": 20})

# How many tokens the search for the end of links' labels may skip, per character of the
# source (plus a few for short ones): ordinary Markdown needs less than one.
LOOKAHEAD_PER_CHARACTER = 4
LOOKAHEAD_FLOOR = 10_000
_LOOKAHEAD = "flaskblog.lookahead"  # where a render keeps its budget, in markdown-it's env


class LookaheadBudget:
    """What is left of one render's allowance for looking ahead for the end of a label."""

    def __init__(self, source_length: int) -> None:
        self.left = LOOKAHEAD_FLOOR + LOOKAHEAD_PER_CHARACTER * source_length
        self.spent = 0

    def spend(self) -> bool:
        """Take one step; False once the allowance is gone."""
        self.spent += 1
        self.left -= 1
        return self.left >= 0


def _bounded_link_label(state, start: int, disable_nested: bool = False) -> int:
    """Where the label of the link or image opened by the "[" at `start` ends, or -1.

    markdown-it's own parseLinkLabel, with two bounds. Each "[" looks ahead, token by token,
    for its "]", and each "[" in the way looks ahead again, down to the nesting limit: a post
    of brackets cost seconds. Without a "]" anywhere ahead there is nothing to look for; and
    once a render has spent its budget, brackets are plain text, so no input costs more than
    a fixed amount per character.
    """
    # markdown-it keeps, per inline state, where the last of a character is (for raw HTML).
    if state.html_terminator_last("]") <= start:
        return -1
    budget = state.env[_LOOKAHEAD]
    old_position, level = state.pos, 1
    state.pos = start + 1
    while state.pos < state.posMax:
        if not budget.spend():
            break
        marker = state.src[state.pos]
        if marker == "]":
            level -= 1
            if level == 0:
                end, state.pos = state.pos, old_position
                return end
        before = state.pos
        state.md.inline.skipToken(state)
        if marker == "[":
            if state.pos == before + 1:
                level += 1  # a "[" of text, not the start of a token
            elif disable_nested:
                break  # a link inside a link's label: not a link
    state.pos = old_position
    return -1


# Only this parser's label search changes, not markdown-it's module that others may share.
_markdown.helpers = SimpleNamespace(
    parseLinkLabel=_bounded_link_label,
    parseLinkDestination=markdown_helpers.parseLinkDestination,
    parseLinkTitle=markdown_helpers.parseLinkTitle,
)


def _alignment_as_classes(state) -> None:
    # Tables align their cells with style="text-align:..."; a strict Content-Security-Policy
    # refuses inline styles, so the alignment travels as a class instead.
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and (style := token.attrGet("style")):
            del token.attrs["style"]
            token.attrSet("class", "align-" + style.partition(":")[2].strip())


_markdown.core.ruler.push("alignment_as_classes", _alignment_as_classes)
_linkify = LinkifyIt()

LINK_REL = "nofollow noopener ugc"
URL_SCHEMES = {"http", "https", "mailto"}
ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "em", "strong", "s", "del", "a", "img", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"class"},
    "td": {"class"},
    "code": {"class"},
}
# The only classes Markdown writes: a fenced block's language, a table cell's alignment.
_ALLOWED_CLASS = re.compile(r"language-[\w+#-]{1,30}|align-(left|right|center)")
_TAGS = re.compile(r"<[^>]+>")
# Blocks and line breaks part words; inline tags (em, a, code...) do not: "*this*." is "this.".
_WORD_BREAKING_TAGS = re.compile(
    r"</?(?:p|br|hr|h[1-6]|blockquote|pre|ul|ol|li|table|thead|tbody|tr|th|td)\b[^>]*>"
)
_SPACE = re.compile(r"\s+")
WORDS_PER_MINUTE = 200


@dataclass(frozen=True)
class Rendered:
    """A post's Markdown as safe HTML, and as plain text for excerpts, search and feeds."""

    html: str
    text: str


def _allowed_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class" and not _ALLOWED_CLASS.fullmatch(value):
        return None
    return value


def render_markdown(source: str) -> Rendered:
    """CommonMark with tables, strikethrough and fenced code, cleaned by an allow-list."""
    html = nh3.clean(
        _markdown.render(source, {_LOOKAHEAD: LookaheadBudget(len(source))}),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_allowed_attribute,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
    )
    return Rendered(html=html, text=html_to_text(html))


def html_to_text(html: str) -> str:
    """The words of an HTML fragment, on one line."""
    text = _TAGS.sub("", _WORD_BREAKING_TAGS.sub(" ", html))
    return _SPACE.sub(" ", unescape(text)).strip()


def excerpt(text: str, length: int = 300) -> str:
    """About `length` characters of `text`, cut at a word, with an ellipsis if cut."""
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0] or text[:length]
    return cut.rstrip(" ,;:.-") + "…"


def reading_minutes(text: str) -> int:
    """Minutes to read `text` at 200 words a minute, at least one."""
    return max(1, math.ceil(len(text.split()) / WORDS_PER_MINUTE))


def render_comment(body: str) -> Markup:
    """A comment as HTML: escaped, line breaks kept, web addresses made into safe links."""
    parts, position = [], 0
    for match in _linkify.match(body) or []:
        if match.schema not in ("", "http:", "https:"):
            continue  # mailto: and the like stay text
        parts.append(escape(body[position : match.index]))
        url = match.url if match.url.startswith(("http://", "https://")) else "http://" + match.text
        parts.append(f'<a href="{escape(url)}" rel="{LINK_REL}">{escape(match.text)}</a>')
        position = match.last_index
    parts.append(escape(body[position:]))
    html = "".join(parts).replace("\r\n", "\n").replace("\n", "<br>\n")
    # Every piece of the text was escaped above. (Bandit calls this check B704, ruff S704.)
    return Markup(html)  # noqa: S704  # nosec B704
