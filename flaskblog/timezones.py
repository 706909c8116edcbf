"""Dates and times as an author reads and writes them, in the time zone their account
names (UTC for anonymous readers, and for an account that has not chosen one).

The editor's `publish_at` and its messages go through here, and so does every date a page
shows (flaskblog.dates).
"""

import functools
from datetime import UTC, date, datetime, time, tzinfo

from babel.dates import format_date, format_time

from flaskblog.i18n import current_language
from flaskblog.models.profile import zone


def author_timezone(user) -> tzinfo:
    """The time zone `user` reads and writes dates in: their account's, else UTC."""
    if user is None or not getattr(user, "is_authenticated", False):
        return UTC
    return zone(getattr(user, "timezone", None))


def zone_name(user) -> str:
    """How the editor names the author's time zone next to a date: "UTC", "Europe/Berlin"."""
    return str(author_timezone(user))


def from_local(naive: datetime, user) -> datetime:
    """A date and time the author wrote (no zone) as an aware UTC datetime."""
    return naive.replace(tzinfo=author_timezone(user)).astimezone(UTC)


def to_local(when: datetime, user) -> datetime:
    """An aware datetime in the author's time zone."""
    return when.astimezone(author_timezone(user))


def calendar_date(local: datetime) -> str:
    """ "December 4, 2026" ("4. Dezember 2026", "4 de diciembre de 2026"): the date of an
    aware datetime in its own time zone, in the words of the page's language."""
    return _long_date(local.date(), current_language())


def time_of_day(local: datetime) -> str:
    """ "09:30": the time of an aware datetime in its own time zone, 24-hour in every
    language."""
    return _clock(local.hour, local.minute, current_language())


# Babel builds each text anew from its locale's patterns; a page of dates asks for the same
# few days and minutes again and again, so each process keeps the texts it made.
@functools.lru_cache(maxsize=4096)
def _long_date(day: date, language: str) -> str:
    return format_date(day, format="long", locale=language)


@functools.lru_cache(maxsize=4096)  # 1,440 minutes a day in each language
def _clock(hour: int, minute: int, language: str) -> str:
    return format_time(time(hour, minute), "HH:mm", locale=language)


def date_and_time(local: datetime) -> str:
    """ "December 4, 2026, 09:30 UTC": with the time of day and the zone's abbreviation (or
    its offset, "+14", where the zone has none)."""
    return f"{calendar_date(local)}, {time_of_day(local)} {local.tzname()}"


def local_date_and_time(when: datetime, user) -> str:
    """ "December 4, 2026, 09:30 UTC": a date and time in the author's time zone, in words."""
    return date_and_time(to_local(when, user))
