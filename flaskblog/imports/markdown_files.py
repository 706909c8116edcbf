"""Markdown files with YAML front matter, the format posts leave in and come back in:

    ---
    title: My post
    date: '2019-04-07T10:00:00+00:00'
    slug: my-post
    tags:
    - travel
    draft: false
    summary: null
    cover: ../images/2019-04-07-my-post-cover.webp    (only if the post has one)
    ---
    The post's Markdown, as written.

Files from other engines may also say where the post lived before, and the import keeps
those paths as redirects to the new post: Jekyll's `permalink` and `redirect_from`, Hugo's
`url` and `aliases` (a path, or a whole URL of the old site).

`post_file` writes one for a post, `read_files` reads a folder's or a zip's worth back into
entries. A zip is read in memory, never unpacked to disk, and its sizes are checked against
what is really read, so that neither a path like "../../etc" nor a zip bomb gets anywhere
(docs/SECURITY.md, "Importing files").
"""

import io
import posixpath
import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from flask import current_app

from flaskblog.imports.entries import Entry, FileSkipped, ImportRefused, old_path
from flaskblog.media import IMAGE_LINK
from flaskblog.models import Post, slugify, utcnow
from flaskblog.words import N_

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)
PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")
MARKDOWN_SUFFIXES = (".md", ".markdown")
# Jekyll's file names start with the post's date: 2021-03-04-first-day.md
DATED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-")
# Relative links to pictures in a post's Markdown: ![alt](images/x.png)
RELATIVE_PICTURE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
MAX_FILES = 20_000
# A front matter's few fields, with a summary of 300 characters, fit in far less.
MAX_FRONT_MATTER = 10_000
TEXT_FIELDS = ("title", "slug", "summary", "date", "draft", "cover", "permalink", "url")
# Where the post lived before, in other engines' words: one path each, or a list.
OLD_ADDRESS_FIELDS = ("permalink", "url", "redirect_from", "aliases")
# A zip member may unpack to at most this many times its packed size (text packs to about
# a tenth, pictures hardly at all): more is a zip bomb.
MAX_RATIO = 100


def max_bytes() -> int:
    """The largest file an import reads (IMPORT_MAX_MB), and the most a zip may unpack to."""
    return current_app.config["IMPORT_MAX_MB"] * 1024 * 1024


# --- Writing ----------------------------------------------------------------------------------


def front_matter_date(post: Post) -> datetime:
    """The date a post's file carries: when it was published (or is to be), or for a
    draft when it was written."""
    if post.is_published and post.published_at is not None:
        return post.published_at
    return post.date_posted


def post_file(post: Post, content: str, cover: str | None = None) -> str:
    """The Markdown file for `post`, with `content` (its Markdown, links rewritten by the
    caller) after the front matter, and `cover` (where its cover picture is) if it has one."""
    fields = {
        "title": post.title,
        "date": front_matter_date(post).astimezone(UTC).isoformat(),
        "slug": post.slug,
        "tags": [tag.name for tag in post.tags],
        "draft": not post.is_published,
        "summary": post.summary,
    }
    if cover is not None:
        fields["cover"] = cover
    front = yaml.safe_dump(fields, sort_keys=False, allow_unicode=True, width=10_000)
    # One newline is added after the content, and taken away again when it is read.
    return f"---\n{front}---\n{content}\n"


# --- Reading ----------------------------------------------------------------------------------


