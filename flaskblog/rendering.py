"""Turning what people write into safe HTML: Markdown for posts, plain text for comments.

Posts are rendered once, when they are saved (see Post.content), never on a page view.
"""

import io
import math
import re
import time
from dataclasses import dataclass
from html import escape, unescape
from types import SimpleNamespace

import nh3
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from markdown_it import helpers as markdown_helpers
from markdown_it.renderer import RendererHTML
from markupsafe import Markup
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES

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

# The post's opening: its first paragraph of words at the top level (not in a quote, a list
# or a table); without one, its first paragraph anywhere. Listings read it from the start of
# the stored HTML (Post.opening_html) rather than the whole post: from the first <p>, or
# from the mark this rule sets where that paragraph is not the opening (a quote came first).
OPENING_CLASS = "opening"
OPENING_TAG = f'<p class="{OPENING_CLASS}">'
FIRST_PARAGRAPH_TAG = "<p>"


def _mark_opening(state) -> None:
    tokens = state.tokens
    paragraphs = [
        index
        for index, token in enumerate(tokens)
        if token.type == "paragraph_open" and not token.hidden
    ]
    for index in paragraphs:
        if tokens[index].level == 0 and _has_words(tokens[index + 1]):
            if index != paragraphs[0]:
                tokens[index].attrSet("class", OPENING_CLASS)
            return


def _has_words(inline) -> bool:
    return any(
        child.type in ("text", "code_inline") and child.content.strip()
        for child in inline.children or []
    )


_markdown.core.ruler.push("mark_opening", _mark_opening)

# Code highlighting: fenced code whose language is one of these is coloured by Pygments on
# the server, as spans with Pygments' short class names (static/css/highlight.css, made by
# tools/make_highlight_css.py), no script and no inline style. Any other language, and code
# too big or with lines too long to be worth it, stays a plain block, escaped.
HIGHLIGHTED_LANGUAGES = {
    "bash": "bash", "sh": "bash", "shell": "bash", "zsh": "bash", "console": "console",
    "c": "c", "cpp": "cpp", "c++": "cpp", "csharp": "csharp", "cs": "csharp",
    "css": "css", "diff": "diff", "dockerfile": "docker", "go": "go", "html": "html",
    "ini": "ini", "java": "java", "javascript": "javascript", "js": "javascript",
    "json": "json", "kotlin": "kotlin", "lua": "lua", "markdown": "markdown", "md": "markdown",
    "php": "php", "python": "python", "py": "python", "pycon": "pycon", "ruby": "ruby",
    "rb": "ruby", "rust": "rust", "rs": "rust", "scss": "scss", "sql": "sql",
    "swift": "swift", "toml": "toml", "typescript": "typescript", "ts": "typescript",
    "xml": "xml", "yaml": "yaml", "yml": "yaml", "jinja": "html+jinja",
}  # fmt: skip
LONGEST_HIGHLIGHTED_LINE = 500  # characters: minified code and data stay plain
# Some lexers' patterns look ahead to the end of the block for every token (Java's, on a
# block of words: 20,000 characters took 7.8 s), so blocks are kept short enough for the
# time between two tokens to stay about a millisecond.
LARGEST_HIGHLIGHTED_BLOCK = 10_000  # characters
# Processor time one render may spend highlighting, all blocks together, in proportion to
# its length (ordinary code takes under a microsecond a character); a block that would
# overrun it stays plain, and so does any after. Checked every few tokens (_within_budget).
HIGHLIGHT_SECONDS_FLOOR = 0.01
HIGHLIGHT_SECONDS_PER_CHARACTER = 5e-6
_TOKENS_BETWEEN_CHECKS = 16
_HIGHLIGHT = "flaskblog.highlight"  # where a render keeps its deadline, in markdown-it's env
HIGHLIGHT_CLASS = "highlight"
TOKEN_CLASSES = frozenset(name for name in STANDARD_TYPES.values() if name)
_formatter = HtmlFormatter(nowrap=True)


