"""The site's two themes (static/css/main.css): every colour is a light-dark() pair of
custom properties, and every pair of them that meets on a page reads well in both themes:
4.5:1 for text (WCAG 1.4.3), 3:1 for focus rings and field borders (WCAG 1.4.11)."""

import re

import pytest

from tests.helpers.colours import STATIC_CSS, THEMES, contrast, custom_properties

MAIN_CSS = (STATIC_CSS / "main.css").read_text()
TEXT, NON_TEXT = 4.5, 3.0

# (foreground, background, minimum): each colour with every background it is drawn on.
PAIRS = [
    *(
        (text, ground, TEXT)
        for text in (
            "--ink",
            "--muted",
            "--accent",
            "--accent-dark",
            "--danger",
            "--success",
            "--warning",
        )
        for ground in ("--paper", "--page")
    ),
    ("--ink", "--code-bg", TEXT),
    ("--ink", "--mark", TEXT),
    ("--ink", "--diff-bg", TEXT),
    ("--muted", "--diff-bg", TEXT),
    ("--removed", "--removed-bg", TEXT),
    ("--added", "--added-bg", TEXT),
    ("--warning", "--badge-bg", TEXT),
    ("--accent-dark", "--tag-bg", TEXT),
    ("--accent-dark", "--tag-bg-hover", TEXT),
    ("--on-header", "--header", TEXT),
    ("--on-accent", "--accent", TEXT),
    ("--on-accent", "--accent-dark", TEXT),
    ("--on-accent", "--danger", TEXT),
    ("--on-accent", "--danger-dark", TEXT),
    ("--accent", "--page", TEXT),  # the current page in the pager, on the page
    *(
        (ring, ground, NON_TEXT)
        for ring in ("--focus", "--field-border", "--danger")
        for ground in ("--paper", "--page")
    ),
    ("--on-header", "--header", NON_TEXT),  # the focus ring in the header
]


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize(("foreground", "background", "minimum"), PAIRS)
def test_colours_that_meet_read_well_in_both_themes(theme, foreground, background, minimum):
    colours = custom_properties(MAIN_CSS)
    fore, back = colours[foreground][theme], colours[background][theme]

    assert contrast(fore, back) >= minimum, f"{foreground} {fore} on {background} {back}"


def test_the_two_themes_differ_and_the_page_says_it_has_both():
    colours = custom_properties(MAIN_CSS)

    assert colours["--page"]["light"] != colours["--page"]["dark"]
    assert re.search(r":root \{[^}]*color-scheme: light dark;", MAIN_CSS)
    assert ":root[data-theme=dark] { color-scheme: dark; }" in MAIN_CSS
    assert ":root[data-theme=light] { color-scheme: light; }" in MAIN_CSS


def test_no_colour_is_written_outside_the_theme_properties():
    """A bare #rrggbb in a rule would be the same in both themes, and unchecked above."""
    rules = MAIN_CSS.split("\n}\n", 1)[1]

    assert re.findall(r"#[0-9a-fA-F]{3,6}\b", rules) == []
