"""Readers' replies under posts."""

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from flaskblog.extensions import db
from flaskblog.models.post import Post
from flaskblog.models.types import UTCDateTime, utcnow
from flaskblog.rendering import render_comment

if TYPE_CHECKING:
    from flaskblog.models.user import User


class Comment(db.Model):
    """A reader's plain-text reply under a post."""

    __tablename__ = "comments"

    # Under posts, and counted in listings: a change forgets cached pages (flaskblog.caching).
    shown_on_public_pages = True

    MAX_LENGTH = 2000
    IMPORTED_AUTHOR_LENGTH = 100
    # What a reply to a comment that is missing or on another post is told (forms too).
    NOT_ON_THIS_POST = _l(
        "The comment you replied to is not on this post (it may have been deleted): "
        "post your text as a new comment, or reply to another."
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Hidden by a moderator (the post's author or an admin): shown as such to everyone but
    # the comment's author and admins. Who hid it is kept for the record.
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A comment brought in by an import: written elsewhere by someone with no account here,
    # shown under this name (the row belongs to the post's author, who may delete it).
    imported_author: Mapped[str | None] = mapped_column(String(IMPORTED_AUTHOR_LENGTH))
    # The comment this one replies to, always a comment of the same post that is not a reply
    # itself (one level: see reply_refusal). Deleting a comment leaves its replies in place,
    # as comments of their own (SET NULL): nobody's words go with someone else's, and the
    # page, which shows comments oldest first, keeps them where they were read. Indexed for
    # that: the database finds a deleted comment's replies through it.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )

    post: Mapped[Post] = relationship(back_populates="comments")
    # Set when a reply is written; pages build threads from the post's list (threads()).
    parent: Mapped["Comment | None"] = relationship(remote_side=[id], lazy="raise")
    author: Mapped["User"] = relationship(lazy="joined", foreign_keys=[user_id])

    __table_args__ = (
        # A post's comments in the order they are shown; listings count them from it too.
        Index("ix_comments_post_created", "post_id", "created_at", "id"),
    )

    def __repr__(self) -> str:
        return f"<Comment {self.id} on post {self.post_id}>"

    @property
    def is_reply(self) -> bool:
        return self.parent_id is not None

    @staticmethod
    def reply_refusal(post: Post, parent: "Comment | None") -> str | None:
        """Why a new comment on `post` cannot reply to `parent`, or None if it can. `parent`
        is None for a comment that does not exist (any more)."""
        if parent is None or parent.post_id != post.id:
            return str(Comment.NOT_ON_THIS_POST)
        if parent.is_hidden:
            return _(
                "That comment was hidden by a moderator and takes no replies: post your text "
                "as a new comment instead."
            )
        if parent.is_reply:
            # Refused rather than moved under the thread's first comment: moved, it would
            # answer (and notify) someone the writer did not answer. The page's Reply on a
            # reply sends the thread's first comment and starts the text with @name instead.
            return _(
                "Replies go one level deep: reply to the first comment of the thread, or post "
                "your text as a new comment."
            )
        return None

    @property
    def body_html(self):
        """The comment as safe HTML: escaped, with its line breaks and links."""
        return render_comment(self.body)

    def body_html_with_mentions(self, profile_url):
        """body_html, with the @names that `profile_url` knows linked to their profiles."""
        return render_comment(self.body, profile_url)

    @property
    def writer_name(self) -> str:
        """Who wrote it, as the page names them: the account, or for an imported comment
        the name its writer gave on the old site."""
        return self.imported_author or self.author.username

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def is_hidden_from(self, user) -> bool:
        """Whether `user` sees "hidden by a moderator" in place of this comment: everyone
        but its author and admins, who see it marked hidden."""
        if not self.is_hidden:
            return False
        return not (user.is_authenticated and (user.id == self.user_id or user.is_admin))

    def can_moderate(self, user) -> bool:
        """The post's author and admins may hide and show the comments under it."""
        return user.is_authenticated and (user.id == self.post.user_id or user.is_admin)

    def hide(self, moderator) -> None:
        """Hide the comment (a moderator's decision); hiding it again changes nothing."""
        if self.hidden_at is None:
            self.hidden_at, self.hidden_by_id = utcnow(), moderator.id

    def unhide(self) -> None:
        """Show the comment again."""
        self.hidden_at = self.hidden_by_id = None

    @classmethod
    def count_by_since(cls, user_id: int, since: datetime) -> int:
        """How many comments a user has written since `since`."""
        return db.session.scalar(
            db.select(func.count(cls.id)).where(cls.user_id == user_id, cls.created_at >= since)
        )

    def can_delete(self, user) -> bool:
        """The comment's author, the post's author and admins may delete it."""
        return user.is_authenticated and (
            user.id in (self.user_id, self.post.user_id) or user.is_admin
        )


def threads(comments: list[Comment]) -> list[tuple[Comment, list[Comment]]]:
    """A post's comments (oldest first) as threads: each comment that is not a reply, with
    its replies oldest first. Built from the one list, so a page costs no query per thread.
    A reply whose comment is not in the list (rows written around the rules) stands alone
    rather than vanish."""
    starts = {comment.id for comment in comments if not comment.is_reply}
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id in starts:
            replies.setdefault(comment.parent_id, []).append(comment)
    return [
        (comment, replies.get(comment.id, []))
        for comment in comments
        if comment.parent_id not in starts
    ]


# Listings show how many comments each post has, counted in the listing's own query.
# correlate_except: a query that loads comments with their post must still count from comments.
Post.comment_count = column_property(
    db.select(func.count(Comment.id))
    .where(Comment.post_id == Post.id)
    .correlate_except(Comment)
    .scalar_subquery()
)
