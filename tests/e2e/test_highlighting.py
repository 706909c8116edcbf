"""Highlighted code in a real headless Chromium, light and dark: the stylesheet loads under
the strict Content-Security-Policy, and every token reads against the block's background
in the colour scheme the reader's system prefers."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_revisions import CONTRAST
from tests.helpers.factories import add_posts

pytestmark = pytest.mark.browser

CODE = '''```python
# A comment, a "string", a number and a keyword.
def greet(name: str = "world") -> str:
    """Say hello."""
    return f"Hello, {{name}}!" * 2  # twice (braces doubled for add_posts)
```'''


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_token_of_highlighted_code_reads_in_both_schemes(
    app, open_browser, make_user, scheme
):
    [post_id] = add_posts(app, make_user("alice"), 1, title="Code", content=CODE)
    page = open_browser(viewport={"width": 1280, "height": 800}, color_scheme=scheme)

    page.goto(f"/post/{post_id}")

    block = page.locator("pre.highlight")
    expect(block).to_be_visible()
    background = block.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == {"light": "rgb(240, 244, 248)", "dark": "rgb(13, 17, 23)"}[scheme]
    tokens = block.locator("span")
    assert tokens.count() > 20
    colours = set()
    for index in range(tokens.count()):
        token = tokens.nth(index)
        # Spans have no background of their own: measure against the block's.
        token.evaluate(f"e => e.style.backgroundColor = '{background}'")
        assert token.evaluate(CONTRAST) >= 4.5, token.text_content()
        colours.add(token.evaluate("e => getComputedStyle(e).color"))
    assert len(colours) >= 4  # it is highlighted, not one colour
