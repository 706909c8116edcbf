"""Where an import finds the pictures its posts show: a folder on the server (`--media
DIR`), or the files of the zip it came in. Only files inside that folder or zip are ever
read, whatever a post's link says (docs/SECURITY.md, "Importing files")."""

import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

# A file of the old site's uploads, as its links name them.
UPLOADS = "wp-content/uploads/"
# WordPress links resized copies ("photo-300x200.jpg"); the original is what to bring.
RESIZED = re.compile(r"-\d{1,5}x\d{1,5}(?=\.[A-Za-z0-9]+$)")

MediaFinder = Callable[[str], bytes | None]


def upload_names(url: str) -> list[str]:
    """The names under which a linked picture may be found: its path under the uploads
    folder (or its whole path), then its file name, each also without a "-WxH" size."""
    path = unquote(urlsplit(url).path)
    relative = path.split(UPLOADS, 1)[1] if UPLOADS in path else path.lstrip("/")
    relative = posixpath.normpath(relative)
    if relative.startswith("..") or relative in (".", ""):
        return []
    names = [relative, posixpath.basename(relative)]
    names += [RESIZED.sub("", name) for name in names]
    return list(dict.fromkeys(names))


def from_folder(folder: Path | None) -> MediaFinder:
    """Finds pictures in `folder` (and its wp-content/uploads), never outside it."""

    def find(url: str) -> bytes | None:
        if folder is None:
            return None
        root = folder.resolve()
        for name in upload_names(url):
            for candidate in (root / name, root / UPLOADS / name):
                found = _inside(root, candidate)
                if found is not None:
                    return found
        return None

    return find


def _inside(root: Path, candidate: Path) -> bytes | None:
    try:
        resolved = candidate.resolve()
    except OSError:
        return None
    if not resolved.is_relative_to(root) or not resolved.is_file():
        return None
    # One byte over the limit is enough for the importer to refuse it as too large.
    with resolved.open("rb") as file:
        return file.read(current_app.config["MAX_PICTURE_BYTES"] + 1)


def from_files(files: dict[str, bytes]) -> MediaFinder:
    """Finds pictures among a zip's files, by their path under the uploads folder, their
    path in the zip, or their file name."""
    by_tail: dict[str, bytes] = {}
    for name, data in files.items():
        tail = name.split(UPLOADS, 1)[1] if UPLOADS in name else name
        by_tail.setdefault(tail, data)
        by_tail.setdefault(posixpath.basename(name), data)

    def find(url: str) -> bytes | None:
        for name in upload_names(url):
            if name in by_tail:
                return by_tail[name]
        return None

    return find
