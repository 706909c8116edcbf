"""Uploaded pictures (profile pictures and images in posts): turned into small, clean
images, or refused with a reason.

Uploads are hostile until decoded: a small file can declare a huge canvas or make the JPEG
decoder work for minutes. Every cost here is bounded before it is paid (docs/SECURITY.md,
"Hostile uploads"): the canvas by `max_pixels`, a JPEG's scans by counting them first, and
the memory of a decode by decoding JPEGs at a reduced size and shrinking every other image
before anything copies it.
"""

import contextlib
import hashlib
import io
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from flask_babel import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from flaskblog.models.image import Image as ImageRow

AVATAR_SIZE = (256, 256)
# The longest side of an image in a post, in pixels: wider than any column it is shown in.
POST_IMAGE_SIZE = 2000
# A picture of at most this many colours (a diagram, a screenshot) stays lossless, as PNG.
FEW_COLOURS = 256
DIGEST_LENGTH = ImageRow.DIGEST_LENGTH
MIMETYPES = {"webp": "image/webp", "png": "image/png"}
PICTURE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# A progressive JPEG is decoded once per scan, each time over the whole image. Encoders
# write about ten (libjpeg's default script) and never more than a few dozen; a file of the
# same small scan repeated thousands of times kept a worker busy past its timeout.
MAX_JPEG_SCANS = 64
WEBP_COST = 2

_JPEG_START = b"\xff\xd8"
_START_OF_SCAN, _END_OF_IMAGE = 0xDA, 0xD9
# In a scan's data, 0xFF is followed by 0x00 (a stuffed byte), a restart marker (D0-D7) or
# more 0xFF (fill): any other byte after it is the next marker.
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


class InvalidPicture(ValueError):
    """An upload that is not an image we accept; the message is for the user."""


def jpeg_scan_count(data: bytes) -> int:
    """How many scans (SOS markers) a JPEG holds, by walking its markers without decoding.

    Counting stops at the end of the image, or once past MAX_JPEG_SCANS. A file that is not
    a JPEG counts none; a damaged one counts what is readable (the decoder says the rest).
    """
    if not data.startswith(_JPEG_START):
        return 0
    scans, position = 0, len(_JPEG_START)
    while scans <= MAX_JPEG_SCANS and (found := _NEXT_MARKER.search(data, position)):
        marker = data[found.start() + 1]
        position = found.end()
        if marker == _END_OF_IMAGE:
            break
        if 0xD0 <= marker <= 0xD8 or marker == 0x01:
            continue  # markers without a length
        if position + 2 > len(data):
            break
        # A segment's length counts its own two bytes; a scan's data follows its header.
        position += int.from_bytes(data[position : position + 2], "big")
        scans += marker == _START_OF_SCAN
    return scans


@contextlib.contextmanager
def opened_picture(data: bytes, max_pixels: int) -> Iterator[Image.Image]:
    """The upload `data` opened as a picture we accept, its header checked, not yet decoded.

    The one hardened way in for every upload (profile pictures and post images): it must
    really be a JPEG, PNG, WebP or GIF of at most `max_pixels`, and a JPEG no more scans than
    MAX_JPEG_SCANS. Whatever the caller's decoding raises becomes an InvalidPicture too.
    """
    try:
        with Image.open(io.BytesIO(data), formats=PICTURE_FORMATS) as image:
            # Checked before decoding: a small file can declare a huge canvas. libwebp
            # decodes into a buffer of its own that Pillow then copies: a WebP needs twice
            # the memory of other pictures of its size, so it may have half the pixels.
            limit = max_pixels // WEBP_COST if image.format == "WEBP" else max_pixels
            if image.width * image.height > limit:
                raise InvalidPicture(
                    _(
                        "That picture is too large (%(width)dx%(height)d pixels); the limit is"
                        " %(megapixels)d megapixels.",
                        width=image.width,
                        height=image.height,
                        megapixels=limit // 1_000_000,
                    )
                )
            if image.format == "JPEG" and jpeg_scan_count(data) > MAX_JPEG_SCANS:
                raise InvalidPicture(
                    _("That JPEG is built in an unusual way; please save it again.")
                )
            yield image
    except InvalidPicture:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise InvalidPicture(_("That file is not a JPEG, PNG, WebP or GIF image.")) from error
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as error:
        raise InvalidPicture(_("That image is damaged or incomplete.")) from error


