"""Turning what people write into safe HTML: Markdown for posts, plain text for comments.

Posts are rendered once, when they are saved (see Post.content), never on a page view.
"""

import math
import re
from dataclasses import dataclass
from html import escape, unescape

import nh3
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markupsafe import Markup

# markdown-it's "commonmark" preset passes raw HTML through; "js-default" escapes it and
# adds tables and strikethrough (fenced code is CommonMark itself).
_markdown = MarkdownIt("js-default")


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
        _markdown.render(source),
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
