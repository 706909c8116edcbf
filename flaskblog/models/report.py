"""Readers' reports of posts and comments, and how admins resolved them."""

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from flaskblog.extensions import db
from flaskblog.models.comment import Comment
from flaskblog.models.post import Post
from flaskblog.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from flaskblog.models.user import User


class Report(db.Model):
    """One user's report of one post or one comment (exactly one), open until an admin
    resolves it."""

    __tablename__ = "reports"

    # Only admins see reports: no public page changes with them.
    shown_on_public_pages = False

    # Every form, check and message reads these from here.
    REASONS: ClassVar[dict[str, str]] = {
        "spam": _l("Spam"),
        "abuse": _l("Abuse or harassment"),
        "other": _l("Something else"),
    }
    REASON_LENGTH = 10
    DETAILS_LENGTH = 1000
    # How an admin resolved it: left the item alone, hid it, deleted it, disabled its author.
    RESOLUTIONS = ("dismissed", "hidden", "deleted", "author_disabled")
    RESOLUTION_LENGTH = 20

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # A report goes with its item: the security log keeps what was done about it.
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH))
    details: Mapped[str | None] = mapped_column(String(DETAILS_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolution: Mapped[str | None] = mapped_column(String(RESOLUTION_LENGTH))

    reporter: Mapped["User"] = relationship(foreign_keys=[reporter_id])
    resolved_by: Mapped["User | None"] = relationship(foreign_keys=[resolved_by_id])
    post: Mapped[Post | None] = relationship()
    comment: Mapped[Comment | None] = relationship()

    __table_args__ = (
        CheckConstraint("(post_id IS NULL) <> (comment_id IS NULL)", name="one_item"),
        CheckConstraint(
            "reason IN (" + ", ".join(f"'{reason}'" for reason in REASONS) + ")", name="reason"
        ),
        # One report per user and item (NULLs differ, so each holds for its own kind).
        UniqueConstraint("reporter_id", "post_id"),
        UniqueConstraint("reporter_id", "comment_id"),
        # The queue: open reports, oldest first.
        Index("ix_reports_open", "resolved_at", "created_at", "id"),
        Index("ix_reports_post", "post_id"),
    )

    def __repr__(self) -> str:
        return f"<Report {self.id} of {self.item!r}>"

    @property
    def item(self) -> Post | Comment:
        """The post or comment reported."""
        return self.post if self.post_id is not None else self.comment

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @staticmethod
    def _about(item: Post | Comment):
        column = Report.post_id if isinstance(item, Post) else Report.comment_id
        return column == item.id

    @classmethod
    def exists(cls, reporter: "User", item: Post | Comment) -> bool:
        """Whether `reporter` has reported `item` already (open or resolved)."""
        query = db.select(cls.id).where(cls.reporter_id == reporter.id, cls._about(item))
        return db.session.scalar(query) is not None

    @classmethod
    def file(cls, reporter: "User", item: Post | Comment, reason: str, details: str | None):
        """A new report of `item` by `reporter` (added to the session)."""
        report = cls(reporter=reporter, reason=reason, details=details or None)
        if isinstance(item, Post):
            report.post = item
        else:
            report.comment = item
        db.session.add(report)
        return report

    @classmethod
    def open_queue(cls):
        """Open reports, oldest first, with their reporter and item loaded."""
        return (
            db.select(cls)
            .where(cls.resolved_at.is_(None))
            .options(
                joinedload(cls.reporter),
                joinedload(cls.post).joinedload(Post.author),
                joinedload(cls.comment).joinedload(Comment.post),
            )
            .order_by(cls.created_at, cls.id)
        )

    @classmethod
    def count_open(cls) -> int:
        return db.session.scalar(db.select(db.func.count(cls.id)).where(cls.resolved_at.is_(None)))

    @classmethod
    def resolve_all_about(cls, item: Post | Comment, admin: "User", resolution: str) -> int:
        """Close every open report of `item` as `resolution` by `admin`; how many."""
        if resolution not in cls.RESOLUTIONS:
            raise ValueError(f"unknown resolution {resolution!r}")
        result = db.session.execute(
            db.update(cls)
            .where(cls._about(item), cls.resolved_at.is_(None))
            .values(resolved_at=utcnow(), resolved_by_id=admin.id, resolution=resolution)
            .execution_options(synchronize_session="fetch")
        )
        return result.rowcount
