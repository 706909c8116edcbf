"""Readers report posts and comments they can see, once each, never their own; a draft or
a scheduled post someone cannot see cannot be reported either."""

import pytest

from tests.helpers.factories import (
    add_posts,
    add_scheduled_post,
    log_in_unconfirmed,
    make_drafts,
    make_user,
    set_profile,
)
from tests.helpers.pages import flashes
from tests.moderation.conftest import Reader, stored_reports

SPAM = {"reason": "spam", "details": "Links to a shop."}


def test_a_reader_reports_a_post_and_an_admin_will_see_it(
    app, reader, alices_post, bob, security_log
):
    bob_reads = reader("bob@example.com")

    response = bob_reads.send(f"/post/{alices_post}/report", SPAM, page=f"/post/{alices_post}")

    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/post/{alices_post}/")
    assert stored_reports(app) == [(bob, alices_post, None, "spam", "Links to a shop.", None)]
    assert ("success", "Thank you: an admin will look at your report.") in flashes(
        bob_reads.client.get(response.headers["Location"])
    )
    [event] = [e for e in security_log() if e["event"] == "report_filed"]
    assert (event["user_id"], event["item"], event["item_id"]) == (bob, "post", alices_post)


def test_a_reader_reports_a_comment_without_details(app, reader, bobs_comment, carol):
    carol_reads = reader("carol@example.com")

    response = carol_reads.send(f"/comment/{bobs_comment}/report", {"reason": "abuse"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#comment-{bobs_comment}")
    assert stored_reports(app) == [(carol, None, bobs_comment, "abuse", None, None)]


def test_a_second_report_of_the_same_item_is_declined_politely(app, reader, alices_post, bob):
    bob_reads = reader("bob@example.com")
    bob_reads.send(f"/post/{alices_post}/report", SPAM)

    response = bob_reads.send(f"/post/{alices_post}/report", {"reason": "other"})

    assert len(stored_reports(app)) == 1
    page = bob_reads.client.get(response.headers["Location"])
    assert (
        "info",
        "You have already reported this post: an admin will look at it.",
    ) in flashes(page)


@pytest.mark.parametrize("kind", ["draft", "scheduled"])
def test_reporting_a_post_you_cannot_see_is_not_found(app, reader, alice, bob, kind):
    if kind == "draft":
        [post_id] = make_drafts(app, alice)
    else:
        post_id = add_scheduled_post(app, alice)

    response = reader("bob@example.com").send(f"/post/{post_id}/report", SPAM)

    assert response.status_code == 404
    assert stored_reports(app) == []


def test_reporting_your_own_post_or_comment_is_refused_with_a_message(
    app, reader, alices_post, bobs_comment
):
    bob_reads = reader("bob@example.com")

    response = bob_reads.send(f"/comment/{bobs_comment}/report", SPAM)

    assert ("warning", "You cannot report your own comment.") in flashes(
        bob_reads.client.get(response.headers["Location"])
    )
    alice_reads = reader("alice@example.com")
    response = alice_reads.send(f"/post/{alices_post}/report", SPAM)
    assert ("warning", "You cannot report your own post.") in flashes(
        alice_reads.client.get(response.headers["Location"])
    )
    assert stored_reports(app) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose why you are reporting it."),
        ({"reason": "boring"}, "Not a valid choice."),
        ({"reason": "other", "details": "x" * 1001}, "at most 1,000 characters"),
    ],
)
def test_a_report_without_a_known_reason_or_with_too_long_details_is_refused(
    app, reader, alices_post, bob, data, message
):
    bob_reads = reader("bob@example.com")

    response = bob_reads.send(f"/post/{alices_post}/report", data)

    assert response.status_code == 302
    shown = flashes(bob_reads.client.get(response.headers["Location"]))
    assert any(category == "danger" and message in text for category, text in shown)
    assert stored_reports(app) == []


def test_an_unconfirmed_reader_cannot_report(app, auth, forms, alices_post):
    log_in_unconfirmed(app, auth, "dave")

    response = forms.submit(f"/post/{alices_post}/report", SPAM, page="/")

    assert response.status_code == 302
    assert stored_reports(app) == []


def test_the_report_control_is_offered_to_logged_in_readers_other_than_the_author(
    reader, alices_post, bobs_comment
):
    url = f"/post/{alices_post}"
    post_form = f'action="/post/{alices_post}/report"'
    comment_form = f'action="/comment/{bobs_comment}/report"'

    bobs_view, alices_view, visitors_view = (
        reader("bob@example.com").page(url),
        reader("alice@example.com").page(url),
        reader().page(url),
    )

    assert post_form in bobs_view and comment_form not in bobs_view
    assert post_form not in alices_view and comment_form in alices_view
    assert "/report" not in visitors_view
    # A disclosure and a plain form: usable from the keyboard, no script needed.
    assert "<summary" in bobs_view and 'name="reason" value="spam"' in bobs_view


def test_reports_are_rate_limited_per_user(build_app):
    app = build_app(RATELIMIT_ENABLED=True)
    alice, bob = make_user(app, "alice"), make_user(app, "bob")
    [post_id] = add_posts(app, alice)
    bob_reads = Reader(app, "bob@example.com")

    answers = [bob_reads.send(f"/post/{post_id}/report", SPAM).status_code for _ in range(11)]

    assert answers == [302] * 10 + [429]
    assert stored_reports(app) == [(bob, post_id, None, "spam", "Links to a shop.", None)]


def test_a_spanish_reader_chooses_a_reason_and_is_thanked_in_spanish(app, reader, alices_post, bob):
    set_profile(app, bob, language="es")
    bob_reads = reader("bob@example.com")

    form = bob_reads.page(f"/post/{alices_post}")
    response = bob_reads.send(f"/post/{alices_post}/report", SPAM, page=f"/post/{alices_post}")

    assert ">Abuso o acoso</label>" in form
    assert ("success", "Gracias: un administrador revisará tu denuncia.") in flashes(
        bob_reads.client.get(response.headers["Location"])
    )
