"""Images in posts go through the same hardened pipeline as profile pictures, and come out
upright, stripped of metadata, at most 2,000 px on their longest side, as PNG where lossless
matters and WebP otherwise."""

import io

import pytest
from PIL import ExifTags, Image, ImageCms

from flaskblog.images import POST_IMAGE_SIZE, InvalidPicture, make_post_image
from flaskblog.models import Image as ImageRow
from tests.helpers.images import blank_png, image_bytes, photo, png

MAX_PIXELS = 16_000_000


def process(data: bytes):
    return make_post_image(io.BytesIO(data), MAX_PIXELS)


def opened(picture) -> Image.Image:
    return Image.open(io.BytesIO(picture.data))


def test_a_photo_becomes_a_webp_of_the_same_size():
    picture = process(image_bytes(photo((120, 80)), "JPEG", quality=90))

    assert (picture.extension, picture.width, picture.height) == ("webp", 120, 80)
    assert opened(picture).format == "WEBP"
    assert picture.mimetype == "image/webp"


def test_a_large_picture_is_shrunk_to_2000_pixels_on_its_longest_side():
    picture = process(image_bytes(photo((3000, 1500)), "JPEG"))

    assert (picture.width, picture.height) == (POST_IMAGE_SIZE, 1000)
    assert opened(picture).size == (2000, 1000)


def test_the_picture_is_turned_upright_by_its_exif_orientation():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # taken with the camera turned: show it turned back
    sideways = image_bytes(photo((60, 20)), "JPEG", exif=exif.tobytes())

    picture = process(sideways)

    assert (picture.width, picture.height) == (20, 60)


def test_every_bit_of_metadata_is_dropped():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Camera"
    exif[ExifTags.Base.ImageDescription] = "my-home-address"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    revealing = image_bytes(photo((80, 60)), "JPEG", exif=exif.tobytes(), icc_profile=icc)

    picture = process(revealing)

    assert not {"exif", "xmp", "icc_profile"} & opened(picture).info.keys()
    assert b"my-home-address" not in picture.data and b"Camera" not in picture.data


def test_transparency_is_kept_losslessly_as_png():
    drawing = photo((50, 50)).convert("RGBA")
    drawing.putalpha(Image.linear_gradient("L").resize((50, 50)))

    picture = process(image_bytes(drawing, "PNG"))

    assert picture.extension == "png"
    assert opened(picture).mode == "RGBA"
    assert opened(picture).getpixel((0, 0))[3] < 10  # still see-through


def test_a_drawing_of_few_colours_stays_lossless_as_png():
    diagram = Image.new("RGB", (200, 100), "white")
    diagram.paste((20, 40, 200), (10, 10, 90, 90))

    picture = process(image_bytes(diagram, "PNG"))

    assert picture.extension == "png"
    assert opened(picture).convert("RGB").getpixel((50, 50)) == (20, 40, 200)


def test_only_the_first_frame_of_an_animated_gif_is_kept():
    frames = [Image.new("RGB", (40, 40), colour) for colour in ("blue", "red", "green")]
    animated = image_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:], loop=0)

    picture = process(animated)

    still = opened(picture)
    assert getattr(still, "n_frames", 1) == 1
    assert still.convert("RGB").getpixel((20, 20)) == (0, 0, 255)


def test_the_digest_names_the_encoded_bytes():
    first, again, other = process(png(colour="red")), process(png(colour="red")), process(png())

    assert len(first.digest) == ImageRow.DIGEST_LENGTH
    assert first.digest == again.digest
    assert process(png(colour="blue")).digest != other.digest


@pytest.mark.parametrize(
    "fake",
    [
        b"<html><script>alert(1)</script></html>",
        b"\x89PNG\r\n\x1a\n" + b"<?php system($_GET['c']); ?>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    ],
    ids=["html", "png-header-only", "svg"],
)
def test_a_file_that_is_not_an_image_is_refused(fake):
    with pytest.raises(InvalidPicture, match="not a JPEG, PNG, WebP or GIF"):
        process(fake)


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = blank_png(5_000, 4_000, bit_depth=1, colour_type=0)  # 20 megapixels, tiny file

    with pytest.raises(InvalidPicture, match="too large"):
        process(bomb)


def test_avatars_and_post_images_share_the_opening_step():
    # The same refusal, in the same words, whichever way the picture comes in.
    from flaskblog.images import make_avatar

    bomb = blank_png(5_000, 4_000, bit_depth=1, colour_type=0)
    with pytest.raises(InvalidPicture) as avatar_error:
        make_avatar(io.BytesIO(bomb), MAX_PIXELS)
    with pytest.raises(InvalidPicture) as post_error:
        process(bomb)
    assert str(avatar_error.value) == str(post_error.value)
