"""What readers are told about: comments, replies, mentions, new followers and new posts by
the authors they follow; and how each reader wants to be told (their settings and digest)."""

import functools
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, and_, bindparam, func, or_, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, aliased, joinedload, mapped_column, relationship

from flaskblog.extensions import db
from flaskblog.models.block import Block
from flaskblog.models.comment import Comment
from flaskblog.models.follow import Follow
from flaskblog.models.post import Post
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
    post: Mapped[Post | None] = relationship()
    comment: Mapped[Comment | None] = relationship()

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

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @classmethod
    def shown(cls, user_id):
        """The conditions for the notifications of the user `user_id` (a value or a column)
        that are shown: their actor's account is active, and the post and comment they are
        about (if any) are still public. Checked when read, so that a notification about a
        disabled account or a post taken back to the drafts vanishes without being deleted,
        and comes back if that is undone."""
        actor = aliased(User)
        return and_(
            cls.user_id == user_id,
            db.select(actor.id)
            .where(actor.id == cls.actor_id, actor.disabled_at.is_(None))
            .exists(),
            or_(
                cls.post_id.is_(None),
                db.select(Post.id).where(Post.id == cls.post_id, Post.is_public).exists(),
            ),
            or_(
                cls.comment_id.is_(None),
                db.select(Comment.id)
                .where(Comment.id == cls.comment_id, Comment.hidden_at.is_(None))
                .exists(),
            ),
        )

    @classmethod
    def newest_for(cls, user: User):
        """A select of `user`'s shown notifications, newest first, with what they are about."""
        return _newest_statement().params(user_id=user.id)

    @classmethod
    def forget_between(cls, one: User, other: User) -> None:
        """Delete what either of the two was told about the other (a block: from then on
        neither hears of the other, see `notify`). Deleted rather than hidden when read, so
        the header's unread count stays one index range with no look at blocks."""
        db.session.execute(
            db.delete(cls).where(
                or_(
                    and_(cls.user_id == one.id, cls.actor_id == other.id),
                    and_(cls.user_id == other.id, cls.actor_id == one.id),
                )
            )
        )

    @classmethod
    def told_before(cls, recipient: User, kind: str, actor: User) -> bool:
        """Whether `recipient` was ever told that `actor` did `kind` (read or not)."""
        return (
            db.session.scalar(
                db.select(cls.id)
                .where(cls.user_id == recipient.id, cls.kind == kind, cls.actor_id == actor.id)
                .limit(1)
            )
            is not None
        )


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
        return settings if settings is not None else cls.defaults(user.id)

    @classmethod
    def of_each(cls, user_ids: list[int]) -> dict[int, "NotificationSettings"]:
        """`of` for a batch of readers, in one query: each id's row, or the defaults."""
        rows = db.session.scalars(db.select(cls).where(cls.user_id.in_(user_ids)))
        found = {row.user_id: row for row in rows}
        return {user_id: found.get(user_id) or cls.defaults(user_id) for user_id in user_ids}

    @classmethod
    def defaults(cls, user_id: int) -> "NotificationSettings":
        """The settings of a reader who never changed them (not added to the session)."""
        return cls(
            user_id=user_id,
            digest="off",
            notify_comments=True,
            notify_replies=True,
            notify_followers=True,
            notify_followed_posts=True,
        )

    def wants(self, kind: str) -> bool:
        """Whether this reader wants notifications of `kind`."""
        return getattr(self, SETTING_FOR_KIND[kind])


# The header says "99+" past this: counting stops there, so a reader who never reads costs
# every page no more than a reader with a hundred unread.
UNREAD_COUNT_LIMIT = 100


def unread_count_of(user_id):
    """A scalar subquery: how many of the user `user_id`'s shown notifications are unread, up
    to UNREAD_COUNT_LIMIT (the partial index finds the unread ones)."""
    unread = (
        db.select(Notification.id)
        .where(Notification.shown(user_id), Notification.read_at.is_(None))
        .limit(UNREAD_COUNT_LIMIT)
        # `user_id` may be a column of the enclosing query (the login loader's): taken from
        # there, not joined in again.
        .correlate_except(Notification)
        .subquery()
    )
    return db.select(func.count()).select_from(unread).scalar_subquery()


def count_unread(user: User) -> int:
    """How many of `user`'s shown notifications are unread, up to UNREAD_COUNT_LIMIT (one
    query, on the partial index)."""
    return db.session.scalar(db.select(unread_count_of(user.id)))


