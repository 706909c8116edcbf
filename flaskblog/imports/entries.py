"""What an import reads from a file before anything is stored, and what it says it did."""

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit

from flaskblog.models import ImportedPost
from flaskblog.words import in_english, said


class Unreadable(ValueError):
    """What cannot be read, and why, for the person importing: `sentence` (flaskblog.words)
    is said in their language on the progress page; `str(error)` is the English."""

    def __init__(self, msgid: str, **values: str | int) -> None:
        self.sentence = said(msgid, **values)
        super().__init__(in_english(self.sentence))


class ImportRefused(Unreadable):
    """A file that cannot be imported (too large, unsafe, malformed). Nothing has been
    stored."""


class FileSkipped(Unreadable):
    """One file of several that cannot be read: the others are imported without it."""


@dataclass
class CommentEntry:
    """A reader's comment from the old site: plain text, under the name they gave."""

    author: str
    body: str
    date: datetime | None = None


@dataclass
class Entry:
    """One post as read from a file, before the site's rules are applied.

    `key` names the source for good (a WordPress GUID, or "markdown:<slug>:<date>"), so
    importing the same file again adds nothing (a key too long for its column is
    shortened, the same way each time: ImportedPost.stored_key). `status` is "published",
    "draft" or "scheduled". `images` maps each picture reference in `content` to its
    bytes, where the file (or a media folder) had them.
    """

    key: str
    title: str
    content: str
    status: str = "published"
    date: datetime | None = None
    slug: str | None = None
    tags: list[str] = field(default_factory=list)
    summary: str | None = None
    comments: list[CommentEntry] = field(default_factory=list)
    old_paths: list[str] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    missing_images: list[str] = field(default_factory=list)
    shortcodes: list[str] = field(default_factory=list)
    # The reference (a key of `images`) of the picture shown above the post, if any.
    cover: str | None = None

    def __post_init__(self) -> None:
        # However long the slug or GUID it is made of, the key fits its column.
        self.key = ImportedPost.stored_key(self.key)


def old_path(link: str) -> str | None:
    """The path a link to the old site names, as a request for it will (/2019/04/07/caf%C3%A9/
    arrives as /2019/04/07/café/); None for the site's root or no path."""
    path = unquote(urlsplit(link).path)
    return path if path.startswith("/") and path != "/" else None


@dataclass
class Summary:
    """What an import did (or, in a dry run, would do), for the person importing. Its
    reasons (`why`, `what`, `error`) are sentences kept to be said later (flaskblog.words):
    the progress page says them in its reader's language, `lines()` in English."""

    dry_run: bool = False
    imported: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)
    shortcodes: list[dict] = field(default_factory=list)
    images: int = 0
    comments: int = 0
    error: dict | None = None

    def skip(self, title: str, why: dict) -> None:
        self.skipped.append({"title": title, "why": why})

    def change(self, title: str, what: dict) -> None:
        self.changes.append({"title": title, "what": what})

    def to_dict(self) -> dict:
        return {
            "dry_run": self.dry_run,
            "imported": self.imported,
            "skipped": self.skipped,
            "changes": self.changes,
            "shortcodes": self.shortcodes,
            "images": self.images,
            "comments": self.comments,
            "error": self.error,
        }

    def lines(self) -> list[str]:
        """The summary as lines of text, for the command line."""
        verb = "Would import" if self.dry_run else "Imported"
        count = len(self.imported)
        lines = [
            f"{verb} {count} post{'' if count == 1 else 's'}, {self.comments} comment"
            f"{'' if self.comments == 1 else 's'} and {self.images} image"
            f"{'' if self.images == 1 else 's'}; skipped {len(self.skipped)}."
        ]
        lines += [f"  + {post['title']} ({post['status']})" for post in self.imported]
        lines += [f"  skipped: {item['title']}: {in_english(item['why'])}" for item in self.skipped]
        lines += [
            f"  changed: {item['title']}: {in_english(item['what'])}" for item in self.changes
        ]
        lines += [
            f"  shortcodes kept as text in {item['title']}: {', '.join(item['names'])}"
            for item in self.shortcodes
        ]
        return lines
