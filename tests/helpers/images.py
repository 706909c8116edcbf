"""Pictures to upload, made in memory."""

import io

from PIL import Image


def image_bytes(image: Image.Image, fmt: str, **options) -> bytes:
    """`image` saved in format `fmt` (PNG, JPEG, ...) with Pillow's `options`."""
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png(size: tuple[int, int] = (64, 64), colour="red") -> bytes:
    """A plain PNG of one colour."""
    return image_bytes(Image.new("RGB", size, colour), "PNG")
