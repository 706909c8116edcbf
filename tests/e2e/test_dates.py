"""Dates in Chromium with its time zone set: on a page for anyone (cached, written in UTC)
static/js/dates.js shows the browser's own date; without JavaScript the page says UTC; a
logged-in reader's page comes in their account's zone and the script leaves it alone."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import log_in
from tests.helpers.factories import PASSWORD, add_posts, set_profile

pytestmark = pytest.mark.browser

# Published at 11:01 UTC on June 1: June 2 on Kiritimati (UTC+14), still June 1 in Pago Pago
# (UTC-11).
START = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)


def in_zone(open_browser, zone: str, **options):
    return open_browser(timezone_id=zone, locale="en-US", **options)


def post_date(page):
    return page.locator(".post__meta .post__date time")


@pytest.mark.parametrize(
    ("zone", "date", "exact"),
    [
        ("Pacific/Kiritimati", "June 2, 2026", "01:01 GMT+14"),
        ("Pacific/Pago_Pago", "June 1, 2026", "00:01 GMT-11"),
    ],
)
def test_an_anonymous_page_shows_the_browsers_own_date(app, open_browser, alice, zone, date, exact):
    (post_id,) = add_posts(app, alice, 1, title="Around the date line", start=START)
    page = in_zone(open_browser, zone)

    page.goto(f"/post/{post_id}")

    expect(post_date(page)).to_have_text(date)
    expect(post_date(page)).to_have_attribute("title", f"{date} at {exact}")
    expect(post_date(page)).to_have_attribute("datetime", "2026-06-01T11:01:00Z")


def test_a_recent_post_reads_hours_ago_in_the_browser(app, open_browser, alice):
    (post_id,) = add_posts(app, alice, 1, start=datetime.now(UTC) - timedelta(hours=3, minutes=5))
    page = in_zone(open_browser, "Asia/Tokyo")

    page.goto(f"/post/{post_id}")

    expect(post_date(page)).to_have_text("3 hours ago")
    # The exact moment, in Tokyo's time.
    expect(post_date(page)).to_have_attribute("title", re.compile(r", \d{4} at \d\d:\d\d GMT\+9$"))


def test_a_german_visitor_reads_the_page_and_its_dates_in_german(app, open_browser, alice):
    (post_id,) = add_posts(app, alice, 1, start=START)
    recent = add_posts(app, alice, 1, start=datetime.now(UTC) - timedelta(hours=3, minutes=5))
    page = open_browser(timezone_id="Pacific/Kiritimati", locale="de-DE")

    page.goto(f"/post/{post_id}")

    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("link", name="Beiträge", exact=True)).to_be_visible()
    expect(post_date(page)).to_have_text("2. Juni 2026")
    page.goto(f"/post/{recent[0]}")
    expect(post_date(page)).to_have_text("vor 3 Stunden")


def test_without_javascript_the_date_says_utc(app, open_browser, alice):
    (post_id,) = add_posts(app, alice, 1, start=START)
    page = in_zone(open_browser, "Pacific/Kiritimati", java_script_enabled=False)

    page.goto(f"/post/{post_id}")

    expect(post_date(page)).to_have_text("June 1, 2026 (UTC)")


def test_a_logged_in_reader_sees_their_accounts_zone_not_the_browsers(app, open_browser, alice):
    (post_id,) = add_posts(app, alice, 1, start=START)
    set_profile(app, alice, timezone="Pacific/Kiritimati")
    page = in_zone(open_browser, "Pacific/Pago_Pago")
    log_in(page, "alice@example.com", PASSWORD)

    page.goto(f"/post/{post_id}")

    expect(post_date(page)).to_have_text("June 2, 2026")
    expect(post_date(page)).to_have_attribute("title", "June 2, 2026, 01:01 +14")