def files_in_zip(data: bytes) -> dict[str, bytes]:
    """{path: bytes} of the zip's files; ImportRefused for a damaged zip, an unsafe path,
    or more files or bytes than an import reads."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [info for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise ImportRefused(N_("That zip file is damaged: nothing was imported.")) from error
    if len(members) > MAX_FILES:
        raise ImportRefused(
            N_("That zip holds more than %(limit)s files: nothing was imported."), limit=MAX_FILES
        )
    budget = max_bytes()
    files = {}
    for info in members:
        name = safe_member_name(info.filename)
        if info.file_size > budget or info.file_size > MAX_RATIO * max(info.compress_size, 1024):
            raise _bomb()
        try:
            with archive.open(info) as member:
                content = member.read(min(info.file_size, budget) + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise ImportRefused(N_("That zip file is damaged: nothing was imported.")) from error
        if len(content) > info.file_size:
            raise _bomb()  # it unpacks to more than it says
        budget -= len(content)
        files[name] = content
    return files


def _bomb() -> ImportRefused:
    limit = current_app.config["IMPORT_MAX_MB"]
    return ImportRefused(
        N_(
            "That zip unpacks to more than an import reads (%(limit)s MB, and at most "
            "%(ratio)s times its packed size): refused, nothing was imported."
        ),
        limit=limit,
        ratio=MAX_RATIO,
    )


def safe_member_name(name: str) -> str:
    """A zip member's path, or ImportRefused if it reaches outside the zip ("zip slip")."""
    normal = posixpath.normpath(name)
    if (
        "\\" in name
        or name.startswith("/")
        or re.match(r"[A-Za-z]:", name)
        or normal == ".."
        or normal.startswith("../")
        or "\x00" in name
    ):
        raise ImportRefused(
            N_(
                "That zip holds a file with an unsafe path (%(path)s): refused, nothing was "
                "imported."
            ),
            path=repr(name[:80]),
        )
    return normal


def files_in_folder(folder: Path) -> dict[str, bytes]:
    """{path: bytes} of the Markdown files and pictures under `folder` (links that lead
    outside it are not followed)."""
    root = folder.resolve()
    files, budget = {}, max_bytes()
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() not in (*MARKDOWN_SUFFIXES, *PICTURE_SUFFIXES) or path.is_symlink():
            continue
        if not path.resolve().is_relative_to(root) or not path.is_file():
            continue
        budget -= path.stat().st_size
        if budget < 0 or len(files) >= MAX_FILES:
            raise ImportRefused(
                N_(
                    "That folder holds more than an import reads (%(files)s files, "
                    "%(limit)s MB): nothing was imported."
                ),
                files=MAX_FILES,
                limit=current_app.config["IMPORT_MAX_MB"],
            )
        files[_readable(path.relative_to(root).as_posix())] = path.read_bytes()
    return files


def _readable(name: str) -> str:
    """A file name as text that can be stored and shown: bytes that are not UTF-8 (which
    Python keeps as lone surrogates) become "�"."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def read_files(files: dict[str, bytes]) -> tuple[list[Entry], list[dict]]:
    """The .md files among `files` as entries (in the order of their names), with the
    pictures they link to relatively; the files left out, with why."""
    entries, skipped = [], []
    for name in sorted(files):
        if not name.lower().endswith(MARKDOWN_SUFFIXES) or posixpath.basename(name).startswith("."):
            continue
        if posixpath.basename(name).lower() == "readme.md":
            continue  # the export's own README
        try:
            entries.append(read_file(name, files[name], files))
        except FileSkipped as error:
            skipped.append({"title": name, "why": error.sentence})
        except ValueError as error:  # said by a library, in English
            skipped.append({"title": name, "why": str(error)})
    if not entries and not skipped:
        raise ImportRefused(N_("No Markdown (.md) files were found: nothing was imported."))
    return entries, skipped


def read_file(name: str, data: bytes, files: dict[str, bytes]) -> Entry:
    """One Markdown file as an entry; FileSkipped saying why it cannot be read."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileSkipped(N_("not UTF-8 text")) from error
    if "\x00" in text:
        raise FileSkipped(N_("it holds NUL characters, which no text here may hold"))
    if text.startswith("---\r\n"):
        text = text.replace("\r\n", "\n")  # written on Windows; this site's own keep theirs
    fields, content = _split(text)
    if any(isinstance(fields.get(name), dict | list) for name in TEXT_FIELDS):
        raise FileSkipped(N_("its %(fields)s must each be text"), fields=", ".join(TEXT_FIELDS))
    title = str(fields.get("title") or "").strip() or _title_from(name)
    dated = DATED_NAME.match(posixpath.basename(name))
    when = _when(fields.get("date") or (dated[1] if dated else None))
    slug = str(fields["slug"]) if fields.get("slug") else slugify(title)
    draft = fields.get("draft") is True or str(fields.get("draft")).lower() in ("true", "yes")
    status = "draft" if draft else ("scheduled" if when and when > utcnow() else "published")
    images = {}
    folder = posixpath.dirname(name)
    cover = fields.get("cover") if isinstance(fields.get("cover"), str) else None
    for link in dict.fromkeys([*RELATIVE_PICTURE.findall(content), *filter(None, [cover])]):
        if "://" in link or link.startswith(("/", "data:")):
            continue
        target = posixpath.normpath(posixpath.join(folder, link))
        if target in files and target.lower().endswith(PICTURE_SUFFIXES):
            images[link] = files[target]
    summary = fields.get("summary")
    return Entry(
        key=f"markdown:{slug}:{when.isoformat() if when else ''}",
        title=title,
        content=content,
        status=status,
        date=when,
        slug=slug,
        tags=_tags(fields.get("tags")) + _tags(fields.get("categories")),  # Jekyll has both
        summary=str(summary) if summary else None,
        images=images,
        cover=cover if cover in images else None,
        old_paths=_old_paths(fields),
    )


