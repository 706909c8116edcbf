"""Hostile uploads through the profile picture field: files that are not images, files
that are images and something else at once (polyglots), SVG with script, uploads too
big to accept, image bombs that declare enormous canvases, and pictures that give away
where they were taken; files that make the decoder work for minutes or fill memory.
Nothing but a freshly encoded 256x256 WebP is ever stored or
served, and nothing hostile costs the server more than a moment."""

import io
import math
import re
import struct
import time
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import ExifTags, Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from flaskblog.extensions import db
from flaskblog.images import MAX_JPEG_SCANS, WEBP_COST, jpeg_scan_count
from flaskblog.models import Avatar, User
from flaskblog.urls import avatar_url
from tests.helpers.images import (
    blank_png,
    decode_cost,
    jpeg_with_damaged_exif,
    progressive_jpeg_with_repeated_scan,
)
from tests.helpers.pages import csrf_token_in, field_errors, page_text

NOT_AN_IMAGE = "That file is not a JPEG, PNG, WebP or GIF image."
DAMAGED = "That image is damaged or incomplete."
TOO_LARGE = re.compile(
    r"That picture is too large \(\d+x\d+ pixels\); the limit is (16|8) megapixels\."
)
HOSTILE = [b"<script", b"alert(", b"<?php", b"system(", b"<html", b"onload", b"<svg"]
QUICK = 3.0  # seconds for any one upload, however hostile
UNUSUAL_JPEG = "That JPEG is built in an unusual way; please save it again."

SCRIPT = b"<script>alert(document.cookie)</script>"
PHP = b"<?php system($_GET['cmd']); ?>"
HTML_PAGE = b"<!doctype html><html><body onload=alert(1)>" + SCRIPT + b"</body></html>"


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def small(fmt: str, **options) -> bytes:
    return encoded(Image.new("RGB", (48, 48), (200, 30, 30)), fmt, **options)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG header for a `width` x `height` canvas, with one small block of pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 4096, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def png_with_text_bomb() -> bytes:
    """A small PNG whose compressed text chunk inflates to 64 MB."""
    whole = small("PNG")
    bomb = png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"A" * 64 * 1024 * 1024, 9))
    end = whole.index(b"IEND") - 4
    return whole[:end] + bomb + whole[end:]


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims `width` x `height`."""
    data = bytearray(small("JPEG"))
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_declaring(width: int, height: int) -> bytes:
    """A small GIF whose screen and image descriptors claim `width` x `height`."""
    data = bytearray(small("GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    image = data.index(b"\x2c")  # the image descriptor
    data[image + 5 : image + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def webp_declaring(width: int, height: int) -> bytes:
    """A small lossless WebP whose bitstream header claims `width` x `height`."""
    data = bytearray(small("WEBP", lossless=True))
    start = data.index(b"VP8L") + 9  # after the chunk header and the signature byte
    bits = int.from_bytes(data[start : start + 4], "little") & ~((1 << 28) - 1)
    bits |= (width - 1) | ((height - 1) << 14)
    data[start : start + 4] = bits.to_bytes(4, "little")
    return bytes(data)


def gif_with_frames(count: int) -> bytes:
    """A 500x500 GIF with `count` frames, a few megabytes that would decode to gigabytes."""
    two = encoded(
        Image.new("RGB", (500, 500)),
        "GIF",
        save_all=True,
        append_images=[Image.new("RGB", (500, 500), (255, 0, 0))],
        duration=10,
        disposal=1,
    )
    first = two.index(b"\x21\xf9")
    frame = two[two.index(b"\x21\xf9", first + 1) : -1]  # up to the trailer
    return two[:-1] + frame * (count - 1) + b";"


def revealing_metadata() -> dict:
    """EXIF with a camera and GPS position, an ICC profile and XMP, for any format."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Model] = "Model-7731"
    exif[ExifTags.Base.ImageDescription] = "my-home-address"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.2N" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="secret-photographer"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return {"exif": exif, "icc_profile": icc, "xmp": xmp}


REVEALING = [b"SpyCam", b"Model-7731", b"my-home-address", b"GPSLatitude", b"secret-photographer"]


