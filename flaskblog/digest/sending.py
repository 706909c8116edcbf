"""Building and sending digests: one email per reader with their unread notifications since
their last digest, handed to the mail queue.

A reader's digest is claimed, queued and committed in one transaction: `last_digest_at`
moves only if the email was queued, and only if no other run moved it first (a
compare-and-set), so running the command twice, or two at once, sends nobody two digests.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urljoin

from flask import current_app, render_template, url_for
from flask_mail import Message
from sqlalchemy import and_, exists, func, literal, or_
from sqlalchemy.orm import aliased, contains_eager

from flaskblog.extensions import db
from flaskblog.i18n import speaking_to
from flaskblog.mailqueue import send_from_command
from flaskblog.models import (
    Block,
    Comment,
    Notification,
    NotificationSettings,
    Post,
    User,
    UTCDateTime,
    utcnow,
)
from flaskblog.models.notification import FOLLOWER
from flaskblog.urls import post_url

# How far apart two digests of a reader are, at least; and how much earlier than that a run
# may come (schedulers start jobs a little early or late), so that a daily run at 09:58
# still sends the digest last sent at 10:00 yesterday. Within the slack, a second run sends
# nothing. Heroku Scheduler has no weekly jobs: run the weekly digest daily, and each reader
# gets it once their week is up.
PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
SLACK = timedelta(hours=3)
# The most notifications one email lists; the rest are counted, with a link to them all.
MAX_ITEMS = 50
# Readers read from the database at a time.
BATCH_SIZE = 200


@dataclass
class DigestItem:
    """One line of a digest: who did what, and where to read it."""

    kind: str
    actor: str
    url: str
    post_title: str | None = None


@dataclass
class DigestRun:
    """What one run of `flask digest send` did."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    empty: int = 0


def due_before(period: str, now: datetime) -> datetime:
    """A reader whose last digest was sent at or before this is due another."""
    return now - (PERIODS[period] - SLACK)


def window_start(settings: NotificationSettings, period: str, now: datetime) -> datetime:
    """Where the reader's next digest starts: their last one, or one period back for a
    first digest (unread notifications older than that are not mailed all at once)."""
    return settings.last_digest_at or now - PERIODS[period]


def due_readers(period: str, now: datetime, after_id: int = 0, limit: int = BATCH_SIZE):
    """Ids of the readers due a `period` digest with something unread in it, by id: active,
    confirmed accounts only."""
    first_since = literal(now - PERIODS[period], UTCDateTime)  # stored as the column is
    since = func.coalesce(NotificationSettings.last_digest_at, first_since)
    has_unread = exists().where(
        Notification.user_id == User.id,
        Notification.read_at.is_(None),
        Notification.created_at > since,
        Notification.created_at <= now,
    )
    return db.session.scalars(
        db.select(User.id)
        .join(NotificationSettings, NotificationSettings.user_id == User.id)
        .where(
            User.id > after_id,
            NotificationSettings.digest == period,
            User.disabled_at.is_(None),
            User.confirmed_at.is_not(None),
            or_(
                NotificationSettings.last_digest_at.is_(None),
                NotificationSettings.last_digest_at <= due_before(period, now),
            ),
            has_unread,
        )
        .order_by(User.id)
        .limit(limit)
    ).all()


def _digest_query(user: User, since: datetime, until: datetime):
    """The notifications a digest lists: unread, made in (since, until], by active accounts
    neither blocked by the reader nor blocking them (since the notification was made), about
    posts readers may see and comments no moderator hid."""
    actor = aliased(User)
    blocked_either_way = exists().where(
        or_(
            and_(Block.blocker_id == Notification.user_id, Block.blocked_id == actor.id),
            and_(Block.blocker_id == actor.id, Block.blocked_id == Notification.user_id),
        )
    )
    return (
        db.select(Notification, Post)
        .join(actor, actor.id == Notification.actor_id)
        .outerjoin(Post, Post.id == Notification.post_id)
        .outerjoin(Comment, Comment.id == Notification.comment_id)
        .where(
            Notification.user_id == user.id,
            Notification.read_at.is_(None),
            Notification.created_at > since,
            Notification.created_at <= until,
            actor.disabled_at.is_(None),
            ~blocked_either_way,
            or_(Notification.post_id.is_(None), and_(Post.id.is_not(None), Post.is_public)),
            Comment.hidden_at.is_(None),
        )
        .options(contains_eager(Notification.actor.of_type(actor)))
    )


