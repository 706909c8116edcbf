"""Dates as readers see them (flaskblog.dates and flaskblog.timezones): a logged-in reader's
in their account's time zone, an anonymous visitor's in UTC marked for the browser to
localise, recent ones as "3 hours ago" with the exact time in the title."""

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from flaskblog.dates import local_time, time_ago, time_ago_changes_at
from flaskblog.models import utcnow
from flaskblog.timezones import author_timezone, from_local, zone_name
from tests.helpers.factories import add_posts, set_profile

PUBLISHED = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
POST_DATE = re.compile(r'<span class="post__date">(<time [^>]*>[^<]*</time>)</span>')


def reader(timezone: str = "UTC"):
    return SimpleNamespace(is_authenticated=True, timezone=timezone)


ANONYMOUS = SimpleNamespace(is_authenticated=False)


def shown_date(response) -> str:
    return POST_DATE.search(response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize(
    ("age", "words"),
    [
        (timedelta(seconds=30), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=59, seconds=59), "59 minutes ago"),
        (timedelta(hours=3, minutes=5), "3 hours ago"),
        (timedelta(days=1), "1 day ago"),
        (timedelta(days=6, hours=23), "6 days ago"),
        (timedelta(days=7), None),
        (timedelta(hours=-1), None),  # to come: a date, not "in an hour"
    ],
)
def test_recent_moments_read_as_time_ago(age, words):
    assert time_ago(NOW - age, NOW) == words


def test_a_logged_in_readers_date_is_in_their_zone_with_the_exact_time_in_the_title():
    html = local_time(PUBLISHED, reader=reader("Asia/Tokyo"), now=NOW)

    assert html == (
        '<time datetime="2026-06-01T11:00:00Z" title="June 1, 2026, 20:00 JST">June 1, 2026</time>'
    )


def test_a_recent_date_reads_hours_ago_and_keeps_the_exact_local_time_in_the_title():
    html = local_time(NOW - timedelta(hours=3), "datetime", reader=reader("Europe/Berlin"), now=NOW)

    assert html == (
        '<time datetime="2026-12-03T09:00:00Z" title="December 3, 2026, 10:00 CET">'
        "3 hours ago</time>"
    )


def test_an_anonymous_visitors_date_says_utc_and_is_marked_for_the_browser():
    date = local_time(PUBLISHED, reader=ANONYMOUS, now=NOW)
    both = local_time(NOW - timedelta(hours=3), "datetime", reader=ANONYMOUS, now=NOW)

    assert date == (
        '<time datetime="2026-06-01T11:00:00Z" title="June 1, 2026, 11:00 UTC" '
        'data-local="date">June 1, 2026 (UTC)</time>'
    )
    # A cached page must not say "3 hours ago" for hours on end: the script says it.
    assert ">December 3, 2026, 09:00 UTC</time>" in both and 'data-local="datetime"' in both


def test_a_zone_this_machine_does_not_know_reads_as_utc():
    assert str(author_timezone(reader("Mars/Olympus_Mons"))) == "UTC"
    assert "11:00 UTC" in local_time(PUBLISHED, reader=reader("Mars/Olympus_Mons"), now=NOW)


def test_an_unknown_style_is_a_mistake_in_the_template():
    with pytest.raises(ValueError, match="unknown date style"):
        local_time(PUBLISHED, "weekday", reader=ANONYMOUS)


def test_the_editor_reads_a_time_the_author_writes_in_their_zone():
    author = reader("America/Los_Angeles")

    when = from_local(datetime(2026, 12, 24, 18, 0), author)

    assert when == datetime(2026, 12, 25, 2, 0, tzinfo=UTC)
    assert zone_name(author) == "America/Los_Angeles"


