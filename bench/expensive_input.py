"""The worst inputs we know, measured at their limits (docs/SECURITY.md, "Denial of service
by expensive input" and "Hostile uploads" quote the figures).

Markdown: each hostile family at Post.CONTENT_LENGTH characters, in processor seconds (the
least of --repeat renders) and as a multiple of ordinary Markdown of the same length.
Pictures: the worst file of each format at the pixel limit, and the repeated-scan JPEG,
each decoded in a fresh interpreter: peak memory growth and processor seconds.

    .venv/bin/python bench/expensive_input.py [--repeat 3] [--only markdown|pictures]
"""

import argparse
import io
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from config import Config  # noqa: E402
from flaskblog.images import MAX_JPEG_SCANS, WEBP_COST, InvalidPicture, make_avatar  # noqa: E402
from flaskblog.models import Post  # noqa: E402
from flaskblog.rendering import render_markdown  # noqa: E402
from tests.helpers.images import (  # noqa: E402
    blank_png,
    decode_cost,
    image_bytes,
    progressive_jpeg_with_repeated_scan,
)
from tests.security.test_markdown_cost import FAMILIES, ordinary  # noqa: E402


def cpu_seconds(source: str, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        started = time.process_time()
        render_markdown(source)
        best = min(best, time.process_time() - started)
    return best


def markdown(repeat: int) -> None:
    length = Post.CONTENT_LENGTH
    reference = cpu_seconds(ordinary(length), repeat)
    print(f"Markdown, {length:,} characters; ordinary Markdown {reference:.3f} s")
    rows = [(name, cpu_seconds(make(length), repeat)) for name, make in FAMILIES.items()]
    for name, seconds in sorted(rows, key=lambda row: -row[1]):
        print(f"  {name:40} {seconds:7.3f} s  {seconds / reference:5.1f}x")


def pictures() -> None:
    max_pixels = Config().MAX_PICTURE_PIXELS
    side, webp_side = math.isqrt(max_pixels), math.isqrt(max_pixels // WEBP_COST)
    grey = Image.new("RGB", (side, side), "grey")
    files = {
        "PNG, 16-bit RGBA, all zero": blank_png(side, side),
        "PNG, 16-bit grey, all zero": blank_png(side, side, 16, 0),
        "JPEG, baseline": image_bytes(grey, "JPEG"),
        "JPEG, progressive 4:4:4, most scans allowed": progressive_jpeg_with_repeated_scan(
            (side, side), MAX_JPEG_SCANS - 10, subsampling=0
        ),
        "WebP, RGBA": image_bytes(
            Image.new("RGBA", (webp_side, webp_side), (0, 0, 0, 0)), "WEBP", lossless=True
        ),
        "GIF": image_bytes(Image.new("P", (side, side)), "GIF"),
    }
    print(f"Pictures at the limit of {max_pixels:,} pixels (WebP {max_pixels // WEBP_COST:,})")
    for name, data in files.items():
        memory, seconds = decode_cost(data, max_pixels)
        print(f"  {name:45} {len(data) / 1024:7.0f} KB  {memory / 2**20:5.0f} MB  {seconds:.2f} s")
    bomb = progressive_jpeg_with_repeated_scan((side, side), 15_000)
    started = time.process_time()
    try:
        make_avatar(io.BytesIO(bomb), max_pixels)
        answer = "accepted"
    except InvalidPicture as refusal:
        answer = f"refused ({refusal})"
    print(
        f"  JPEG, one scan repeated 15,000 times ({len(bomb) / 1024:.0f} KB): {answer} in "
        f"{time.process_time() - started:.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["markdown", "pictures"])
    args = parser.parse_args()
    if args.only != "pictures":
        markdown(args.repeat)
    if args.only != "markdown":
        pictures()


if __name__ == "__main__":
    main()
