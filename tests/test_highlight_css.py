"""The colours of highlighted code (static/css/highlight.css, made by
tools/make_highlight_css.py): every token class the renderer writes has a colour that
reads at 4.5:1 or more against the code's background, in the light theme and in the dark
one, each colour a light-dark() pair that follows the page's theme."""

import re
import sys

import pytest

from flaskblog.rendering import TOKEN_CLASSES
from tests.helpers.colours import STATIC_CSS, THEMES, contrast, custom_properties, themed

STYLESHEET = STATIC_CSS / "highlight.css"
RULE = re.compile(r"^\s*([^{]+?)\s*\{([^}]*)\}", re.M)


def rules() -> dict[str, dict[str, str]]:
    """{selector: {property: value}}, later rules adding to earlier ones."""
    css = re.sub(r"/\*.*?\*/", "", STYLESHEET.read_text(), flags=re.S)
    found: dict[str, dict[str, str]] = {}
    for selector, body in RULE.findall(css):
        declarations = (part.split(":", 1) for part in body.split(";") if ":" in part)
        found.setdefault(selector, {}).update((k.strip(), v.strip()) for k, v in declarations)
    return found


def test_the_stylesheet_is_what_the_tool_writes():
    """Edited by hand, or not remade after a Pygments upgrade, it would drift."""
    sys.path.insert(0, str(STATIC_CSS.parents[2] / "tools"))
    try:
        from make_highlight_css import stylesheet
    finally:
        sys.path.remove(str(STATIC_CSS.parents[2] / "tools"))

    assert STYLESHEET.read_text() == stylesheet()


@pytest.mark.parametrize("theme", THEMES)
def test_every_token_colour_reads_against_the_code_background(theme):
    styles = rules()
    background = themed(styles["pre.highlight"]["background"])[theme]

    assert contrast(themed(styles["pre.highlight"]["color"])[theme], background) >= 4.5
    for name in TOKEN_CLASSES:
        colour = themed(styles[f".highlight .{name}"]["color"])[theme]
        assert contrast(colour, background) >= 4.5, f".{name} {colour} on {background}"


def test_every_token_colour_has_a_light_and_a_dark_half():
    """A single colour would be left over on the other theme's background."""
    coloured = {s: r["color"] for s, r in rules().items() if "color" in r}

    assert coloured and all(value.startswith("light-dark(") for value in coloured.values())
    background = themed(rules()["pre.highlight"]["background"])
    assert background["light"] != background["dark"]


def test_the_code_background_is_the_one_every_code_block_on_the_site_has():
    site = custom_properties((STATIC_CSS / "main.css").read_text())["--code-bg"]

    assert themed(rules()["pre.highlight"]["background"]) == site
