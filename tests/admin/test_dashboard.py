"""The dashboard shows admins the week's new accounts and the recent security events, which
log_event keeps in the database (a fixed set of them, for a limited time) besides the log."""

import json
from datetime import UTC, datetime, timedelta

from flaskblog.extensions import db
from flaskblog.models import SecurityEvent, User
from tests.helpers.factories import set_joined, set_profile
from tests.helpers.pages import page_text
from tests.helpers.queries import queries_for


def stored(app) -> list[tuple[str, int | None]]:
    with app.app_context():
        return [
            (event.event, event.user_id)
            for event in db.session.scalars(db.select(SecurityEvent).order_by(SecurityEvent.id))
        ]


def test_new_accounts_of_the_last_week_newest_first_with_their_state(
    app, client, logged_in_admin, make_user
):
    old = make_user("oldtimer")
    set_joined(app, old, datetime.now(UTC) - timedelta(days=8))
    make_user("bob")
    make_user("carol", confirmed=False)

    text = page_text(client.get("/admin"))
    section = text[text.index("New accounts") : text.index("Recent security events")]

    assert "oldtimer" not in section
    assert section.index(">carol<") < section.index(">bob<") < section.index(">ada<")
    assert "Unconfirmed" in section and "Active" in section


def test_security_events_admins_should_see_are_stored_and_shown(
    app, client, logged_in_admin, make_user, forms, auth
):
    bob = make_user("bob")
    forms.submit("/admin/users/bob/disable", page="/admin/users")

    text = page_text(client.get("/admin"))

    assert stored(app) == [("admin_user_disabled", logged_in_admin)]
    events = text[text.index("Recent security events") :]
    assert "admin_user_disabled" in events and "target_username: bob" in events
    assert f"target_user_id: {bob}" in events


def test_a_refused_login_to_a_disabled_account_is_stored_though_nothing_is_committed(
    app, client, make_user, auth
):
    bob = make_user("bob")
    with app.app_context():
        db.session.get(User, bob).disable()
        db.session.commit()

    auth.login("bob@example.com")

    assert stored(app) == [("login_disabled_account", bob)]


def test_noisy_events_stay_in_the_log_alone(app, client, auth, make_user, security_log):
    make_user("bob")
    auth.login("bob@example.com", password="not the password")

    assert "login_failed" in [event["event"] for event in security_log()]
    assert stored(app) == []


def test_events_older_than_the_limit_are_pruned_as_new_ones_come(
    app, client, logged_in_admin, forms
):
    with app.app_context():
        db.session.add(
            SecurityEvent(
                event="login_locked",
                created_at=datetime.now(UTC) - timedelta(days=SecurityEvent.KEEP_DAYS + 1),
            )
        )
        db.session.commit()
    client.get("/admin")  # nothing stored: nothing pruned
    assert stored(app) == [("login_locked", None)]

    forms.submit("/admin/users/ada/demote", page="/admin/users")

    assert stored(app) == [("admin_action_refused", logged_in_admin)]


def test_details_are_kept_as_json_without_what_has_a_column(app, client, logged_in_admin, forms):
    forms.submit("/admin/users/ada/disable", page="/admin/users")

    with app.app_context():
        event = db.session.scalar(db.select(SecurityEvent))
        details = json.loads(event.details)
    assert details == {"action": "disable", "target_user_id": logged_in_admin}
    assert event.ip == "127.0.0.1"


def test_the_dashboard_costs_the_same_however_many_accounts_and_events(
    app, client, logged_in_admin, make_user, count_queries, forms
):
    few = queries_for(client, count_queries, "/admin")
    for name in ("bob", "carol", "dan"):
        make_user(name)
        forms.submit(f"/admin/users/{name}/promote", page="/admin/users")

    assert queries_for(client, count_queries, "/admin") == few


def test_the_dashboard_speaks_german_to_a_german_admin(app, client, logged_in_admin):
    set_profile(app, logged_in_admin, language="de")

    text = page_text(client.get("/admin"))

    assert "<h1>Verwaltung</h1>" in text
    assert ">Offene Meldungen</h2>" in text
    assert ">0 offene Meldungen</a> warten, die älteste zuerst." in text
