"""Earlier versions of posts: what was saved, published or restored, and when, and by whom."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flaskblog.extensions import db
from flaskblog.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from flaskblog.models.post import Post
    from flaskblog.models.user import User


class Revision(db.Model):
    """A post's title, content, tags and summary as they were at one save.

    `kind` says what made it: "save" (a draft saved), "publish", "update", "restore", or
    "autosave". A pending revision (`is_pending`) is the editor's autosaved text of a
    published post: it never shows to readers, and the next "Update" replaces the post
    with it and makes it an ordinary revision.
    """

    __tablename__ = "post_revisions"

    # A post's history is for its author and admins: no public page shows it.
    shown_on_public_pages = False

    KINDS = ("save", "publish", "update", "restore", "autosave")

    # Pruning (flaskblog.revisions.prune): every revision of the last KEEP_ALL_DAYS days,
    # the last one of each day before; at most MAX_PER_POST revisions and MAX_CHARACTERS
    # of content per post, the oldest dropped first. The pending revision is never pruned.
    KEEP_ALL_DAYS = 30
    MAX_PER_POST = 100
    MAX_CHARACTERS = 1_000_000

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    is_pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped["Post"] = relationship(back_populates="revisions")
    author: Mapped["User | None"] = relationship()

    __table_args__ = (
        # A post's history, newest first.
        Index("ix_post_revisions_post", "post_id", "created_at", "id"),
    )

    @property
    def tag_names(self) -> list[str]:
        """The tags as a list of names, as Tag.named takes them."""
        return [name.strip() for name in self.tags.split(",") if name.strip()]

    def __repr__(self) -> str:
        return f"<Revision {self.id} of post {self.post_id} ({self.kind})>"
