"""Every date a page shows, as one `<time>` element: the `local_time` template filter.

A logged-in reader's pages are made for them alone, so their dates are written in their
account's time zone (flaskblog.timezones). An anonymous visitor's page may be served from
the cache to anyone anywhere: its dates are written in UTC, saying so, and marked
`data-local` for static/js/dates.js, which rewrites them in the browser's own time zone
(without JavaScript they still read right, as UTC). Either way a date in the last week reads
"3 hours ago", with the exact date and time in the `title`; `datetime` is always UTC.

Such a text reads otherwise a little later ("4 hours ago"): a part of a page kept for
logged-in readers (flaskblog.caching.shared_fragment) is kept only until the first of its
dates would change, which `noting_date_changes()` collects while it is rendered.
"""

import functools
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from babel.dates import format_timedelta
from flask import g, has_app_context
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from flaskblog.i18n import current_language
from flaskblog.models.types import utcnow
from flaskblog.timezones import author_timezone, calendar_date, date_and_time, local_date_and_time

# How far back a date reads as "... ago" rather than as a date.
RECENT = timedelta(days=7)
STYLES = ("date", "datetime")
UNITS = (("day", 86_400), ("hour", 3_600), ("minute", 60))


def init_app(app) -> None:
    """Make `local_time` a template filter: `{{ post.published_at|local_time }}`."""
    app.add_template_filter(local_time, "local_time")


def iso_utc(when: datetime) -> str:
    """ "2026-12-01T07:03:00Z": the machine-readable form, always in UTC."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_ago(when: datetime, now: datetime) -> str | None:
    """ "3 hours ago" ("vor 3 Stunden", "hace 3 horas") for a moment in the last week, else
    None (older, or to come). Whole units, counted down: 59 minutes is not "1 hour ago"."""
    age = now - when
    if age < timedelta(0) or age >= RECENT:
        return None
    seconds = int(age.total_seconds())
    for unit, length in UNITS:
        if seconds >= length:
            return _units_ago(seconds // length, unit, current_language())
    return _("just now")


@functools.lru_cache(maxsize=1024)  # (6 days, 23 hours, 59 minutes) in each language
def _units_ago(count: int, unit: str, language: str) -> str:
    """ "3 hours ago", made by Babel once for each count, unit and language in a process."""
    length = dict(UNITS)[unit]
    return format_timedelta(
        -timedelta(seconds=count * length),
        granularity=unit,
        threshold=1,
        add_direction=True,
        locale=language,
    )


def time_ago_changes_at(when: datetime, now: datetime) -> datetime | None:
    """When the text time_ago() gives for `when` at `now` next reads otherwise ("just now"
    becoming "1 minute ago", "6 days ago" becoming the date), or None if it never will."""
    age = now - when
    if age < timedelta(0):
        return when  # a date to come reads "just now" once it has come
    if age >= RECENT:
        return None
    seconds = int(age.total_seconds())
    # Each unit is a whole number of the next smaller one, and a week of days: the next
    # change is the end of the current unit, whichever unit that is ("just now": a minute).
    length = next((length for _, length in UNITS if seconds >= length), UNITS[-1][1])
    return when + timedelta(seconds=(seconds // length + 1) * length)


class DateChanges:
    """The earliest moment at which a date written so far would read otherwise."""

    def __init__(self) -> None:
        self.earliest: datetime | None = None

    def note(self, moment: datetime | None) -> None:
        if moment is not None and (self.earliest is None or moment < self.earliest):
            self.earliest = moment


@contextmanager
def noting_date_changes():
    """Collect, in the DateChanges given, when the "... ago" dates that local_time writes
    in this block would next read otherwise."""
    outer = g.get("date_changes")
    g.date_changes = noted = DateChanges()
    try:
        yield noted
    finally:
        g.date_changes = outer
        if outer is not None:
            outer.note(noted.earliest)


def local_time(
    when: datetime | None, style: str = "date", reader=None, now: datetime | None = None
) -> Markup:
    """`when` as a `<time>` element for `reader` (by default whoever is logged in): a
    `style` of "date" ("December 1, 2026") or "datetime" (with the time and zone)."""
    if when is None:
        return Markup("")
    if style not in STYLES:
        raise ValueError(f"unknown date style {style!r}; use one of {STYLES}")
    reader = current_user if reader is None else reader
    local = when.astimezone(author_timezone(reader))
    exact = date_and_time(local)
    text = calendar_date(local) if style == "date" else exact
    attributes = f'datetime="{iso_utc(when)}" title="{escape(exact)}"'
    if getattr(reader, "is_authenticated", False):
        now = now or utcnow()
        text = time_ago(when, now) or text
        noted = g.get("date_changes") if has_app_context() else None
        if noted is not None:
            noted.note(time_ago_changes_at(when, now))
    else:
        # Written in UTC for whoever reads the cached page; dates.js makes it theirs.
        attributes += f' data-local="{style}"'
        if style == "date":
            text = f"{text} (UTC)"
    # Every value in it is escaped or made here. (Bandit calls this check B704, ruff S704.)
    return Markup(f"<time {attributes}>{escape(text)}</time>")  # noqa: S704  # nosec B704


def exact_time(when: datetime, reader=None) -> Markup:
    """`when` as a `<time>` reading its exact date and time in `reader`'s zone (by default
    whoever is logged in), never "3 hours ago": for a sentence that names a moment
    ("Scheduled for ...", "the version from ..."), whose words expect a date."""
    reader = current_user if reader is None else reader
    text = local_date_and_time(when, reader)
    return Markup(f'<time datetime="{iso_utc(when)}">{escape(text)}</time>')  # noqa: S704  # nosec B704


def sentence_with(sentence: str, **parts) -> Markup:
    """A translated sentence with markup (an `exact_time`) in its placeholders, for a flash
    or a notice: the sentence's own words and any part that is not markup are escaped."""
    return escape(sentence) % parts
