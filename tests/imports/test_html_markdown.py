"""WordPress's HTML as Markdown: the text is escaped for Markdown, shortcodes are not."""

import pytest

from flaskblog.imports.html_markdown import shortcodes_in, to_markdown, to_plain_text


@pytest.mark.parametrize(
    "shortcode",
    [
        '[gallery size="large_thumb" ids="4,5"]',
        '[gallery link="*file*" columns="3"]',
        "[embed]https://video.example.com/watch?v=a_b*c_d[/embed]",
        '[contact-form-7 id="1" title="my_form"]',
    ],
)
def test_a_shortcode_is_kept_exactly_as_written(shortcode):
    html = f"Before_it.\n\n{shortcode}\n\nAfter *it*."

    markdown = to_markdown(html)

    assert f"\n\n{shortcode}\n\n" in markdown
    # The words around it are still escaped, as Markdown needs them to be.
    assert markdown.startswith("Before\\_it.") and markdown.endswith("After \\*it\\*.")


def test_shortcodes_within_a_paragraph_and_a_list_are_kept_exactly_as_written():
    html = '<p>See [audio src="a_b.mp3"] here.</p><ul><li>[button style="*big*"]</li></ul>'

    markdown = to_markdown(html)

    assert 'See [audio src="a_b.mp3"] here.' in markdown
    assert '- [button style="*big*"]' in markdown
    assert shortcodes_in(html) == ["audio", "button"]


def test_a_caption_keeps_its_picture_and_words_but_not_its_shortcode():
    html = '[caption id="a_1"]<img src="https://example.com/x.png" alt="X"> Sun_set[/caption]'

    assert to_markdown(html) == "![X](https://example.com/x.png) Sun\\_set"


def test_an_excerpt_becomes_plain_text_on_one_line():
    html = "<p>Caf&eacute; &amp; <b>friends</b>,\n\n  all<br/>day.</p><script>x()</script>"

    assert to_plain_text(html) == "Café & friends, all day."