@pytest.fixture
def upload(forms):
    """`upload(data, name, content_type)`: the account form with a picture; timed."""

    def send(data: bytes, name: str = "me.png", content_type: str | None = None):
        picture = (
            (io.BytesIO(data), name, content_type) if content_type else (io.BytesIO(data), name)
        )
        started = time.monotonic()
        response = forms.submit(
            "/account", {"username": "alice", "email": "alice@example.com", "picture": picture}
        )
        assert time.monotonic() - started < QUICK
        return response

    return send


def stored_picture(app, user_id: int) -> bytes | None:
    with app.app_context():
        avatar = db.session.get(Avatar, user_id)
        return avatar.image if avatar else None


def served_picture(app, client, user_id: int):
    with app.app_context():
        url = avatar_url(db.session.get(User, user_id))
    return client.get(url)


def assert_refused(app, response, user_id: int, *messages) -> None:
    assert response.status_code == 200
    errors = field_errors(response, "picture")
    assert len(errors) == 1
    assert any(
        error == message if isinstance(message, str) else message.fullmatch(error)
        for message in messages
        for error in errors
    ), errors
    assert stored_picture(app, user_id) is None


def assert_clean_webp(data: bytes) -> None:
    """A 256x256 WebP made here: nothing of the upload's other content survives in it."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("WEBP", (256, 256))
    assert not {"exif", "xmp", "icc_profile"} & image.info.keys()
    for marker in HOSTILE + REVEALING:
        assert marker not in data


# --- Files that are not pictures ------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (HTML_PAGE, "me.png", "image/png"),
        (HTML_PAGE, "me.html", "text/html"),
        (PHP, "shell.php.jpg", "image/jpeg"),
        (PHP, "shell.php", "application/x-php"),
        (b"#!/bin/sh\nrm -rf /\n", "me.gif", "image/gif"),
        (b"\x7fELF\x02\x01\x01" + b"\0" * 120, "me.webp", "image/webp"),
        (b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\n", "me.jpg", "image/jpeg"),
        (b"PK\x03\x04" + b"\0" * 60, "me.png", "image/png"),
        (b"GIF89a" + SCRIPT, "header-only.gif", "image/gif"),
        (b"\xff\xd8\xff\xe0" + PHP, "header-only.jpg", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n" + HTML_PAGE, "header-only.png", "image/png"),
        (b"RIFF\x10\x00\x00\x00WEBP" + SCRIPT, "header-only.webp", "image/webp"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">' + SCRIPT + b"</svg>",
            "me.svg",
            "image/svg+xml",
        ),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">' + SCRIPT + b"</svg>",
            "me.png",
            "image/png",
        ),
        (zlib.compress(b"<svg onload=alert(1)/>"), "me.svgz", "image/svg+xml"),
        (small("BMP"), "me.bmp", "image/bmp"),
        (small("TIFF"), "me.tiff", "image/tiff"),
        (small("ICO"), "me.ico", "image/x-icon"),
        (b"", "empty.jpg", "image/jpeg"),
    ],
    ids=[
        "html-as-png",
        "html",
        "php-double-extension",
        "php",
        "shell-script",
        "elf-binary",
        "pdf",
        "zip",
        "gif-magic-then-script",
        "jpeg-magic-then-php",
        "png-magic-then-html",
        "webp-magic-then-script",
        "svg-with-script",
        "svg-named-png",
        "svgz",
        "bmp",
        "tiff",
        "ico",
        "empty",
    ],
)
def test_files_that_are_not_pictures_we_accept_are_refused(
    app, logged_in_alice, upload, data, name, content_type
):
    response = upload(data, name, content_type)

    assert_refused(app, response, logged_in_alice, NOT_AN_IMAGE, DAMAGED)


# --- Polyglots: real pictures that carry something else ------------------------------------


def gif_then(payload: bytes) -> bytes:
    return small("GIF") + payload


def png_with_text(payload: bytes) -> bytes:
    info = PngInfo()
    info.add_text("Comment", payload.decode())
    return small("PNG", pnginfo=info)


def jpeg_with_comment(payload: bytes) -> bytes:
    return small("JPEG", comment=payload)


def png_then(payload: bytes) -> bytes:
    return small("PNG") + payload


@pytest.mark.parametrize("payload", [SCRIPT, PHP, HTML_PAGE], ids=["script", "php", "html"])
@pytest.mark.parametrize("carrier", [gif_then, png_with_text, jpeg_with_comment, png_then])
def test_a_picture_carrying_a_payload_is_stored_re_encoded_without_it(
    app, client, logged_in_alice, upload, carrier, payload
):
    polyglot = carrier(payload)
    assert payload in polyglot and Image.open(io.BytesIO(polyglot)).size == (48, 48)

    response = upload(polyglot, "innocent.gif")

    assert response.status_code == 302
    assert_clean_webp(stored_picture(app, logged_in_alice))
    served = served_picture(app, client, logged_in_alice)
    assert served.status_code == 200
    assert served.content_type == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert_clean_webp(served.get_data())


def test_the_uploaded_file_name_is_never_used(app, client, logged_in_alice, upload):
    roots = [Path(app.root_path), Path(app.instance_path)]
    before = {path for root in roots if root.exists() for path in root.rglob("*")}

    response = upload(small("PNG"), "../../../../static/js/editor.js")

    assert response.status_code == 302
    after = {path for root in roots if root.exists() for path in root.rglob("*")}
    assert {path for path in after - before if "__pycache__" not in path.parts} == set()
    with app.app_context():
        assert re.fullmatch(
            r"/avatar/\d+/[0-9a-f]{16}\.webp",
            urlsplit(avatar_url(db.session.get(User, logged_in_alice))).path,
        )


# --- Too big to take -----------------------------------------------------------------------


def test_an_upload_over_the_request_limit_is_a_413(app, logged_in_alice, upload):
    response = upload(small("PNG").ljust(app.config["MAX_CONTENT_LENGTH"] + 1, b"\0"))

    assert response.status_code == 413
    assert "Pictures may be at most 5 MB." in page_text(response)
    assert stored_picture(app, logged_in_alice) is None


def test_an_oversized_upload_without_a_length_is_a_413_too(app, client, logged_in_alice):
    # Chunked: no Content-Length for the server to check before reading.
    token = csrf_token_in(page_text(client.get("/account")))
    boundary = "x-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f'{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name="picture"; '
        'filename="big.png"\r\nContent-Type: image/png\r\n\r\n'
    ).encode() + small("PNG").ljust(app.config["MAX_CONTENT_LENGTH"] + 1, b"\0")
    body += f"\r\n--{boundary}--\r\n".encode()

    response = client.post(
        "/account",
        input_stream=io.BytesIO(body),
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert response.status_code == 413
    assert stored_picture(app, logged_in_alice) is None


# --- Image bombs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bomb",
    [
        png_declaring(100_000, 100_000),
        png_declaring(6000, 5000),
        png_declaring(2**31 - 1, 1),
        jpeg_declaring(65_000, 65_000),
        jpeg_declaring(6000, 6000),
        gif_declaring(65_535, 65_535),
        gif_declaring(8000, 8000),
        webp_declaring(16_383, 16_383),
        webp_declaring(6000, 6000),
    ],
    ids=[
        "png-10-gigapixels",
        "png-30-megapixels",
        "png-2-gigapixels-in-a-line",
        "jpeg-4-gigapixels",
        "jpeg-36-megapixels",
        "gif-4-gigapixels",
        "gif-64-megapixels",
        "webp-268-megapixels",
        "webp-36-megapixels",
    ],
)
def test_a_picture_declaring_a_huge_canvas_is_refused_before_it_is_decoded(
    app, logged_in_alice, upload, bomb
):
    assert len(bomb) < 10_000  # tiny on the wire

    response = upload(bomb, "bomb.png")

    assert_refused(app, response, logged_in_alice, TOO_LARGE, NOT_AN_IMAGE, DAMAGED)


def test_a_compressed_text_bomb_is_not_inflated(app, logged_in_alice, upload):
    response = upload(png_with_text_bomb(), "bomb.png")

    # Refused as damaged, or accepted without the text: either way quickly (see `upload`).
    if response.status_code == 200:
        assert_refused(app, response, logged_in_alice, DAMAGED, NOT_AN_IMAGE)
    else:
        assert response.status_code == 302
        assert_clean_webp(stored_picture(app, logged_in_alice))


def test_only_the_first_frame_of_a_gif_with_thousands_is_decoded(app, logged_in_alice, upload):
    bomb = gif_with_frames(3000)
    assert len(bomb) < app.config["MAX_PICTURE_BYTES"]

    response = upload(bomb, "frames.gif")

    assert response.status_code == 302
    assert_clean_webp(stored_picture(app, logged_in_alice))


# --- What decoding costs: time and memory ------------------------------------------------


def test_a_progressive_jpeg_repeating_one_scan_thousands_of_times_is_refused(
    app, logged_in_alice, upload
):
    # Each copy of the scan is 14 bytes and makes the decoder go over the whole image again:
    # 232 KB of them kept a worker busy past its timeout.
    bomb = progressive_jpeg_with_repeated_scan((2000, 2000), repeats=5000)
    assert len(bomb) < 150_000

    response = upload(bomb, "scans.jpg")

    assert_refused(app, response, logged_in_alice, UNUSUAL_JPEG)


def test_jpeg_scans_are_counted_without_decoding():
    grey = Image.new("RGB", (64, 64), "grey")

    assert jpeg_scan_count(encoded(grey, "JPEG")) == 1
    assert jpeg_scan_count(encoded(grey, "JPEG", progressive=True)) == 10
    assert jpeg_scan_count(progressive_jpeg_with_repeated_scan((64, 64), 20)) == 30
    assert jpeg_scan_count(progressive_jpeg_with_repeated_scan((64, 64), 10**4)) == 65  # stops
    assert jpeg_scan_count(encoded(grey, "PNG")) == 0


def test_a_jpeg_with_a_damaged_exif_block_is_accepted_as_the_picture_it_is(
    app, logged_in_alice, upload
):
    response = upload(jpeg_with_damaged_exif(), "damaged-exif.jpg")

    assert response.status_code == 302  # was a 500: struct.error in Pillow's EXIF writer
    assert_clean_webp(stored_picture(app, logged_in_alice))


def largest_allowed(max_pixels: int, fmt: str) -> bytes:
    """A picture of the worst kind for its format, as large as the pixel limit allows."""
    if fmt == "PNG":  # 16-bit RGBA: decoded to 4 bytes a pixel
        side = math.isqrt(max_pixels)
        return blank_png(side, side)
    if fmt == "JPEG":  # progressive, no chroma subsampling, as many scans as allowed
        side = math.isqrt(max_pixels)
        return progressive_jpeg_with_repeated_scan((side, side), MAX_JPEG_SCANS - 10, subsampling=0)
    side = math.isqrt(max_pixels // WEBP_COST)  # WebP with alpha
    return encoded(Image.new("RGBA", (side, side), (0, 0, 0, 0)), "WEBP", lossless=True)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_decoding_the_largest_picture_allowed_has_bounded_memory_and_time(app, fmt):
    """Measured in a fresh interpreter. An all-zero 16-bit RGBA PNG of 25 megapixels (73 KB
    to 125 KB) took a worker from 95 MB to 490 MB."""
    max_pixels = app.config["MAX_PICTURE_PIXELS"]
    picture = largest_allowed(max_pixels, fmt)
    assert len(picture) <= app.config["MAX_PICTURE_BYTES"]

    memory, seconds = decode_cost(picture, max_pixels)

    assert memory <= 10 * max_pixels, f"{memory / 2**20:.0f} MB"  # 160 MB at 16 megapixels
    assert seconds < QUICK


# --- Where the picture was taken -----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_location_camera_and_other_metadata_are_gone_after_upload(
    app, client, logged_in_alice, upload, fmt
):
    picture = small(fmt, **revealing_metadata())
    original = Image.open(io.BytesIO(picture))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert "icc_profile" in original.info

    response = upload(picture, f"holiday.{fmt.lower()}")

    assert response.status_code == 302
    served = served_picture(app, client, logged_in_alice).get_data()
    assert_clean_webp(served)
    assert len(Image.open(io.BytesIO(served)).getexif()) == 0
    assert set(re.findall(rb"(?:VP8[ LX]|ALPH|EXIF|XMP |ICCP|ANIM|ANMF)", served)) <= {
        b"VP8 ",
        b"VP8L",
        b"VP8X",
        b"ALPH",
    }
