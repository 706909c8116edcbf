"""Write flaskblog/static/css/highlight.css: the colours of highlighted code.

Code in posts is highlighted on the server (flaskblog/rendering.py) as spans with Pygments'
short class names. This stylesheet colours them from two of Pygments' styles, a light one
and a dark one, as light-dark() pairs that follow the page's theme (main.css), each
darkened or lightened where needed so that every token's colour has a contrast of at least
4.5:1 (WCAG AA for text) against the block's background. Run it again after upgrading Pygments:

    .venv/bin/python tools/make_highlight_css.py

tests/test_highlight_css.py checks that the file is what this writes, and every contrast.
"""

import sys
from importlib.metadata import version
from pathlib import Path

from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES

OUTPUT = Path(__file__).resolve().parent.parent / "flaskblog" / "static" / "css" / "highlight.css"
MINIMUM_CONTRAST = 4.5
# (Pygments style, block background, text colour): the light background is the one every
# code block on the site has (main.css); the dark one is the style's own.
LIGHT = ("default", "#f0f4f8", "#1f2328")
DARK = ("github-dark", "#0d1117", "#e6edf3")


def _channels(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def luminance(colour: str) -> float:
    """Relative luminance, as WCAG 2 defines it."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = map(linear, _channels(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 to 21."""
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable(colour: str, background: str) -> str:
    """`colour`, mixed step by step towards black (on a light background) or white (on a
    dark one) until it reaches MINIMUM_CONTRAST against `background`."""
    target = (0, 0, 0) if luminance(background) > 0.5 else (255, 255, 255)
    start = _channels(colour)
    for step in range(101):
        mixed = "#" + "".join(
            f"{round(c + (t - c) * step / 100):02x}" for c, t in zip(start, target, strict=True)
        )
        if contrast(mixed, background) >= MINIMUM_CONTRAST:
            return mixed
    raise ValueError(f"no readable form of {colour} on {background}")


def _token_types():
    return sorted((t for t, name in STANDARD_TYPES.items() if name), key=STANDARD_TYPES.get)


def _colours(style_name: str, background: str, text: str) -> dict[str, str]:
    style = get_style_by_name(style_name)
    return {
        STANDARD_TYPES[token]: readable(
            "#" + (style.style_for_token(token)["color"] or text.lstrip("#")), background
        )
        for token in _token_types()
    }


def stylesheet() -> str:
    """The whole file."""
    light = get_style_by_name(LIGHT[0])
    lines = [
        f"/* Made by tools/make_highlight_css.py from Pygments {version('pygments')}'s"
        f' "{LIGHT[0]}" and "{DARK[0]}" styles,',
        f"   each colour at least {MINIMUM_CONTRAST}:1 against its background. Do not edit. */",
        f"pre.highlight {{ background: light-dark({LIGHT[1]}, {DARK[1]});"
        f" color: light-dark({readable(LIGHT[2], LIGHT[1])}, {readable(DARK[2], DARK[1])}); }}",
    ]
    for token in _token_types():
        rules = light.style_for_token(token)
        weight = "font-weight: bold; " if rules["bold"] else ""
        slant = "font-style: italic; " if rules["italic"] else ""
        if weight or slant:
            lines.append(f".highlight .{STANDARD_TYPES[token]} {{ {weight}{slant}}}")
    # One rule per token, its colour a light-dark() pair: the page's theme (main.css sets
    # color-scheme from the system or the reader's choice) picks the half.
    light_colours, dark_colours = _colours(*LIGHT), _colours(*DARK)
    lines += [
        f".highlight .{name} {{ color: light-dark({colour}, {dark_colours[name]}); }}"
        for name, colour in light_colours.items()
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(stylesheet())
    print(f"Wrote {OUTPUT.name}", file=sys.stderr)