class _OutOfTime(Exception):
    pass


# Lexers keep no state between calls to get_tokens: one of each serves every render. They
# are made now, not in a render, whose time budget their modules' imports would use up.
_LEXERS = {
    name: get_lexer_by_name(name, stripnl=False, ensurenl=False)
    for name in set(HIGHLIGHTED_LANGUAGES.values())
}


def _standard(token_type):
    # Lexers may make their own token types; each is shown as its nearest standard one,
    # so only the classes the stylesheet colours (and the sanitiser allows) are written.
    while token_type not in STANDARD_TYPES:
        token_type = token_type.parent
    return token_type


def _within_budget(tokens, deadline: float):
    for count, (token_type, value) in enumerate(tokens):
        if count % _TOKENS_BETWEEN_CHECKS == 0 and time.thread_time() > deadline:
            raise _OutOfTime
        yield _standard(token_type), value


def highlight_deadline(source_length: int) -> float:
    """The thread's processor time at which a render of this length stops highlighting."""
    allowance = HIGHLIGHT_SECONDS_FLOOR + HIGHLIGHT_SECONDS_PER_CHARACTER * source_length
    return time.thread_time() + allowance


def highlight_code(code: str, language: str, deadline: float) -> str | None:
    """`code` as Pygments' spans, or None where it stays plain: a language not in
    HIGHLIGHTED_LANGUAGES, a block or a line too long, or the render's time spent."""
    name = HIGHLIGHTED_LANGUAGES.get(language.lower())
    if name is None or len(code) > LARGEST_HIGHLIGHTED_BLOCK:
        return None
    if max(map(len, code.split("\n"))) > LONGEST_HIGHLIGHTED_LINE:
        return None
    try:
        tokens = list(_within_budget(_LEXERS[name].get_tokens(code), deadline))
    except _OutOfTime:
        return None
    html = io.StringIO()
    _formatter.format(tokens, html)
    return html.getvalue()


def _fence(self, tokens, index, options, env) -> str:
    token = tokens[index]
    language = token.info.split(maxsplit=1)[0] if token.info.strip() else ""
    spans = language and highlight_code(token.content, language, env[_HIGHLIGHT])
    if not spans:
        return RendererHTML.fence(self, tokens, index, options, env)
    name = escape(language.lower())
    return f'<pre class="{HIGHLIGHT_CLASS}"><code class="language-{name}">{spans}</code></pre>\n'


_markdown.add_render_rule("fence", _fence)
_linkify = LinkifyIt()

LINK_REL = "nofollow noopener ugc"
URL_SCHEMES = {"http", "https", "mailto"}
ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "em", "strong", "s", "del", "a", "img", "ul", "ol", "li",
    "table", "thead", "tbody", "tr", "th", "td", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"class"},
    "td": {"class"},
    "code": {"class"},
    "p": {"class"},
    "pre": {"class"},
    "span": {"class"},
}
# The only classes Markdown writes: a fenced block's language, a table cell's alignment,
# the opening paragraph, and highlighted code's block and tokens.
_ALLOWED_CLASSES = {
    "code": re.compile(r"language-[\w+#-]{1,30}"),
    "th": re.compile(r"align-(left|right|center)"),
    "td": re.compile(r"align-(left|right|center)"),
    "p": re.compile(OPENING_CLASS),
    "pre": re.compile(HIGHLIGHT_CLASS),
}
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
    if attribute != "class":
        return value
    if tag == "span":
        return value if value in TOKEN_CLASSES else None
    return value if _ALLOWED_CLASSES[tag].fullmatch(value) else None