def make_avatar(stream: IO[bytes], max_pixels: int) -> bytes:
    """Turn an uploaded image into a 256x256 WebP profile picture.

    The upload must really be a JPEG, PNG, WebP or GIF (only the first frame is
    used) of at most `max_pixels`. It is turned upright by its EXIF orientation,
    centre-cropped square, resized and re-encoded, which drops all metadata.
    """
    with opened_picture(stream.read(), max_pixels) as image:
        square = _square(image)
    out = io.BytesIO()
    square.save(out, "WEBP", quality=85)
    return out.getvalue()


@dataclass(frozen=True)
class PostPicture:
    """An image for a post, re-encoded and ready to store: its bytes and what to call them."""

    data: bytes
    extension: str  # "webp" or "png"
    width: int
    height: int

    @property
    def digest(self) -> str:
        """Names the encoded bytes, so that their URL can be cached for good."""
        return hashlib.sha256(self.data).hexdigest()[:DIGEST_LENGTH]

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.extension]


def make_post_image(stream: IO[bytes], max_pixels: int) -> PostPicture:
    """Turn an upload into an image for a post: upright, at most POST_IMAGE_SIZE on its
    longest side, every bit of metadata dropped, the first frame of an animation only.

    Re-encoded as PNG where lossless matters (transparency, or a drawing of few colours,
    which WebP's lossy mode would smear), else as WebP.
    """
    with opened_picture(stream.read(), max_pixels) as image:
        picture = _fitted(image)
    lossless = picture.mode == "RGBA" or picture.getcolors(FEW_COLOURS) is not None
    out = io.BytesIO()
    if lossless:
        picture.save(out, "PNG", optimize=True)
    else:
        picture.save(out, "WEBP", quality=85)
    return PostPicture(out.getvalue(), "png" if lossless else "webp", *picture.size)


def _fitted(image: Image.Image) -> Image.Image:
    """The upright image in RGB or RGBA, within POST_IMAGE_SIZE, decoded at no more than it
    needs (the same steps as _square, for a picture that keeps its shape)."""
    image.draft(None, (POST_IMAGE_SIZE, POST_IMAGE_SIZE))
    image.load()
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    factor = max(image.width, image.height) // (2 * POST_IMAGE_SIZE)
    if factor > 1:
        image = image.reduce(factor)
    upright = _upright(image)
    if has_alpha and upright.getextrema()[3][0] == 255:
        upright, has_alpha = upright.convert("RGB"), False  # transparency it never uses
    upright.thumbnail((POST_IMAGE_SIZE, POST_IMAGE_SIZE), Image.Resampling.LANCZOS)
    upright.info = {}  # PNG's writer would copy an ICC profile (or text) found here
    return upright


def _square(image: Image.Image) -> Image.Image:
    """The upright, centre-cropped AVATAR_SIZE image, decoded at no more than it needs."""
    # A JPEG decodes at 1/2, 1/4 or 1/8 of its size, still at least AVATAR_SIZE; other
    # formats ignore this.
    image.draft(None, AVATAR_SIZE)
    image.load()
    # Shrunk at once by a whole factor (a box filter), so that the copies made below
    # (turning upright, converting) are of an image a little over AVATAR_SIZE, not of
    # the full canvas.
    factor = min(image.width, image.height) // (2 * AVATAR_SIZE[0])
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if factor > 1:
        if image.mode not in ("RGB", "RGBA", "L", "LA"):
            image = image.convert("RGBA" if has_alpha else "RGB")
        image = image.reduce(factor)
    upright = _upright(image)
    return ImageOps.fit(
        upright.convert("RGBA" if has_alpha else "RGB"),
        AVATAR_SIZE,
        method=Image.Resampling.LANCZOS,
    )


# How to undo each EXIF orientation (2 to 8; 1 is upright).
_TURNS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright(image: Image.Image) -> Image.Image:
    """`image` turned as its EXIF orientation says; as it is if the EXIF block is damaged.

    Not ImageOps.exif_transpose: it also rewrites the EXIF block, which the WebP drops
    anyway, and Pillow's EXIF writer fails in many ways on a damaged block (struct.error,
    TypeError...). Only the orientation is read here, and a damaged block is ignored: the
    picture itself is fine.
    """
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation)
    except (OSError, SyntaxError, ValueError, EOFError, TypeError, struct.error):
        return image
    turn = _TURNS.get(orientation) if isinstance(orientation, int) else None
    return image.transpose(turn) if turn is not None else image
