"""QR codes for the account pages, drawn on the server as inline SVG.

segno writes the code as one <path> with presentation attributes (stroke, fill), never a
style attribute or a script: the strict Content-Security-Policy (flaskblog.security) lets
the page show it with no `data:` image and no inline style.
"""

import segno
from markupsafe import Markup


def qr_svg(text: str, title: str) -> Markup:
    """`text` as a QR code: an <svg> element to put straight into a page."""
    code = segno.make(text, error="m")
    # segno escapes the title itself.
    svg = code.svg_inline(
        scale=4, border=4, dark="#000", light="#fff", title=title, svgclass="qr-code"
    )
    # Safe to mark: segno escapes the title, and the rest is its own <svg> and <path> of numbers.
    return Markup(svg)  # noqa: S704  # nosec B704
