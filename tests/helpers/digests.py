"""Readers who chose a digest, the notifications it collects, and the emails it makes."""

import re
from datetime import datetime

from flaskblog.extensions import db
from flaskblog.models import Comment, Notification, NotificationSettings, User

UNSUBSCRIBE_LINK = re.compile(r"https?://[^\s<>\"]+/unsubscribe/[\w.-]+")
ONE_CLICK_BODY = {"List-Unsubscribe": "One-Click"}  # what RFC 8058 mail clients POST


def choose_digest(app, user_id: int, digest: str, last_digest_at: datetime | None = None) -> None:
    """Set the reader's digest (and when the last one went out) straight in the database."""
    with app.app_context():
        settings = NotificationSettings.of(db.session.get(User, user_id))
        settings.digest, settings.last_digest_at = digest, last_digest_at
        db.session.add(settings)
        db.session.commit()


def digest_settings(app, user_id: int) -> tuple[str, datetime | None]:
    """(digest, last_digest_at) of the reader, as stored."""
    with app.app_context():
        settings = NotificationSettings.of(db.session.get(User, user_id))
        return settings.digest, settings.last_digest_at


def add_notification(
    app,
    user_id: int,
    kind: str,
    actor_id: int,
    *,
    post_id: int | None = None,
    comment_id: int | None = None,
    created_at: datetime | None = None,
    read_at: datetime | None = None,
) -> int:
    """A notification made straight in the database (as notify() would, at `created_at`)."""
    with app.app_context():
        notification = Notification(
            user_id=user_id,
            kind=kind,
            actor_id=actor_id,
            post_id=post_id,
            comment_id=comment_id,
            read_at=read_at,
        )
        if created_at is not None:
            notification.created_at = created_at
        db.session.add(notification)
        db.session.commit()
        return notification.id


def unsubscribe_token_for(app, user_id: int, digest: str = "daily") -> str:
    with app.app_context():
        return db.session.get(User, user_id).get_unsubscribe_token(digest)


def unsubscribe_link_in(text: str) -> str:
    (link,) = set(UNSUBSCRIBE_LINK.findall(text))
    return link


def add_comment(app, post_id: int, user_id: int, body: str = "Nice post.") -> int:
    """A comment by a user under a post; its id."""
    with app.app_context():
        comment = Comment(body=body, post_id=post_id, user_id=user_id)
        db.session.add(comment)
        db.session.commit()
        return comment.id
