"""Write flaskblog/static/img/social-card.png: the picture a link preview shows for a post
with no cover image whose author has no picture of their own (posts/post.html's og:image).

1200 x 630, the size Open Graph previews are drawn at: the site's name in white on the
header's blue (main.css, --header), inside the middle square that a small card crops it to,
in Pillow's own font so that it comes out the same on every machine. Run it again only to
change the picture:

    .venv/bin/python tools/make_social_card.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUTPUT = Path(__file__).resolve().parent.parent / "flaskblog" / "static" / "img" / "social-card.png"
SIZE = (1200, 630)
HEADER_BLUE = "#1a3f78"
ACCENT_LINE = "#8ab4f8"


def social_card() -> Image.Image:
    """The card: the site's name centred, a short accent line under it."""
    card = Image.new("RGB", SIZE, HEADER_BLUE)
    draw = ImageDraw.Draw(card)
    font = ImageFont.load_default(size=130)
    middle = (SIZE[0] // 2, SIZE[1] // 2 - 30)
    draw.text(middle, "flaskblog", font=font, fill="#ffffff", anchor="mm")
    draw.rectangle((SIZE[0] // 2 - 120, 440, SIZE[0] // 2 + 120, 452), fill=ACCENT_LINE)
    return card


if __name__ == "__main__":
    social_card().save(OUTPUT, optimize=True)
    print(f"wrote {OUTPUT.name}: {SIZE[0]} x {SIZE[1]}")
