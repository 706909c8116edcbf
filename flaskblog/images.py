"""Profile pictures: turning an upload into a small, clean WebP image, or saying why not."""

import io
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

AVATAR_SIZE = (256, 256)
PICTURE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


class InvalidPicture(ValueError):
    """An upload that is not an image we accept; the message is for the user."""


def make_avatar(stream: IO[bytes], max_pixels: int) -> bytes:
    """Turn an uploaded image into a 256x256 WebP profile picture.

    The upload must really be a JPEG, PNG, WebP or GIF (only the first frame is
    used) of at most `max_pixels`. It is turned upright by its EXIF orientation,
    centre-cropped square, resized and re-encoded, which drops all metadata.
    """
    try:
        with Image.open(stream, formats=PICTURE_FORMATS) as image:
            # Checked before decoding: a small file can declare a huge canvas.
            if image.width * image.height > max_pixels:
                raise InvalidPicture(
                    f"That picture is too large ({image.width}x{image.height} pixels); "
                    f"the limit is {max_pixels // 1_000_000} megapixels."
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            square = ImageOps.fit(
                upright.convert("RGBA" if has_alpha else "RGB"),
                AVATAR_SIZE,
                method=Image.Resampling.LANCZOS,
            )
    except InvalidPicture:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise InvalidPicture("That file is not a JPEG, PNG, WebP or GIF image.") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise InvalidPicture("That image is damaged or incomplete.") from error
    out = io.BytesIO()
    square.save(out, "WEBP", quality=85)
    return out.getvalue()
