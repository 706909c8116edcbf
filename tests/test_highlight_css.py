"""The colours of highlighted code (static/css/highlight.css, made by
tools/make_highlight_css.py): every token class the renderer writes has a colour that
reads at 4.5:1 or more against the code's background, in the light style and in the dark
one the reader's system may prefer."""

import re
import sys
from pathlib import Path

import pytest

from flaskblog.rendering import TOKEN_CLASSES

ROOT = Path(__file__).resolve().parent.parent
STYLESHEET = ROOT / "flaskblog" / "static" / "css" / "highlight.css"
DARK = "@media (prefers-color-scheme: dark) {"
RULE = re.compile(r"^\s*([^{]+?)\s*\{([^}]*)\}", re.M)


def luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a #rrggbb colour (worked out here, not by the tool)."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def rules(css: str) -> dict[str, dict[str, str]]:
    """{selector: {property: value}}, later rules adding to earlier ones."""
    found: dict[str, dict[str, str]] = {}
    for selector, body in RULE.findall(css):
        declarations = (part.split(":", 1) for part in body.split(";") if ":" in part)
        found.setdefault(selector, {}).update((k.strip(), v.strip()) for k, v in declarations)
    return found


def schemes() -> dict[str, dict[str, dict[str, str]]]:
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(), flags=re.S)
    light, _, dark = css.partition(DARK)
    assert dark, "no dark style"
    return {"light": rules(light), "dark": rules(dark)}


def test_the_stylesheet_is_what_the_tool_writes():
    """Edited by hand, or not remade after a Pygments upgrade, it would drift."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from make_highlight_css import stylesheet
    finally:
        sys.path.remove(str(ROOT / "tools"))

    assert STYLESHEET.read_text() == stylesheet()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_token_colour_reads_against_the_code_background(scheme):
    styles = schemes()[scheme]
    block = styles["pre.highlight"]
    background = block["background"]

    assert contrast(block["color"], background) >= 4.5
    for name in TOKEN_CLASSES:
        colour = styles[f".highlight .{name}"]["color"]
        assert contrast(colour, background) >= 4.5, f".{name} {colour} on {background}"


def test_the_dark_style_sets_every_colour_the_light_one_sets():
    """Otherwise a light colour would be left over on the dark background."""
    light, dark = schemes()["light"], schemes()["dark"]

    coloured = {selector for selector, styles in light.items() if "color" in styles}
    assert coloured == {selector for selector, styles in dark.items() if "color" in styles}
    assert light["pre.highlight"]["background"] != dark["pre.highlight"]["background"]


def test_the_light_style_has_the_background_of_every_code_block_on_the_site():
    main = (STYLESHEET.parent / "main.css").read_text()
    site_background = re.search(r"\.post__body pre \{[^}]*background: (#\w+)", main).group(1)

    assert schemes()["light"]["pre.highlight"]["background"] == site_background