def digest_items(user: User, since: datetime, until: datetime) -> tuple[list[DigestItem], int]:
    """The newest MAX_ITEMS lines of `user`'s digest for (since, until], and how many
    notifications it holds in all."""
    query = _digest_query(user, since, until)
    total = db.session.scalar(db.select(func.count()).select_from(query.subquery()))
    if not total:
        return [], 0
    rows = db.session.execute(
        query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(MAX_ITEMS)
    ).all()
    return [item_for(notification, post) for notification, post in rows], total


def item_for(notification: Notification, post: Post | None) -> DigestItem:
    """The line for one notification, linked to what it is about: the comment in its
    post, the post, or the new follower's profile."""
    actor = notification.actor.username
    if notification.kind == FOLLOWER or post is None:
        url = url_for("users.user_posts", username=actor, _external=True)
    elif notification.comment_id is not None:
        url = f"{post_url(post, external=True)}#comment-{notification.comment_id}"
    else:
        url = post_url(post, external=True)
    return DigestItem(
        kind=notification.kind,
        actor=actor,
        url=url,
        post_title=post.title if post is not None else None,
    )


def unsubscribe_headers(user: User, period: str) -> tuple[str, dict[str, str]]:
    """The unsubscribe link for the email's text, and the RFC 8058 headers that let a mail
    client offer the same with one click (it POSTs `List-Unsubscribe=One-Click` there).

    RFC 8058 wants an https URI in the header whatever the site's scheme in development.
    """
    token = user.get_unsubscribe_token(period)
    link = url_for("digest.unsubscribe", token=token, _external=True)
    one_click = url_for("digest.unsubscribe", token=token, _external=True, _scheme="https")
    targets = [f"<{one_click}>"]
    mailto = current_app.config.get("UNSUBSCRIBE_MAILTO")
    if mailto:
        targets.append(f"<mailto:{mailto}?subject=unsubscribe>")
    headers = {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return link, headers


def notifications_url() -> str:
    """Where the reader sees every notification: `/notifications`, an address the site
    promises (built from the home page's, so this module needs no other blueprint)."""
    return urljoin(url_for("main.home", _external=True), "notifications")


def digest_message(user: User, period: str, items: list[DigestItem], total: int) -> Message:
    """The digest email: text and HTML parts, every line linked, and the unsubscribe link,
    in the reader's language (not the language of whoever runs the command)."""
    unsubscribe_url, headers = unsubscribe_headers(user, period)
    context = {
        "user": user,
        "period": period,
        "items": items,
        "total": total,
        "more": total - len(items),
        "unsubscribe_url": unsubscribe_url,
        "notifications_url": notifications_url(),
    }
    with speaking_to(user):
        subject = render_template("email/digest_subject.txt", **context).strip()
        body = render_template("email/digest.txt", **context)
        html = render_template("email/digest.html", **context)
    return Message(subject, recipients=[user.email], body=body, html=html, extra_headers=headers)


def send_digest(user_id: int, period: str, now: datetime) -> str | None:
    """Send one reader's `period` digest of what came until `now`, in its own transaction:
    "sent", "empty" (nothing to say), "failed" (not queued: tried again next run), or None
    when the reader is not due (any more: another run may have just sent it)."""
    user = db.session.get(User, user_id)
    settings = db.session.get(NotificationSettings, user_id)
    if not (user and settings and user.is_active and user.is_confirmed):
        return _end(None)
    if settings.digest != period or not (
        settings.last_digest_at is None or settings.last_digest_at <= due_before(period, now)
    ):
        return _end(None)
    previous = settings.last_digest_at
    items, total = digest_items(user, window_start(settings, period, now), now)
    if not items:
        return _end("empty")
    message = digest_message(user, period, items, total)
    claimed = db.session.execute(
        db.update(NotificationSettings)
        .where(
            NotificationSettings.user_id == user_id,
            NotificationSettings.digest == period,
            NotificationSettings.last_digest_at.is_(None)
            if previous is None
            else NotificationSettings.last_digest_at == previous,
        )
        .values(last_digest_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return _end(None)
    if not send_from_command(message, f"{period} digest", user_id):
        return _end("failed")
    db.session.commit()
    return "sent"


def _end(outcome: str | None) -> str | None:
    db.session.rollback()
    return outcome


def send_digests(period: str, now: datetime | None = None) -> DigestRun:
    """Send every due reader their `period` digest; see send_digest."""
    now = now or utcnow()
    run, after_id = DigestRun(), 0
    while user_ids := due_readers(period, now, after_id):
        db.session.rollback()  # each reader in a transaction of their own
        for user_id in user_ids:
            outcome = send_digest(user_id, period, now)
            if outcome == "sent":
                run.sent.append(user_id)
            elif outcome == "failed":
                run.failed.append(user_id)
            elif outcome == "empty":
                run.empty += 1
        after_id = user_ids[-1]
        db.session.expunge_all()  # a batch at a time in memory
    return run