def wanted(
    recipient: User,
    kind: str,
    actor: User,
    settings: NotificationSettings | None = None,
    blocked: bool | None = None,
) -> bool:
    """Whether `recipient` is to hear that `actor` did `kind` (see `notify`)."""
    if recipient.id == actor.id or not (recipient.is_active and actor.is_active):
        return False
    if Block.between(recipient, actor) if blocked is None else blocked:
        return False
    return (settings or NotificationSettings.of(recipient)).wants(kind)


def notify(
    recipient: User,
    kind: str,
    actor: User,
    post=None,
    comment=None,
    settings: NotificationSettings | None = None,
    blocked: bool | None = None,
) -> Notification | None:
    """Tell `recipient` that `actor` did `kind` (added to the session, not committed).

    Nothing is made about oneself, by or for a disabled account, between two readers one
    of whom blocked the other (either way: the blocked one hears nothing of the blocker, and
    the blocker nothing more of them), or of a kind the recipient turned off; None then.
    `settings` and `blocked`: the recipient's settings, and whether a block stands between
    the two, when the caller has read them already (a fan-out reads them for a batch of
    followers in one query each).
    """
    if not wanted(recipient, kind, actor, settings, blocked):
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


# --- New posts, told to the author's followers ------------------------------------------------


class PostAnnouncement(db.Model):
    """That the followers of a post's author have been told of it: one row per post, made in
    the transaction that tells them, so a post is announced once however often it is
    published again, scheduled or swept (flaskblog.announcements)."""

    __tablename__ = "post_announcements"

    shown_on_public_pages = False

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Followers told at a time: one query for them, one for their settings, then one insert.
ANNOUNCE_BATCH = 500
# A post published longer ago than this is old news: not announced. It keeps the sweep's
# query short, and keeps the posts written before announcements existed quiet.
ANNOUNCE_WITHIN = timedelta(days=2)


def announce(post: Post) -> int | None:
    """Tell the active followers of `post`'s author about it, once, and commit: how many were
    told, or None if the post is not public, is old news, or was announced already."""
    if not post.is_public or post.published_at < utcnow() - ANNOUNCE_WITHIN:
        return None
    try:
        # Two workers announcing the same post: the second waits for the first's row, then
        # fails here and tells nobody.
        with db.session.begin_nested():
            db.session.add(PostAnnouncement(post_id=post.id))
    except IntegrityError:
        db.session.rollback()
        return None
    author, told, last_id = post.author, 0, 0
    while True:
        followers = db.session.scalars(
            db.select(User)
            .join(Follow, Follow.follower_id == User.id)
            .where(Follow.followed_id == author.id, User.id > last_id, User.disabled_at.is_(None))
            .order_by(User.id)
            .limit(ANNOUNCE_BATCH)
        ).all()
        if not followers:
            break
        settings = NotificationSettings.of_each([follower.id for follower in followers])
        blocked = Block.among(author, [follower.id for follower in followers])
        now = utcnow()
        rows = [
            {
                "user_id": follower.id,
                "kind": POST,
                "actor_id": author.id,
                "post_id": post.id,
                "comment_id": None,
                "created_at": now,
                "read_at": None,
            }
            for follower in followers
            if wanted(
                follower,
                POST,
                author,
                settings=settings[follower.id],
                blocked=follower.id in blocked,
            )
        ]
        if rows:
            # One statement for the batch (the ORM would insert row by row to learn each id).
            db.session.execute(db.insert(Notification), rows)
        told += len(rows)
        last_id = followers[-1].id
        # A batch at a time in memory, however many followers there are.
        for row in [*settings.values(), *followers]:
            if row in db.session:  # defaults were never added
                db.session.expunge(row)
    db.session.commit()
    return told


def posts_to_announce(within: timedelta = ANNOUNCE_WITHIN) -> list[Post]:
    """Public posts published in the last `within` and not announced yet: scheduled posts
    whose time has come (they become public by themselves, with no request to queue their
    announcement), and any whose queued announcement was lost."""
    announced = db.select(PostAnnouncement.post_id).where(PostAnnouncement.post_id == Post.id)
    return list(
        db.session.scalars(
            db.select(Post)
            .where(Post.is_public, Post.published_at >= utcnow() - within, ~announced.exists())
            .options(joinedload(Post.author))
            .order_by(Post.published_at, Post.id)
        )
    )


@functools.cache
def _newest_statement():
    """Notification.newest_for's select for any reader (the bind parameter "user_id"): built
    once, as building its subqueries cost about a millisecond a page. Post.is_public reads
    "now" as the statement runs, not as it was built."""
    n = Notification
    return (
        db.select(n)
        .where(n.shown(bindparam("user_id")))
        .options(joinedload(n.post))
        .order_by(n.created_at.desc(), n.id.desc())
    )
