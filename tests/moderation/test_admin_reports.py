"""Admins work through the open reports, oldest first, and resolve each by dismissing it,
hiding or deleting the item, or disabling its author: every open report of that item
closes, and the security log says which admin did what. Nobody else sees the queue."""

from datetime import UTC, datetime, timedelta

import pytest

from flaskblog.extensions import db
from flaskblog.models import Comment, Post, Report, User
from tests.helpers.attack_surface import database_snapshot
from tests.helpers.factories import set_profile
from tests.helpers.pages import flashes, page_text
from tests.moderation.conftest import stored_reports

QUEUE = "/admin/reports"


def add_report(app, reporter: int, *, post_id=None, comment_id=None, minutes_ago=0, **fields):
    with app.app_context():
        report = Report(
            reporter_id=reporter,
            post_id=post_id,
            comment_id=comment_id,
            reason=fields.get("reason", "spam"),
            details=fields.get("details"),
            created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        )
        db.session.add(report)
        db.session.commit()
        return report.id


def resolve(admin, report_id: int, action: str):
    return admin.send(QUEUE, {"report_id": str(report_id), action: "y"}, page=QUEUE)


@pytest.fixture
def reported_comment(app, bobs_comment, alice, carol) -> int:
    """Bob's comment, reported by alice and by carol; the id of alice's (the older) report."""
    first = add_report(app, alice, comment_id=bobs_comment, minutes_ago=5, details="A shop.")
    add_report(app, carol, comment_id=bobs_comment, reason="abuse")
    return first


@pytest.mark.parametrize("who", ["bob@example.com", "alice@example.com"])
def test_someone_who_is_not_an_admin_is_refused_the_queue(app, reader, reported_comment, who):
    someone = reader(who)
    before = database_snapshot(app)

    assert someone.client.get(QUEUE).status_code == 403
    assert resolve(someone, reported_comment, "delete").status_code == 403
    assert database_snapshot(app) == before


def test_a_visitor_is_asked_to_log_in(reader, reported_comment):
    response = reader().client.get(QUEUE)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_queue_shows_open_reports_oldest_first_with_their_items(
    app, reader, alices_post, reported_comment, bob, ada
):
    newest = add_report(app, bob, post_id=alices_post, reason="other")

    page = reader("ada@example.com").page(QUEUE)

    assert "3 open reports" in page
    order = [page.index(f'id="report-{n}"') for n in (reported_comment, reported_comment + 1)]
    assert order == sorted(order) and order[-1] < page.index(f'id="report-{newest}"')
    assert "Buy cheap watches" in page and "A shop." in page  # the item and the details
    assert "Abuse or harassment" in page and "Something else" in page
    assert f'href="/post/{alices_post}/alice-s-post#comment-' in page
    assert "Reported by" in page and ">alice</a>" in page and ">carol</a>" in page
    assert f'href="/post/{alices_post}/alice-s-post"' in page


def test_the_queue_is_paginated(app, reader, alices_post, ada):
    with app.app_context():
        readers = [User(username=f"r{n}", email=f"r{n}@example.com") for n in range(21)]
        for someone in readers:
            someone.set_password("x" * 12)
        db.session.add_all(readers)
        db.session.commit()
        ids = [someone.id for someone in readers]
    for n, reporter in enumerate(ids):
        add_report(app, reporter, post_id=alices_post, minutes_ago=100 - n)
    admin = reader("ada@example.com")

    first, second = admin.page(QUEUE), admin.page(f"{QUEUE}?page=2")

    assert first.count('class="report"') == 20 and second.count('class="report"') == 1
    assert admin.client.get(f"{QUEUE}?page=3").status_code == 404


def test_dismissing_closes_every_open_report_of_the_item(
    app, reader, reported_comment, ada, security_log
):
    response = resolve(reader("ada@example.com"), reported_comment, "dismiss")

    assert response.status_code == 302
    assert [report[-1] for report in stored_reports(app)] == ["dismissed", "dismissed"]
    with app.app_context():
        assert db.session.scalars(db.select(Report.resolved_by_id)).all() == [ada, ada]
        assert db.session.scalar(db.select(Comment.hidden_at)) is None
    [event] = [e for e in security_log() if e["event"] == "report_resolved"]
    assert (event["user_id"], event["resolution"], event["closed"]) == (ada, "dismissed", 2)
    assert "No open reports." in reader("ada@example.com").page(QUEUE)


