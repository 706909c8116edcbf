"""Readers blocking one another: a blocked user cannot follow, message, reply to or comment
on the posts of the user who blocked them, and neither is told about the other."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import CheckConstraint, ForeignKey, Index, and_, false, or_
from sqlalchemy.orm import Mapped, mapped_column

from flaskblog.extensions import db
from flaskblog.models.follow import Follow
from flaskblog.models.types import UTCDateTime, utcnow
from flaskblog.models.user import User


class Block(db.Model):
    """`blocker` has blocked `blocked`: never themselves (a CHECK keeps it out of the data)."""

    __tablename__ = "blocks"

    # Only the blocker sees their blocks (on their account page and on profiles they visit
    # logged in, which are never cached).
    shown_on_public_pages = False

    blocker_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("blocker_id <> blocked_id", name="not_self"),
        # "Has anyone blocked me?" from the other side (the primary key serves the blocker's).
        Index("ix_blocks_blocked", "blocked_id", "blocker_id"),
    )

    @classmethod
    def exists(cls, blocker: User, blocked: User) -> bool:
        """Whether `blocker` has blocked `blocked`."""
        return db.session.get(cls, (blocker.id, blocked.id)) is not None

    @classmethod
    def between(cls, one: User, other: User) -> bool:
        """Whether either of the two has blocked the other (one query, on the primary key)."""
        if one.id == other.id:
            return False
        return bool(
            db.session.scalar(
                db.select(
                    db.select(cls.blocker_id)
                    .where(
                        or_(
                            and_(cls.blocker_id == one.id, cls.blocked_id == other.id),
                            and_(cls.blocker_id == other.id, cls.blocked_id == one.id),
                        )
                    )
                    .exists()
                )
            )
        )

    @classmethod
    def among(cls, user: User, others: list[int]) -> set[int]:
        """The ids among `others` that `user` blocked or that blocked `user` (one query, for a
        batch of readers: see `between` for one)."""
        if not others:
            return set()
        blocked = db.select(cls.blocked_id.label("id")).where(
            cls.blocker_id == user.id, cls.blocked_id.in_(others)
        )
        blockers = db.select(cls.blocker_id.label("id")).where(
            cls.blocked_id == user.id, cls.blocker_id.in_(others)
        )
        return set(db.session.scalars(blocked.union(blockers)))

    @classmethod
    def block(cls, blocker: User, blocked: User) -> bool:
        """Block `blocked`, end any follow between the two and delete what either was told
        about the other, either way; False if they were blocked already. Refuses blocking
        oneself."""
        from flaskblog.models.notification import Notification  # imports Block

        if blocker.id == blocked.id:
            raise ValueError("nobody blocks themselves")
        Follow.unfollow(blocker, blocked)
        Follow.unfollow(blocked, blocker)
        Notification.forget_between(blocker, blocked)
        if cls.exists(blocker, blocked):
            return False
        db.session.add(cls(blocker_id=blocker.id, blocked_id=blocked.id))
        return True

    @classmethod
    def unblock(cls, blocker: User, blocked: User) -> bool:
        """Lift the block; False if there was none."""
        row = db.session.get(cls, (blocker.id, blocked.id))
        if row is None:
            return False
        db.session.delete(row)
        return True

    @classmethod
    def blocked_by(cls, user: User):
        """A select of the users `user` has blocked, most recently blocked first."""
        return (
            db.select(User)
            .join(cls, cls.blocked_id == User.id)
            .where(cls.blocker_id == user.id)
            .order_by(cls.created_at.desc(), User.id.desc())
        )

    @classmethod
    def is_blocked_by_viewer(cls, user, viewer_id: int | None):
        """For a select of `user` (User): whether the user `viewer_id` has blocked them."""
        if viewer_id is None:
            return false()
        return (
            db.select(cls.blocked_id)
            .where(cls.blocker_id == viewer_id, cls.blocked_id == user.id)
            .correlate(user)
            .exists()
        )


def follow_refusal(follower: User, followed: User) -> str | None:
    """Why `follower` may not follow `followed` because of a block, either way; None if
    nothing stands in the way."""
    if Block.exists(followed, follower):
        return _("%(name)s has blocked you: you cannot follow them.", name=followed.username)
    if Block.exists(follower, followed):
        return _("You have blocked %(name)s: unblock them to follow them.", name=followed.username)
    return None


def comment_refusal(commenter: User, post, parent=None) -> str | None:
    """Why `commenter` may not comment on `post` (or reply to the comment `parent`) because
    its author blocked them; None if nothing stands in the way."""
    if post.user_id != commenter.id and Block.exists(post.author, commenter):
        return _(
            "%(name)s has blocked you: you cannot comment on their posts.",
            name=post.author.username,
        )
    if (
        parent is not None
        and parent.user_id != commenter.id
        and Block.exists(parent.author, commenter)
    ):
        return _("%(name)s has blocked you: you cannot reply to them.", name=parent.author.username)
    return None
