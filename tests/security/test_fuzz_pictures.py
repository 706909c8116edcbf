"""Fuzzing the picture pipeline: mutations of a few small valid pictures (bytes changed,
cut short, repeated, spliced) either become a profile picture or are refused with
InvalidPicture and its message for the user; no other exception ever escapes."""

import io

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image

from flaskblog.images import InvalidPicture, make_avatar
from tests.helpers.images import image_bytes, jpeg_with_damaged_exif


def exif_upside_down() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 3
    exif[ExifTags.Base.Make] = "Camera"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (1.0, 2.0, 3.0)
    return exif


def seeds() -> dict[str, bytes]:
    """Small valid pictures of each format, with the parts decoders trip on: EXIF, palettes
    and transparency, progressive scans, animation."""
    colours = Image.linear_gradient("L").resize((40, 30)).convert("RGB")
    exif = exif_upside_down().tobytes()
    frames = [Image.new("P", (20, 20), n) for n in range(3)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], transparency=0)
    return {
        "jpeg-exif": image_bytes(colours, "JPEG", exif=exif, quality=50),
        "jpeg-progressive": image_bytes(colours, "JPEG", progressive=True, quality=50),
        "png-palette-transparent": image_bytes(colours.convert("P"), "PNG", transparency=3),
        "png-rgba-exif": image_bytes(colours.convert("RGBA"), "PNG", exif=exif),
        "webp-exif": image_bytes(colours, "WEBP", exif=exif, quality=50),
        "gif-animated": gif.getvalue(),
    }


SEEDS = seeds()


@st.composite
def mutations(draw) -> bytes:
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["byte", "bytes", "cut", "repeat", "splice"]))
        # Most mutations land in the headers and metadata, where parsers make decisions.
        at = draw(st.integers(0, min(len(data) - 1, 300)) | st.integers(0, len(data) - 1))
        if kind == "byte":
            data[at] = draw(st.integers(0, 255))
        elif kind == "bytes":
            data[at : at + 4] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "cut":
            del data[at:]
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 64))] * draw(st.integers(1, 50))
        else:
            other = SEEDS[draw(st.sampled_from(sorted(SEEDS)))]
            data[at:] = other[draw(st.integers(0, len(other) - 1)) :]
        if not data:
            break
    return bytes(data)


def avatar_or_refusal(data: bytes) -> None:
    """make_avatar's answer: a 256x256 WebP, or InvalidPicture with a message."""
    try:
        avatar = make_avatar(io.BytesIO(data), max_pixels=16_000_000)
    except InvalidPicture as refusal:
        assert str(refusal)
    else:
        assert Image.open(io.BytesIO(avatar)).size == (256, 256)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow's "Corrupt EXIF data"
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@settings(max_examples=150, deadline=None, database=None)
@given(data=mutations())
# A damaged EXIF block: struct.error from Pillow's EXIF writer, once a 500.
@example(data=jpeg_with_damaged_exif())
def test_a_mutated_picture_becomes_an_avatar_or_is_refused_never_a_crash(data):
    avatar_or_refusal(data)
