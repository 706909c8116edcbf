"""What moving a blog in leaves behind: which posts came from where (so the same file
imported twice adds nothing), the old addresses that now redirect to them, and the jobs
that run imports from the browser."""

import hashlib
import json
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from flaskblog.extensions import db
from flaskblog.models.post import Post
from flaskblog.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from flaskblog.models.user import User


class ImportedPost(db.Model):
    """A post that an import made, under the key of its source (a WordPress GUID, or a
    Markdown file's slug and date): the same source imported again is recognised."""

    __tablename__ = "imported_posts"

    # Bookkeeping only: no page shows it.
    shown_on_public_pages = False

    KEY_LENGTH = 300

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    source_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post] = relationship()

    # One key per account: another account importing the same file gets posts of its own.
    __table_args__ = (UniqueConstraint("user_id", "source_key"),)

    @classmethod
    def stored_key(cls, key: str) -> str:
        """`key` as it fits the column: a key too long for it (a slug or GUID of hundreds
        of characters) keeps its start and ends in a digest of the whole, so the same
        source gives the same key on every import and different sources different ones."""
        if len(key) <= cls.KEY_LENGTH:
            return key
        digest = hashlib.sha256(key.encode()).hexdigest()
        return f"{key[: cls.KEY_LENGTH - len(digest) - 1]}#{digest}"

    @classmethod
    def keys_of(cls, user: "User") -> set[str]:
        """The source keys of everything `user` has imported and still has."""
        return set(db.session.scalars(db.select(cls.source_key).where(cls.user_id == user.id)))


def normal_path(path: str) -> str:
    """One spelling of an old address: "/2019/04/07/my-post/" and "/2019/04/07/my-post"
    are the same page, as they were on the old site."""
    if "?" in path:
        return path
    return path.rstrip("/") or "/"


class OldLink(db.Model):
    """An address a post had on its old site (a WordPress permalink's path, or "/?p=123"),
    which now answers with a permanent redirect to the post."""

    __tablename__ = "old_links"

    # A redirect, never part of a cached page (the home page with ?p= is never cached).
    shown_on_public_pages = False

    PATH_LENGTH = 500

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique across the site: the first account to claim an old address keeps it.
    path: Mapped[str] = mapped_column(String(PATH_LENGTH), unique=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)

    post: Mapped[Post] = relationship()

    @classmethod
    def post_at(cls, path: str) -> Post | None:
        """The post that used to live at `path`, if any."""
        return db.session.scalar(
            db.select(Post).join(cls, cls.post_id == Post.id).where(cls.path == normal_path(path))
        )

    @classmethod
    def is_taken(cls, path: str) -> bool:
        return db.session.scalar(db.select(cls.id).where(cls.path == normal_path(path))) is not None


class ImportJob(db.Model):
    """An import started from the browser: the file waits here for the background worker,
    which then leaves what it did in `summary` (and drops the file)."""

    __tablename__ = "import_jobs"

    # Only its owner's progress page shows it.
    shown_on_public_pages = False

    HANDLE_BYTES = 16
    STATES = ("queued", "running", "done", "failed")
    FILENAME_LENGTH = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the progress page's URL names: not the id, which would tell how many there are.
    handle: Mapped[str] = mapped_column(
        String(2 * HANDLE_BYTES),
        unique=True,
        default=lambda: secrets.token_hex(ImportJob.HANDLE_BYTES),
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(FILENAME_LENGTH), default="")
    state: Mapped[str] = mapped_column(String(10), default="queued")
    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    summary_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped["User"] = relationship()

    __table_args__ = (Index("ix_import_jobs_user", "user_id", "created_at"),)

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.state}>"

    @classmethod
    def display_name(cls, filename: str | None) -> str:
        """An uploaded file's name as the progress page shows it: printable characters only
        (no NUL, which PostgreSQL cannot store), and its end if it is long."""
        name = "".join(ch for ch in (filename or "") if ch.isprintable())
        return name[-cls.FILENAME_LENGTH :]

    @property
    def summary(self) -> dict | None:
        return json.loads(self.summary_json) if self.summary_json else None

    @property
    def is_finished(self) -> bool:
        return self.state in ("done", "failed")

    def finish(self, state: str, summary: dict) -> None:
        """Record the outcome and forget the file: it is not needed any more."""
        self.state, self.summary_json = state, json.dumps(summary)
        self.finished_at, self.data = utcnow(), None

    @classmethod
    def of(cls, user: "User", handle: str) -> "ImportJob | None":
        """The user's job with this handle; None for anyone else's."""
        return db.session.scalar(db.select(cls).where(cls.handle == handle, cls.user_id == user.id))

    @classmethod
    def recent_of(cls, user: "User", limit: int = 10) -> list["ImportJob"]:
        return list(
            db.session.scalars(
                db.select(cls)
                .where(cls.user_id == user.id)
                .order_by(cls.created_at.desc(), cls.id.desc())
                .limit(limit)
            )
        )
