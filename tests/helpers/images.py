"""Pictures to upload, made in memory, and profile pictures given straight in the database."""

import io

from PIL import Image

from flaskblog.extensions import db
from flaskblog.images import make_avatar
from flaskblog.models import User


def image_bytes(image: Image.Image, fmt: str, **options) -> bytes:
    """`image` saved in format `fmt` (PNG, JPEG, ...) with Pillow's `options`."""
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png(size: tuple[int, int] = (64, 64), colour="red") -> bytes:
    """A PNG of one colour."""
    return image_bytes(Image.new("RGB", size, colour), "PNG")


def give_avatar(app, user_id: int, colour: str) -> str:
    """Give a user a real processed profile picture; returns its URL."""
    with app.app_context():
        user = db.session.get(User, user_id)
        picture = io.BytesIO(png((40, 30), colour))
        user.set_avatar(make_avatar(picture, app.config["MAX_PICTURE_PIXELS"]))
        db.session.commit()
        return f"/avatar/{user.id}/{user.avatar.digest}.webp"
