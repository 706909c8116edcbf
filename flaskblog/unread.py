"""The header's unread counts: notifications and private messages.

Every page a logged-in reader sees shows them, so they must cost next to nothing: the login
loader (models.session.load_user) reads them in the very query that finds the login and its
user, as scalar subqueries (unread_columns), and unread_counts() hands them out without a
query. Only a user logged in some other way during the request (the login form's own
response) costs one query, which reads both counts at once.

Messages are counted as 0 until private messages exist: their count joins unread_columns.
"""

from typing import NamedTuple

from sqlalchemy import Integer, literal

from flaskblog.extensions import db
from flaskblog.models.notification import UNREAD_COUNT_LIMIT, unread_count_of


class UnreadCounts(NamedTuple):
    """What the header shows; each counted up to UNREAD_COUNT_LIMIT ("99+" beyond)."""

    notifications: int = 0
    messages: int = 0


def unread_columns(user_id) -> tuple:
    """The counts for the user `user_id` (a value, or a column of the enclosing query), as
    labelled scalar subqueries in UnreadCounts' order."""
    return (
        unread_count_of(user_id).label("unread_notifications"),
        literal(0, Integer).label("unread_messages"),
    )


def unread_counts(user) -> UnreadCounts:
    """`user`'s unread counts: read along with the login, else in one query (kept for the
    rest of the request)."""
    counts = getattr(user, "unread_counts", None)
    if counts is None:
        counts = UnreadCounts(*db.session.execute(db.select(*unread_columns(user.id))).one())
        user.unread_counts = counts
    return counts


def forget_unread_counts(user) -> None:
    """After marking some read: the header counts them again (one query) when it is drawn."""
    user.unread_counts = None


def shown_count(count: int) -> str:
    """A count as the header shows it: "99+" once it reaches the limit counting stops at."""
    return f"{UNREAD_COUNT_LIMIT - 1}+" if count >= UNREAD_COUNT_LIMIT else str(count)
