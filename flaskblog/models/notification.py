"""What readers are told about: comments, replies, mentions, new followers and new posts by
the authors they follow; and how each reader wants to be told (their settings and digest)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flaskblog.extensions import db
from flaskblog.models.block import Block
from flaskblog.models.types import UTCDateTime, utcnow
from flaskblog.models.user import User

# What a notification can be about, and the setting that turns each kind off.
COMMENT, REPLY, MENTION, FOLLOWER, POST = "comment", "reply", "mention", "follower", "post"
KINDS = (COMMENT, REPLY, MENTION, FOLLOWER, POST)
SETTING_FOR_KIND = {
    COMMENT: "notify_comments",
    REPLY: "notify_replies",
    MENTION: "notify_replies",
    FOLLOWER: "notify_followers",
    POST: "notify_followed_posts",
}


class Notification(db.Model):
    """One thing `user` is told about: `actor` did `kind` (on `post`, in `comment`)."""

    __tablename__ = "notifications"

    # Only the reader they are for sees them.
    shown_on_public_pages = False

    KIND_LENGTH = 16

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(KIND_LENGTH))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    actor: Mapped[User] = relationship(foreign_keys=[actor_id], lazy="joined")

    __table_args__ = (
        # A reader's notifications, newest first.
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
        # The header's unread count reads only the unread ones.
        Index(
            "ix_notifications_user_unread",
            "user_id",
            postgresql_where=read_at.is_(None),
            sqlite_where=read_at.is_(None),
        ),
    )

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} for user {self.user_id}>"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class NotificationSettings(db.Model):
    """How a reader wants to be told. A reader without a row has the defaults."""

    __tablename__ = "notification_settings"

    shown_on_public_pages = False

    DIGEST_CHOICES = ("off", "daily", "weekly")
    DIGEST_LENGTH = 8

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Email is opt-in: nobody gets a digest they did not ask for.
    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH), default="off", server_default="off")
    notify_comments: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_replies: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_followers: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_followed_posts: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The last digest sent: the next one collects the unread notifications made after it.
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_notification_settings_digest", "digest"),)

    @classmethod
    def of(cls, user: User) -> "NotificationSettings":
        """The reader's settings: their row, or the defaults (not added to the session)."""
        settings = db.session.get(cls, user.id)
        if settings is None:
            settings = cls(
                user_id=user.id,
                digest="off",
                notify_comments=True,
                notify_replies=True,
                notify_followers=True,
                notify_followed_posts=True,
            )
        return settings

    def wants(self, kind: str) -> bool:
        """Whether this reader wants notifications of `kind`."""
        return getattr(self, SETTING_FOR_KIND[kind])


def count_unread(user: User) -> int:
    """How many of `user`'s notifications are unread (one query, on the partial index)."""
    return db.session.scalar(
        db.select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def notify(recipient: User, kind: str, actor: User, post=None, comment=None) -> Notification | None:
    """Tell `recipient` that `actor` did `kind` (added to the session, not committed).

    Nothing is made about oneself, by or for a disabled account, between two readers one
    of whom blocked the other (either way: the blocked one hears nothing of the blocker, and
    the blocker nothing more of them), or of a kind the recipient turned off; None then.
    """
    if recipient.id == actor.id or not (recipient.is_active and actor.is_active):
        return None
    if Block.between(recipient, actor):
        return None
    if not NotificationSettings.of(recipient).wants(kind):
        return None
    notification = Notification(
        user_id=recipient.id,
        kind=kind,
        actor_id=actor.id,
        post_id=post.id if post is not None else None,
        comment_id=comment.id if comment is not None else None,
    )
    db.session.add(notification)
    return notification
