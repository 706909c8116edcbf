"""WordPress's HTML made into Markdown, which the post model then renders and sanitises as
it does everything a writer types: nothing of the HTML reaches a page as it was."""

import re
import secrets

from bs4 import BeautifulSoup
from markdownify import markdownify

from flaskblog.rendering import html_to_text

# [name attr="..."] or [/name]: a WordPress shortcode, which only the old site's plugins
# knew how to draw. Kept as text and listed, so the writer can rewrite them.
SHORTCODE = re.compile(r"\[(/?)([A-Za-z][\w-]*)(?:\s[^\]\n]*)?\]")
# [embed]https://...[/embed]: a shortcode around plain text, kept whole with its text.
ENCLOSING = re.compile(r"\[([A-Za-z][\w-]*)(?:\s[^\]\n]*)?\][^<\[]*\[/\1\]")
# [caption ...]<img ...> The words[/caption]: the picture and its words are kept.
CAPTION = re.compile(r"\[caption[^\]]*\](.*?)\[/caption\]", re.DOTALL | re.IGNORECASE)
# Elements whose content is never text for a reader: dropped with what they hold.
DROPPED = ("script", "style", "iframe", "object", "embed", "form", "noscript", "template")
BLOCK_START = re.compile(
    r"\s*<(?:p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr|!--)[\s>/]", re.IGNORECASE
)


def shortcodes_in(html: str) -> list[str]:
    """The names of the shortcodes left in `html` (not [caption]), each once, in order."""
    names = (match[2].lower() for match in SHORTCODE.finditer(CAPTION.sub(r"\1", html)))
    return list(dict.fromkeys(names))


def to_markdown(html: str) -> str:
    """WordPress post HTML (paragraphs by blank lines, as its editor stores them) as
    Markdown; shortcodes other than [caption] stay as they were written."""
    html, shortcodes = _set_aside_shortcodes(CAPTION.sub(r"\1", html))
    soup = BeautifulSoup(_paragraphs(html), "html.parser")
    for element in soup(DROPPED):
        element.decompose()
    markdown = markdownify(str(soup), heading_style="ATX", bullets="-", escape_misc=False)
    for placeholder, shortcode in shortcodes.items():
        markdown = markdown.replace(placeholder, shortcode)
    return re.sub(r"\n{3,}", "\n\n", markdown).strip()


def to_plain_text(html: str) -> str:
    """An HTML fragment (a WordPress excerpt) as the plain text a summary holds: its words
    on one line, entities read, and nothing of what DROPPED holds."""
    soup = BeautifulSoup(html, "html.parser")
    for element in soup(DROPPED):
        element.decompose()
    return html_to_text(str(soup))


def _set_aside_shortcodes(html: str) -> tuple[str, dict[str, str]]:
    """`html` with each shortcode replaced by a placeholder of letters and digits, which
    markdownify leaves alone (it would escape the "_" and "*" of size="large_thumb"), and
    {placeholder: shortcode as written} to put them back."""
    token, kept = secrets.token_hex(6), {}

    def set_aside(match: re.Match) -> str:
        placeholder = f"wpshortcode{token}x{len(kept)}x"
        kept[placeholder] = match[0]
        return placeholder

    return SHORTCODE.sub(set_aside, ENCLOSING.sub(set_aside, html)), kept


def _paragraphs(html: str) -> str:
    """What WordPress's wpautop does, in short: text separated by blank lines becomes
    paragraphs and single line breaks <br>, unless the HTML already has its blocks."""
    if re.search(r"<p[\s>]", html, re.IGNORECASE):
        return html
    parts = re.split(r"\n\s*\n", html.replace("\r\n", "\n"))
    return "\n".join(
        part if BLOCK_START.match(part) else f"<p>{part.strip().replace(chr(10), '<br>')}</p>"
        for part in parts
        if part.strip()
    )