def render_markdown(source: str) -> Rendered:
    """CommonMark with tables, strikethrough and fenced code (highlighted where its language
    is known), cleaned by an allow-list."""
    deadline = highlight_deadline(len(source))
    html = nh3.clean(
        _markdown.render(source, {_LOOKAHEAD: LookaheadBudget(len(source)), _HIGHLIGHT: deadline}),
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


_CUT_TAG_OR_ENTITY = re.compile(r"(<[^>]*|&#?\w*)$")


def opening_text(html: str) -> str:
    """The words of a post's opening paragraph (see _mark_opening), from its rendered HTML
    or only the start of it: without the mark (HTML rendered before it existed), the first
    paragraph. Empty when the post has no paragraph."""
    start = html.find(OPENING_TAG)
    if start < 0:
        start = html.find(FIRST_PARAGRAPH_TAG)
    if start < 0:
        return ""
    end = html.find("</p>", start)
    if end >= 0:
        return html_to_text(html[start:end])
    # Only the start of a long paragraph was read: its last word may be cut too.
    read = _CUT_TAG_OR_ENTITY.sub("", html[start:])
    text = html_to_text(read)
    if not read[-1:].isspace():
        text = text.rpartition(" ")[0]
    return text + "…" if text else ""


def excerpt(text: str, length: int = 300) -> str:
    """About `length` characters of `text`, cut at a word, with an ellipsis if cut."""
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0] or text[:length]
    return cut.rstrip(" ,;:.-") + "…"


def reading_minutes(text: str) -> int:
    """Minutes to read `text` at 200 words a minute, at least one."""
    return minutes_to_read(len(text.split()))


def minutes_to_read(words: int) -> int:
    """Minutes to read so many words at 200 a minute, at least one."""
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


# A username's characters (User.USERNAME_PATTERN is built from them). An @ followed by them is
# a mention, unless it comes straight after one of them, an @ or a slash: "bob@example.com"
# and "example.com/@bob" are no mentions.
USERNAME_CHARACTERS = "A-Za-z0-9_.-"
MENTION = re.compile(rf"(?<![{USERNAME_CHARACTERS}@/])@([{USERNAME_CHARACTERS}]+)")


def mention_names(name: str) -> tuple[str, ...]:
    """What an @name may mean, most likely first: the name as written and, when it ends in
    dots or dashes ("thanks @bob."), without them (lower case: usernames ignore case)."""
    name = name.lower()
    bare = name.rstrip(".-")
    return (name, bare) if bare and bare != name else (name,)


def _mention_links(text: str, profile_url) -> str:
    """`text` escaped, with the @names that `profile_url` knows as links to their profiles."""
    parts, position = [], 0
    for match in MENTION.finditer(text):
        written = match.group(1)
        for name in mention_names(written):
            url = profile_url(name)
            if url is not None:
                end = match.start(1) + len(name)
                parts.append(escape(text[position : match.start()]))
                shown = escape(text[match.start() : end])
                parts.append(f'<a class="mention" href="{escape(url)}">{shown}</a>')
                position = end
                break
    parts.append(escape(text[position:]))
    return "".join(parts)


def render_comment(body: str, profile_url=None) -> Markup:
    """A comment as HTML: escaped, line breaks kept, web addresses made into safe links,
    and each @name for which `profile_url(name)` gives an address (lower-cased names; None
    for a name that is nobody) made into a link to that profile."""
    text = (lambda part: _mention_links(part, profile_url)) if profile_url else escape
    parts, position = [], 0
    for match in _linkify.match(body) or []:
        if match.schema not in ("", "http:", "https:"):
            continue  # mailto: and the like stay text
        parts.append(text(body[position : match.index]))
        url = match.url if match.url.startswith(("http://", "https://")) else "http://" + match.text
        parts.append(f'<a href="{escape(url)}" rel="{LINK_REL}">{escape(match.text)}</a>')
        position = match.last_index
    parts.append(text(body[position:]))
    html = "".join(parts).replace("\r\n", "\n").replace("\n", "<br>\n")
    # Every piece of the text was escaped above. (Bandit calls this check B704, ruff S704.)
    return Markup(html)  # noqa: S704  # nosec B704
