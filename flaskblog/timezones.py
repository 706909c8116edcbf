"""Dates and times as an author reads and writes them.

Accounts have no time zone yet: every author is in UTC. `author_timezone` is the one place
that changes when they get one; the editor's `publish_at` and its messages go through here.
"""

from datetime import UTC, datetime, tzinfo


def author_timezone(user) -> tzinfo:
    """The time zone `user` writes dates in (UTC until accounts have one)."""
    return UTC


def zone_name(user) -> str:
    """How the editor names the author's time zone next to a date: "UTC"."""
    return datetime.now(author_timezone(user)).tzname() or "UTC"


def from_local(naive: datetime, user) -> datetime:
    """A date and time the author wrote (no zone) as an aware UTC datetime."""
    return naive.replace(tzinfo=author_timezone(user)).astimezone(UTC)


def to_local(when: datetime, user) -> datetime:
    """An aware datetime in the author's time zone."""
    return when.astimezone(author_timezone(user))


def local_date_and_time(when: datetime, user) -> str:
    """ "4 December 2026, 09:30 UTC": a date and time in the author's time zone, in words."""
    local = to_local(when, user)
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"