def test_hiding_a_reported_comment(app, reader, alices_post, reported_comment, ada):
    resolve(reader("ada@example.com"), reported_comment, "hide")

    assert [report[-1] for report in stored_reports(app)] == ["hidden", "hidden"]
    assert "hidden by a moderator" in reader().page(f"/post/{alices_post}")


def test_hiding_a_reported_post_takes_it_back_to_its_authors_drafts(
    app, reader, alices_post, bob, ada
):
    report = add_report(app, bob, post_id=alices_post)

    resolve(reader("ada@example.com"), report, "hide")

    with app.app_context():
        assert db.session.get(Post, alices_post).is_published is False
    assert reader().client.get(f"/post/{alices_post}").status_code == 404
    assert stored_reports(app)[0][-1] == "hidden"


def test_deleting_a_reported_item_removes_it_and_its_reports(
    app, reader, reported_comment, bobs_comment, ada, security_log
):
    response = resolve(reader("ada@example.com"), reported_comment, "delete")

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Comment, bobs_comment) is None
    assert stored_reports(app) == []  # gone with the comment; the log keeps the decision
    [event] = [e for e in security_log() if e["event"] == "report_resolved"]
    assert (event["resolution"], event["item"], event["item_id"]) == (
        "deleted",
        "comment",
        bobs_comment,
    )


def test_disabling_the_author_of_a_reported_comment(app, reader, reported_comment, bob, ada):
    bob_reads = reader("bob@example.com")

    resolve(reader("ada@example.com"), reported_comment, "disable_author")

    with app.app_context():
        assert db.session.get(User, bob).disabled_at is not None
    assert [report[-1] for report in stored_reports(app)] == ["author_disabled"] * 2
    assert bob_reads.client.get("/account").status_code == 302  # logged out everywhere


def test_an_admin_cannot_disable_herself_through_a_report(app, reader, alice, ada):
    with app.app_context():
        post = Post(title="Ada's post", content="Hi.", user_id=ada)
        comment = Comment(body="Ada's own words", post=post, user_id=ada)
        db.session.add_all([post, comment])
        db.session.commit()
        comment_id = comment.id
    report = add_report(app, alice, comment_id=comment_id)
    admin = reader("ada@example.com")

    response = resolve(admin, report, "disable_author")

    assert ("danger", "You cannot disable your own account.") in flashes(
        admin.client.get(response.headers["Location"])
    )
    with app.app_context():
        assert db.session.get(User, ada).disabled_at is None
    assert stored_reports(app)[0][-1] is None


def test_resolving_a_report_already_resolved_changes_nothing(app, reader, reported_comment, ada):
    admin = reader("ada@example.com")
    resolve(admin, reported_comment, "dismiss")

    response = resolve(admin, reported_comment, "delete")

    assert ("info", "That report has already been resolved.") in flashes(
        admin.client.get(response.headers["Location"])
    )
    assert [report[-1] for report in stored_reports(app)] == ["dismissed", "dismissed"]


@pytest.mark.parametrize(
    "data", [{"report_id": "x", "dismiss": "y"}, {"report_id": "1"}, {"dismiss": "y"}]
)
def test_a_broken_resolve_form_is_refused_with_a_message(app, reader, reported_comment, ada, data):
    admin = reader("ada@example.com")
    before = database_snapshot(app)

    response = admin.send(QUEUE, data, page=QUEUE)

    assert response.status_code == 200
    assert "choose what to do about a report" in page_text(response)
    assert database_snapshot(app) == before


def test_the_admin_dashboard_counts_open_reports_and_links_the_queue(reader, reported_comment, ada):
    page = reader("ada@example.com").page("/admin")

    assert f'<a href="{QUEUE}">2 open reports</a>' in page


def test_a_german_admin_reads_the_queue_and_resolves_a_report_in_german(
    app, reader, ada, alices_post, carol
):
    set_profile(app, ada, language="de")
    report = add_report(app, carol, post_id=alices_post, reason="abuse")
    admin = reader("ada@example.com")

    queue = admin.page(QUEUE)
    response = resolve(admin, report, "dismiss")

    assert "<h1>Meldungen</h1>" in queue
    assert "1 offene Meldung, die älteste zuerst." in queue
    assert "Beitrag „<a href=" in queue and ">Alice's post</a>“ von <a href=" in queue
    assert "<dd>Beleidigung oder Belästigung</dd>" in queue
    assert ("success", "Meldung verworfen: Der Beitrag bleibt, wie er ist.") in flashes(
        admin.client.get(response.headers["Location"])
    )