def test_one_post_shows_different_calendar_dates_in_kiritimati_and_pago_pago(
    app, client, auth, make_user, alice
):
    (post_id,) = add_posts(app, alice, 1, title="Around the date line", start=PUBLISHED)
    east, west = make_user("east"), make_user("west")
    set_profile(app, east, timezone="Pacific/Kiritimati")  # UTC+14
    set_profile(app, west, timezone="Pacific/Pago_Pago")  # UTC-11
    published = PUBLISHED + timedelta(minutes=1)  # add_posts publishes a minute after start

    auth.login("east@example.com")
    in_kiritimati = shown_date(client.get(f"/post/{post_id}"))
    auth.logout()
    auth.login("west@example.com")
    in_pago_pago = shown_date(client.get(f"/post/{post_id}"))

    assert in_kiritimati == (
        f'<time datetime="{published:%Y-%m-%dT%H:%M:%S}Z" title="June 2, 2026, 01:01 +14">'
        "June 2, 2026</time>"
    )
    assert in_pago_pago == (
        f'<time datetime="{published:%Y-%m-%dT%H:%M:%S}Z" title="June 1, 2026, 00:01 SST">'
        "June 1, 2026</time>"
    )


def test_an_anonymous_visitor_sees_utc_and_gets_the_localising_script(app, client, alice):
    (post_id,) = add_posts(app, alice, 1, start=PUBLISHED)

    response = client.get(f"/post/{post_id}")

    assert ">June 1, 2026 (UTC)</time>" in shown_date(response)
    script = r'<script src="/static/js/dates\.js\?v=[0-9a-f]{12}" [^>]*\bdefer>'
    assert re.search(script, response.text)


def test_a_recent_post_reads_hours_ago_to_its_logged_in_reader(app, client, auth, alice):
    (post_id,) = add_posts(app, alice, 1, start=utcnow() - timedelta(hours=3, minutes=30))
    auth.login()

    date = shown_date(client.get(f"/post/{post_id}"))

    assert re.fullmatch(
        r'<time datetime="[^"]+Z" title="\w+ \d+, \d{4}, \d\d:\d\d UTC">3 hours ago</time>', date
    )


def test_the_sessions_page_shows_its_times_in_the_readers_zone(app, client, auth, alice):
    set_profile(app, alice, timezone="Asia/Kolkata")
    auth.login()

    text = client.get("/account/sessions").get_data(as_text=True)

    assert not re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", text)  # no raw UTC times left
    assert "Logged in <time" in text and "just now</time>" in text
    assert re.search(r'ends <time datetime="[^"]+Z" title="[^"]+ IST">[^<]+ IST</time>', text)


@pytest.mark.parametrize(
    ("language", "recent", "moment", "date"),
    [
        ("de", "vor 3 Stunden", "gerade eben", "1. Juni 2026"),
        ("es", "hace 3 horas", "justo ahora", "1 de junio de 2026"),
    ],
)
def test_dates_are_written_in_the_readers_language(app, language, recent, moment, date):
    with app.test_request_context(), force_locale(language):
        assert time_ago(NOW - timedelta(hours=3, minutes=5), NOW) == recent
        assert time_ago(NOW - timedelta(seconds=5), NOW) == moment
        assert f">{date}</time>" in local_time(PUBLISHED, reader=reader(), now=NOW)


@pytest.mark.parametrize(
    ("age", "reads_otherwise_at"),
    [
        (timedelta(seconds=30), timedelta(minutes=1)),  # "just now" -> "1 minute ago"
        (timedelta(minutes=59, seconds=59), timedelta(hours=1)),  # -> "1 hour ago"
        (timedelta(hours=3, minutes=5), timedelta(hours=4)),
        (timedelta(days=1), timedelta(days=2)),
        (timedelta(days=6, hours=23), timedelta(days=7)),  # -> the date itself
        (-timedelta(hours=2), timedelta(0)),  # to come: "just now" once it comes
    ],
)
def test_a_recent_dates_text_is_known_to_change_at_the_end_of_its_unit(age, reads_otherwise_at):
    when = NOW - age

    changes_at = time_ago_changes_at(when, NOW)

    assert changes_at == when + reads_otherwise_at
    assert time_ago(when, changes_at - timedelta(seconds=1)) == time_ago(when, NOW)
    assert time_ago(when, changes_at) != time_ago(when, NOW)


def test_a_date_older_than_a_week_never_reads_otherwise():
    assert time_ago_changes_at(NOW - timedelta(days=7), NOW) is None