def _old_paths(fields: dict) -> list[str]:
    """The paths the front matter gives for the post's old addresses. A Jekyll permalink
    with placeholders (`/:year/:title/`) names a pattern, not an address: left out."""
    links = []
    for name in OLD_ADDRESS_FIELDS:
        value = fields.get(name)
        links += value if isinstance(value, list) else [value]
    paths = [old_path(link) for link in links if isinstance(link, str) and "/:" not in link]
    return list(dict.fromkeys(filter(None, paths)))


class FrontMatterLoader(yaml.SafeLoader):
    """YAML's safe loader without aliases: `*a` repeating an `&a` nine times over nine
    levels is a few hundred bytes that turn into billions of strings once read."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.events.AliasEvent):
            raise yaml.YAMLError("aliases are not allowed")
        return super().compose_node(parent, index)


def _split(text: str) -> tuple[dict, str]:
    match = FRONT_MATTER.match(text)
    if match is None:
        return {}, text.removesuffix("\n")
    if len(match[0]) > MAX_FRONT_MATTER:
        raise FileSkipped(
            N_("its front matter is longer than %(limit)s characters"), limit=MAX_FRONT_MATTER
        )
    try:
        # FrontMatterLoader is YAML's safe loader, and refuses aliases too.
        fields = yaml.load(match[1] or "", Loader=FrontMatterLoader)  # noqa: S506  # nosec B506
        fields = fields or {}
    except yaml.YAMLError as error:
        raise FileSkipped(N_("its front matter is not valid YAML (or uses aliases)")) from error
    if not isinstance(fields, dict):
        raise FileSkipped(N_("its front matter is not a list of fields (title: ..., date: ...)"))
    if not _storable(fields):
        # YAML's escapes ("\0", "\ud800") write what no database column may hold.
        raise FileSkipped(
            N_("its front matter holds NUL characters or broken Unicode, which no text may hold")
        )
    return fields, text[match.end() :].removesuffix("\n")


def _storable(value) -> bool:
    """Whether every text in `value` (front matter, read by YAML) can be stored."""
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= ch <= "\udfff" for ch in value)
    return True


def _title_from(name: str) -> str:
    stem = posixpath.splitext(posixpath.basename(name))[0]
    return re.sub(r"^\d{4}-\d{2}-\d{2}-", "", stem).replace("-", " ").strip() or stem


def _when(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except ValueError as error:
        raise FileSkipped(
            N_("its date %(date)s is not a date"), date=repr(str(value)[:40])
        ) from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _tags(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    if isinstance(value, list) and all(isinstance(name, str | int | float) for name in value):
        return [str(name).strip() for name in value if str(name).strip()]
    raise FileSkipped(N_("its tags are neither a list nor text"))


# An uploaded image's link as a post may hold it: a path, or the whole URL.
IMAGE_URL = re.compile(rf"(?:https?://[^/\s()]+)?{IMAGE_LINK.pattern}")


def image_links(markdown: str) -> list[tuple[str, int]]:
    """(link as written, image id) for each uploaded image the Markdown shows, in order."""
    return [(found[0], int(found[1])) for found in IMAGE_URL.finditer(markdown)]
