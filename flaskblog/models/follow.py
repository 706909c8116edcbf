"""Readers following writers, and readers' bookmarks of posts."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, and_, false, func
from sqlalchemy.orm import Mapped, aliased, mapped_column

from flaskblog.extensions import db
from flaskblog.models.post import Post
from flaskblog.models.types import UTCDateTime, utcnow
from flaskblog.models.user import User


class Follow(db.Model):
    """One user following another: never themselves (a CHECK keeps it out of the data)."""

    __tablename__ = "follows"

    # Public profiles show follower and following counts and lists.
    shown_on_public_pages = True

    follower_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    followed_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("follower_id <> followed_id", name="not_self"),
        # A profile's followers (the primary key serves whom a user follows).
        Index("ix_follows_followed", "followed_id", "follower_id"),
    )

    @classmethod
    def exists(cls, follower: User, followed: User) -> bool:
        return db.session.get(cls, (follower.id, followed.id)) is not None

    @classmethod
    def follow(cls, follower: User, followed: User) -> bool:
        """Make follower follow followed; False if already so. Refuses self-follows."""
        if follower.id == followed.id:
            raise ValueError("nobody follows themselves")
        if cls.exists(follower, followed):
            return False
        db.session.add(cls(follower_id=follower.id, followed_id=followed.id))
        return True

    @classmethod
    def unfollow(cls, follower: User, followed: User) -> bool:
        """Stop following; False if follower did not follow followed."""
        row = db.session.get(cls, (follower.id, followed.id))
        if row is None:
            return False
        db.session.delete(row)
        return True

    @classmethod
    def followers_of(cls, user: User):
        """A select of the active users who follow `user`, newest follower first."""
        return (
            db.select(User)
            .join(cls, cls.follower_id == User.id)
            .where(cls.followed_id == user.id, User.disabled_at.is_(None))
            .order_by(cls.created_at.desc(), User.id.desc())
        )

    @classmethod
    def followed_by(cls, user: User):
        """A select of the active users `user` follows, most recently followed first."""
        return (
            db.select(User)
            .join(cls, cls.followed_id == User.id)
            .where(cls.follower_id == user.id, User.disabled_at.is_(None))
            .order_by(cls.created_at.desc(), User.id.desc())
        )

    @classmethod
    def _count_of(cls, user, mine, theirs):
        other = aliased(User)
        return (
            db.select(func.count())
            .select_from(cls)
            .join(other, other.id == theirs)
            .where(mine == user.id, other.disabled_at.is_(None))
            .correlate(user)
            .scalar_subquery()
        )

    @classmethod
    def follower_count_of(cls, user):
        """For a select of `user` (User): how many active users follow them."""
        return cls._count_of(user, cls.followed_id, cls.follower_id)

    @classmethod
    def following_count_of(cls, user):
        """For a select of `user` (User): how many active users they follow."""
        return cls._count_of(user, cls.follower_id, cls.followed_id)

    @classmethod
    def is_followed_by(cls, user, viewer_id: int | None):
        """For a select of `user` (User): whether the user `viewer_id` follows them."""
        if viewer_id is None:
            return false()
        return (
            db.select(cls.follower_id)
            .where(cls.followed_id == user.id, cls.follower_id == viewer_id)
            .correlate(user)
            .exists()
        )

    @classmethod
    def feed_for(cls, user: User):
        """Public posts by the active authors `user` follows, newest first (read at query
        time: publishing costs nothing per follower)."""
        return (
            Post.newest_first()
            .join(cls, and_(cls.followed_id == Post.user_id, cls.follower_id == user.id))
            .join(User, User.id == Post.user_id)
            .where(User.disabled_at.is_(None))
        )

    @classmethod
    def suggestions_for(cls, user: User, limit: int = 5) -> list[User]:
        """Active authors with public posts, most recently published first: not `user`, not
        ones they follow."""
        latest = (
            db.select(Post.user_id, func.max(Post.published_at).label("latest"))
            .where(Post.is_public)
            .group_by(Post.user_id)
            .subquery()
        )
        followed = db.select(cls.followed_id).where(cls.follower_id == user.id)
        return list(
            db.session.scalars(
                db.select(User)
                .join(latest, latest.c.user_id == User.id)
                .where(
                    User.id != user.id,
                    User.disabled_at.is_(None),
                    User.id.not_in(followed),
                )
                .order_by(latest.c.latest.desc(), User.id.desc())
                .limit(limit)
            )
        )


class Bookmark(db.Model):
    """A post a user saved for later."""

    __tablename__ = "bookmarks"

    # Only their owner sees bookmarks.
    shown_on_public_pages = False

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_bookmarks_user_created", "user_id", "created_at"),)

    @classmethod
    def add(cls, user: User, post: Post) -> bool:
        if db.session.get(cls, (user.id, post.id)) is not None:
            return False
        db.session.add(cls(user_id=user.id, post_id=post.id))
        return True

    @classmethod
    def remove(cls, user: User, post: Post) -> bool:
        row = db.session.get(cls, (user.id, post.id))
        if row is None:
            return False
        db.session.delete(row)
        return True

    @classmethod
    def exists(cls, user: User, post: Post) -> bool:
        return db.session.get(cls, (user.id, post.id)) is not None

    @classmethod
    def posts_of(cls, user: User):
        """A select of the public posts `user` bookmarked, newest bookmark first."""
        return (
            Post.newest_first()
            .join(cls, and_(cls.post_id == Post.id, cls.user_id == user.id))
            .order_by(None)
            .order_by(cls.created_at.desc(), Post.id.desc())
        )
