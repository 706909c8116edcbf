"""Pictures to upload, made in memory (hostile ones too: image bombs, repeated JPEG scans,
damaged EXIF), what decoding one costs, and profile pictures given straight in the database."""

import io
import itertools
import struct
import subprocess
import sys
import zlib

from flask import url_for
from PIL import ExifTags, Image

from flaskblog.extensions import db
from flaskblog.images import make_avatar, make_post_image
from flaskblog.media import markdown_for, store_image
from flaskblog.models import User
from tests.helpers.pages import csrf_token_from


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


# --- Hostile pictures ----------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def blank_png(width: int, height: int, bit_depth: int = 16, colour_type: int = 6) -> bytes:
    """A PNG of all-zero pixels, written by hand: a few hundred KB that declare as much as
    Pillow allows (16-bit RGBA by default, which it decodes to 4 bytes a pixel)."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    row = b"\0" * (1 + width * channels * bit_depth // 8)  # filter byte, then the pixels
    packer = zlib.compressobj(9)
    compressed = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", compressed)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_segments(data: bytes) -> list[bytes]:
    """A JPEG cut into its segments, each from its marker to the next (a scan with its data)."""
    starts, position = [0], 2
    while position < len(data):
        marker = data[position + 1]
        if marker == 0xD9:
            starts.append(position)
            break
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        end = position + 2 + length
        if marker == 0xDA:  # the scan's data runs to the next marker that is not FF00/RSTn
            end = data.find(b"\xff", end)
            while data[end + 1] == 0 or 0xD0 <= data[end + 1] <= 0xD7:
                end = data.find(b"\xff", end + 2)
        starts.append(position)
        position = end
    starts.append(len(data))
    return [data[a:b] for a, b in itertools.pairwise(starts) if b > a]


def progressive_jpeg_with_repeated_scan(
    size: tuple[int, int] = (2000, 2000), repeats: int = 5000, **options
) -> bytes:
    """A progressive JPEG whose smallest scan is repeated `repeats` times: each copy is a few
    bytes of a grey image, and each makes the decoder go over the whole image again."""
    grey = Image.new("RGB", size, "grey")
    segments = jpeg_segments(image_bytes(grey, "JPEG", progressive=True, **options))
    scans = [n for n, segment in enumerate(segments) if segment[1] == 0xDA]
    smallest = min(scans[1:], key=lambda n: len(segments[n]))
    return (
        b"".join(segments[: smallest + 1])
        + segments[smallest] * repeats
        + b"".join(segments[smallest + 1 :])
    )


# What decoding one picture costs, measured in a fresh interpreter: the peak of its memory
# (resident set) grows by what the decode needs and nothing else. The peak is the kernel's
# VmHWM, of this process alone: getrusage's ru_maxrss keeps the peak of the process that
# forked it, here the test run itself.
_DECODE_COST = """
import io, re, sys, time
from flaskblog.images import make_avatar

def peak():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s*(\\d+) kB", status.read()).group(1)) * 1024

picture = sys.stdin.buffer.read()
before = peak()
started = time.process_time()
make_avatar(io.BytesIO(picture), int(sys.argv[1]))
print(peak() - before, time.process_time() - started)
"""


def decode_cost(picture: bytes, max_pixels: int) -> tuple[int, float]:
    """(bytes of memory, seconds of processor time) that make_avatar takes for `picture`."""
    done = subprocess.run(  # noqa: S603  (this interpreter, our own script)
        [sys.executable, "-c", _DECODE_COST, str(max_pixels)],
        input=picture,
        capture_output=True,
        check=True,
        timeout=120,
    )
    memory, seconds = done.stdout.split()
    return int(memory), float(seconds)


def jpeg_with_damaged_exif() -> bytes:
    """A JPEG to be turned upright (EXIF orientation 6) whose EXIF block names the camera
    under the tag of a strip's byte counts, text where numbers belong: Pillow reads it, but
    writing it back fails (struct.error). Found among 3,000 mutations of one small JPEG."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Camera"
    make = struct.pack(">HH", ExifTags.Base.Make, 2)  # the tag and its type, ASCII
    wrong = struct.pack(">HH", ExifTags.Base.StripByteCounts, 2)
    block = exif.tobytes()
    assert block.count(make) == 1
    return image_bytes(Image.new("RGB", (32, 24), "red"), "JPEG", exif=block.replace(make, wrong))


# --- Images in posts ---------------------------------------------------------------------------


def photo(size: tuple[int, int] = (64, 48), seed: int = 1) -> Image.Image:
    """A picture of many colours (noise over a gradient), as a photograph is: lossy WebP."""
    channels = [Image.effect_noise(size, 40 + seed + n) for n in range(3)]
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    return Image.blend(Image.merge("RGB", channels), gradient, 0.5)


def upload_image(
    client, picture: bytes, alt: str = "", name: str = "picture.png", page="/post/new"
):
    """Upload `picture` from the editor as its script does (multipart, with the page's
    CSRF token); the response."""
    token = csrf_token_from(client.get(page))
    return client.post(
        "/post/images",
        data={"image": (io.BytesIO(picture), name), "alt": alt, "csrf_token": token},
        content_type="multipart/form-data",
    )


def give_image(app, user_id: int, picture: bytes | None = None, alt: str = "") -> dict:
    """An image of the user's, through the real pipeline and storage: its id, url, markdown."""
    with app.test_request_context():
        processed = make_post_image(io.BytesIO(picture or png()), app.config["MAX_PICTURE_PIXELS"])
        image = store_image(db.session.get(User, user_id), processed, alt)
        db.session.commit()
        url = url_for(
            "uploads.image", image_id=image.id, digest=image.digest, extension=image.extension
        )
        return {"id": image.id, "url": url, "markdown": markdown_for(image, url)}
