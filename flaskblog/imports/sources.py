"""What an import reads, however it arrives: a file or folder named on the command line,
or an upload from the browser. Each is checked for size before it is read."""

from pathlib import Path

from flask import current_app

from flaskblog.imports import markdown_files, media_files, wxr
from flaskblog.imports.entries import Entry, ImportRefused
from flaskblog.words import N_

ZIP_MAGIC = b"PK\x03\x04"
Reading = tuple[list[Entry], list[dict]]


def check_size(size: int) -> None:
    """ImportRefused for a file over IMPORT_MAX_MB, before any of it is read."""
    limit = current_app.config["IMPORT_MAX_MB"]
    if size > limit * 1024 * 1024:
        raise ImportRefused(
            N_(
                "That file is %(size)s MB; an import reads at most %(limit)s MB. "
                "Nothing was imported."
            ),
            size=round(size / 1048576),
            limit=limit,
        )


def read_bytes(path: Path) -> bytes:
    """The file at `path`, if it is within the size an import reads."""
    if not path.is_file():
        raise ImportRefused(N_("There is no file at %(path)s."), path=str(path))
    check_size(path.stat().st_size)
    return path.read_bytes()


def wxr_file(path: Path, media: Path | None = None) -> Reading:
    """A WordPress export on disk, its pictures from `media` (a copy of wp-content/uploads)."""
    return wxr.read_wxr(read_bytes(path), media_files.from_folder(media))


def markdown_path(path: Path) -> Reading:
    """A folder of Markdown files, a zip of them, or one file."""
    if path.is_dir():
        return markdown_files.read_files(markdown_files.files_in_folder(path))
    data = read_bytes(path)
    if data.startswith(ZIP_MAGIC):
        return markdown_files.read_files(markdown_files.files_in_zip(data))
    return markdown_files.read_files({path.name: data})


def upload(filename: str, data: bytes) -> Reading:
    """An upload from the browser, whichever kind it is: a WordPress export (.xml, or a
    zip of one with its uploads folder), a zip of Markdown files, or one Markdown file."""
    check_size(len(data))
    if data.startswith(ZIP_MAGIC):
        files = markdown_files.files_in_zip(data)
        exports = [name for name in sorted(files) if name.lower().endswith(".xml")]
        if exports:
            return wxr.read_wxr(files[exports[0]], media_files.from_files(files))
        return markdown_files.read_files(files)
    if filename.lower().endswith(markdown_files.MARKDOWN_SUFFIXES):
        return markdown_files.read_files({filename: data})
    if data.lstrip()[:1] == b"<":
        return wxr.read_wxr(data, media_files.from_folder(None))
    raise ImportRefused(
        N_("That is neither a WordPress export (.xml) nor Markdown (.md, or a .zip of them).")
    )
