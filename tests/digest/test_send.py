"""`flask digest send`: one email per reader with their unread notifications since their
last digest, each linked, with one-click unsubscribe headers; nothing for an empty digest,
nothing for disabled or unconfirmed accounts, and never twice for one period however often
the command runs."""

import threading
from datetime import timedelta

import pytest
from markupsafe import escape

from flaskblog.digest import sending
from flaskblog.digest.sending import send_digests
from flaskblog.extensions import db, mail
from flaskblog.models import Block, Comment, Post, User, utcnow
from flaskblog.models.notification import COMMENT, FOLLOWER, MENTION, POST, REPLY
from tests.helpers import factories
from tests.helpers.digests import (
    add_comment,
    add_notification,
    choose_digest,
    digest_settings,
    unsubscribe_link_in,
)
from tests.helpers.factories import add_posts, make_drafts

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@pytest.fixture
def people(make_user) -> dict[str, int]:
    """alice reads digests; bob and carol do things she is told about."""
    return {name: make_user(name) for name in ("alice", "bob", "carol")}


def send(app, period: str = "daily"):
    """Run `flask digest send --period` and return (result, emails sent)."""
    with mail.record_messages() as outbox:
        result = app.test_cli_runner().invoke(args=["digest", "send", "--period", period])
    return result, outbox


def run_at(app, when, period: str = "daily"):
    """Send the digests as a run at `when` would; the emails sent."""
    with app.app_context(), mail.record_messages() as outbox:
        send_digests(period, now=when)
    return outbox


def test_a_reader_gets_one_email_with_each_unread_notification_linked(app, people):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    (her_post,) = add_posts(app, alice, 1, title="Alice's garden")
    (carols_post,) = add_posts(app, carol, 1, title="Carol's kitchen")
    comment = add_comment(app, her_post, bob)
    choose_digest(app, alice, "daily")
    add_notification(app, alice, FOLLOWER, bob)
    add_notification(app, alice, COMMENT, bob, post_id=her_post, comment_id=comment)
    add_notification(app, alice, REPLY, carol, post_id=her_post, comment_id=comment)
    add_notification(app, alice, MENTION, carol, post_id=her_post, comment_id=comment)
    add_notification(app, alice, POST, carol, post_id=carols_post)

    result, outbox = send(app)

    assert result.exit_code == 0, result.output
    assert result.stdout == "Sent 1 daily digest; 0 readers had nothing new to read.\n"
    (email,) = outbox
    assert email.recipients == ["alice@example.com"]
    assert email.subject == "Your day on flaskblog: 5 new notifications"
    base = "http://flaskblog.test"
    lines = [
        ("carol published “Carol's kitchen”", f"{base}/post/{carols_post}/carol-s-kitchen"),
        (
            "carol mentioned you in a comment on “Alice's garden”",
            f"{base}/post/{her_post}/alice-s-garden#comment-{comment}",
        ),
        (
            "carol replied to your comment on “Alice's garden”",
            f"{base}/post/{her_post}/alice-s-garden#comment-{comment}",
        ),
        (
            "bob commented on your post “Alice's garden”",
            f"{base}/post/{her_post}/alice-s-garden#comment-{comment}",
        ),
        ("bob started following you", f"{base}/user/bob"),
    ]
    assert email.body.startswith("Hello alice,")
    for text, url in lines:
        assert f"- {text}\n  {url}\n" in email.body
        assert f'<a href="{url}">{escape(text)}</a>' in email.html
    # Newest first, in both parts.
    assert email.body.index("carol published") < email.body.index("bob started following")
    assert email.html.index("carol published") < email.html.index("bob started following")


def test_every_digest_carries_the_one_click_unsubscribe_headers(app, people):
    choose_digest(app, people["alice"], "weekly")
    add_notification(app, people["alice"], FOLLOWER, people["bob"])

    result, (email,) = send(app, "weekly")

    assert result.exit_code == 0, result.output
    assert email.subject == "Your week on flaskblog: 1 new notification"
    link = unsubscribe_link_in(email.body)
    assert link.startswith("http://flaskblog.test/unsubscribe/")
    assert f'<a href="{link}">Unsubscribe</a>' in email.html
    # RFC 8058: an https URI (the same link), and the one-click POST announced.
    https_link = link.replace("http://", "https://", 1)
    assert email.extra_headers == {
        "List-Unsubscribe": f"<{https_link}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_a_mailto_address_is_offered_too_when_one_is_configured(app, people, monkeypatch):
    monkeypatch.setitem(app.config, "UNSUBSCRIBE_MAILTO", "unsubscribe@flaskblog.test")
    choose_digest(app, people["alice"], "daily")
    add_notification(app, people["alice"], FOLLOWER, people["bob"])

    _, (email,) = send(app)

    https_link = unsubscribe_link_in(email.body).replace("http://", "https://", 1)
    assert email.extra_headers["List-Unsubscribe"] == (
        f"<{https_link}>, <mailto:unsubscribe@flaskblog.test?subject=unsubscribe>"
    )


def test_titles_and_names_are_escaped_in_the_html_part(app, people):
    (post,) = add_posts(app, people["bob"], 1, title="<script>alert(1)</script> & more")
    choose_digest(app, people["alice"], "daily")
    add_notification(app, people["alice"], POST, people["bob"], post_id=post)

    _, (email,) = send(app)

    assert "<script>" not in email.html
    assert "“&lt;script&gt;alert(1)&lt;/script&gt; &amp; more”" in email.html
    assert "“<script>alert(1)</script> & more”" in email.body  # plain text stays as written


def test_nothing_is_sent_for_an_empty_digest(app, people):
    alice, bob = people["alice"], people["bob"]
    last = utcnow() - 2 * DAY
    choose_digest(app, alice, "daily", last_digest_at=last)
    # Read already, or from before the last digest: nothing new to tell.
    add_notification(app, alice, FOLLOWER, bob, read_at=utcnow())
    add_notification(app, alice, FOLLOWER, people["carol"], created_at=last - HOUR)

    result, outbox = send(app)

    assert result.exit_code == 0, result.output
    assert outbox == []
    assert result.stdout == "Sent 0 daily digests; 0 readers had nothing new to read.\n"
    assert digest_settings(app, alice) == ("daily", last)


def test_running_again_sends_nobody_a_second_digest(app, people):
    alice, bob = people["alice"], people["bob"]
    choose_digest(app, alice, "daily")
    add_notification(app, alice, FOLLOWER, bob)
    _, first = send(app)
    assert len(first) == 1
    _, sent_at = digest_settings(app, alice)
    add_notification(app, alice, FOLLOWER, people["carol"])  # something new since

    result, again = send(app)

    assert result.exit_code == 0, result.output
    assert again == []
    assert digest_settings(app, alice) == ("daily", sent_at)


def test_the_next_digest_holds_only_what_came_after_the_last(app, people):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    start = utcnow() - 3 * DAY
    choose_digest(app, alice, "daily")
    add_notification(app, alice, FOLLOWER, bob, created_at=start - HOUR)
    assert len(run_at(app, start)) == 1
    add_notification(app, alice, FOLLOWER, carol, created_at=start + HOUR)

    (email,) = run_at(app, start + DAY)

    assert "carol started following you" in email.body
    assert "bob" not in email.body
    assert digest_settings(app, alice) == ("daily", start + DAY)


def test_a_first_digest_reaches_back_one_period_only(app, people):
    alice = people["alice"]
    now = utcnow()
    choose_digest(app, alice, "daily")
    add_notification(app, alice, FOLLOWER, people["bob"], created_at=now - 2 * DAY)
    add_notification(app, alice, FOLLOWER, people["carol"], created_at=now - HOUR)

    (email,) = run_at(app, now)

    assert "carol started following you" in email.body
    assert "bob" not in email.body


@pytest.mark.parametrize(("age", "sent"), [(DAY - timedelta(seconds=1), 1), (DAY, 0)])
def test_a_first_digest_starts_exactly_one_period_back(app, people, age, sent):
    now = utcnow().replace(microsecond=0)
    choose_digest(app, people["alice"], "daily")
    add_notification(app, people["alice"], FOLLOWER, people["bob"], created_at=now - age)

    assert len(run_at(app, now)) == sent


def test_a_weekly_digest_run_every_day_goes_out_once_a_week(app, people):
    alice = people["alice"]
    start = utcnow() - 20 * DAY
    choose_digest(app, alice, "weekly", last_digest_at=start)
    sent_on = []
    for day in range(1, 15):
        # Something new every day; the scheduler starts a few minutes early or late.
        when = start + day * DAY + timedelta(minutes=(-7, 5, 0)[day % 3])
        add_notification(app, alice, FOLLOWER, people["bob"], created_at=when - HOUR)
        if run_at(app, when, "weekly"):
            sent_on.append(day)

    assert sent_on == [7, 14]


def test_each_period_sends_only_to_its_own_readers(app, people, make_user):
    readers = {"alice": "daily", "bob": "weekly", "carol": "off"}
    for name, digest in readers.items():
        choose_digest(app, people[name], digest)
        add_notification(app, people[name], FOLLOWER, make_user(f"{name}-fan"))
    make_user("dave")  # no settings row at all: the digest is off
    add_notification(app, people["alice"], FOLLOWER, people["carol"])

    _, daily = send(app, "daily")
    _, weekly = send(app, "weekly")

    assert [email.recipients for email in daily] == [["alice@example.com"]]
    assert [email.recipients for email in weekly] == [["bob@example.com"]]


def test_disabled_and_unconfirmed_readers_get_no_digest(app, make_user):
    bob = make_user("bob")
    dora = make_user("dora")
    una = make_user("una", confirmed=False)
    for reader in (dora, una):
        choose_digest(app, reader, "daily")
        add_notification(app, reader, FOLLOWER, bob)
    with app.app_context():
        db.session.get(User, dora).disable()
        db.session.commit()

    result, outbox = send(app)

    assert result.exit_code == 0, result.output
    assert outbox == []
    assert digest_settings(app, dora)[1] is None
    assert digest_settings(app, una)[1] is None


def test_disabled_actors_drafts_and_hidden_comments_are_left_out(app, people, make_user):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    mallory = make_user("mallory")
    (public,) = add_posts(app, carol, 1, title="Still public")
    (unpublished,) = add_posts(app, carol, 1, title="Taken back")
    (draft,) = make_drafts(app, carol, 1)
    (her_post,) = add_posts(app, alice, 1, title="Hers")
    hidden = add_comment(app, her_post, bob, "Hidden later")
    choose_digest(app, alice, "daily")
    add_notification(app, alice, FOLLOWER, mallory)
    add_notification(app, alice, POST, carol, post_id=public)
    add_notification(app, alice, POST, carol, post_id=unpublished)
    add_notification(app, alice, POST, carol, post_id=draft)
    add_notification(app, alice, COMMENT, bob, post_id=her_post, comment_id=hidden)
    with app.app_context():
        db.session.get(User, mallory).disable()
        db.session.get(Post, unpublished).is_published = False
        db.session.get(Comment, hidden).hide(db.session.get(User, alice))
        db.session.commit()

    _, (email,) = send(app)

    assert email.subject == "Your day on flaskblog: 1 new notification"
    assert "carol published “Still public”" in email.body
    for left_out in ("mallory", "Taken back", "Draft", "bob"):
        assert left_out not in email.body


@pytest.mark.parametrize("who_blocks", ["the reader", "the actor"])
def test_nothing_about_someone_blocked_either_way_since_is_listed(app, people, who_blocks):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    choose_digest(app, alice, "daily")
    add_notification(app, alice, FOLLOWER, bob)
    add_notification(app, alice, FOLLOWER, carol)
    with app.app_context():
        reader, actor = db.session.get(User, alice), db.session.get(User, bob)
        Block.block(*((reader, actor) if who_blocks == "the reader" else (actor, reader)))
        db.session.commit()

    _, (email,) = send(app)

    assert "carol started following you" in email.body
    assert "bob" not in email.body and "bob" not in email.html


def test_a_long_digest_lists_the_newest_and_counts_the_rest(app, people, monkeypatch):
    monkeypatch.setattr(sending, "MAX_ITEMS", 2)
    alice = people["alice"]
    choose_digest(app, alice, "daily")
    now = utcnow()
    for minutes, name in enumerate(["bob", "carol", "bob", "carol", "bob"]):
        add_notification(
            app, alice, FOLLOWER, people[name], created_at=now - timedelta(minutes=10 - minutes)
        )

    _, (email,) = send(app)

    assert email.subject == "Your day on flaskblog: 5 new notifications"
    assert email.body.count("started following you") == 2
    assert "And 3 more: http://flaskblog.test/notifications" in email.body
    assert '<a href="http://flaskblog.test/notifications">3 more</a>' in email.html


def test_a_digest_the_mail_server_refuses_is_tried_again_on_the_next_run(build_app, start_mailbox):
    mailbox = start_mailbox(refuse=True)
    app = build_app(**mailbox.settings())
    alice, bob = (factories.make_user(app, name) for name in ("alice", "bob"))
    choose_digest(app, alice, "daily")
    add_notification(app, alice, FOLLOWER, bob)

    result = app.test_cli_runner().invoke(args=["digest", "send", "--period", "daily"])

    assert result.exit_code == 1
    assert "1 digest could not be handed to the mail queue" in result.output
    assert digest_settings(app, alice) == ("daily", None)
    mailbox.refuse = False  # the server is back
    result = app.test_cli_runner().invoke(args=["digest", "send", "--period", "daily"])
    assert result.exit_code == 0, result.output
    assert [received.rcpt_tos for received in mailbox.messages] == [["alice@example.com"]]
    assert digest_settings(app, alice)[1] is not None


def test_the_command_needs_to_know_the_sites_address(app, people, monkeypatch):
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    choose_digest(app, people["alice"], "daily")
    add_notification(app, people["alice"], FOLLOWER, people["bob"])

    result, outbox = send(app)

    assert result.exit_code == 1
    assert "SERVER_NAME is not set" in result.output
    assert outbox == []


def test_the_period_must_be_daily_or_weekly(app):
    result = app.test_cli_runner().invoke(args=["digest", "send", "--period", "hourly"])

    assert result.exit_code == 2
    assert "'hourly' is not one of 'daily', 'weekly'" in result.output


def test_two_runs_at_once_send_one_digest(build_app, mailbox, monkeypatch):
    # The second run starts while the first has read the reader but not yet claimed her
    # digest; it sends and commits. The first one's claim then matches nothing.
    app = build_app(shared_sqlite=True, **mailbox.settings())
    alice, bob = (factories.make_user(app, name) for name in ("alice", "bob"))
    choose_digest(app, alice, "daily")
    add_notification(app, alice, FOLLOWER, bob)
    build_message = sending.digest_message
    started, other_run = [], []

    def meanwhile_another_run(*args, **kwargs):
        if not started:  # the first run only: the other one goes straight through
            started.append(True)
            thread = threading.Thread(target=lambda: other_run.append(run_at(app, now)))
            thread.start()
            thread.join(timeout=30)
        return build_message(*args, **kwargs)

    monkeypatch.setattr(sending, "digest_message", meanwhile_another_run)
    now = utcnow()

    run_at(app, now)

    assert [len(sent) for sent in other_run] == [1]
    assert [received.rcpt_tos for received in mailbox.messages] == [["alice@example.com"]]
    assert digest_settings(app, alice) == ("daily", now)


def test_each_reader_gets_the_digest_in_the_language_of_their_account(app, people):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    factories.set_profile(app, alice, language="es")
    (her_post,) = add_posts(app, alice, 1, title="Alice's garden")
    comment = add_comment(app, her_post, bob)
    for reader in (alice, carol):
        choose_digest(app, reader, "daily")
    add_notification(app, alice, COMMENT, bob, post_id=her_post, comment_id=comment)
    add_notification(app, alice, FOLLOWER, carol)
    add_notification(app, carol, FOLLOWER, bob)

    result, outbox = send(app)

    assert result.exit_code == 0, result.output
    emails = {email.recipients[0]: email for email in outbox}
    spanish, english = emails["alice@example.com"], emails["carol@example.com"]
    assert spanish.subject == "Tu día en flaskblog: 2 notificaciones nuevas"
    assert spanish.body.startswith("Hola, alice:\n\nEsto es lo nuevo para ti en flaskblog:")
    comment_line = "bob comentó tu entrada «Alice's garden»"
    assert f"- {comment_line}\n" in spanish.body
    assert "- carol empezó a seguirte\n" in spanish.body
    assert "Recibes este correo porque elegiste un resumen diario." in spanish.body
    assert '<html lang="es">' in spanish.html
    assert f"{escape(comment_line)}</a>" in spanish.html
    assert ">Darse de baja</a>" in spanish.html
    assert english.subject == "Your day on flaskblog: 1 new notification"
    assert english.body.startswith("Hello carol,")
    assert "- bob started following you\n" in english.body
    assert '<html lang="en">' in english.html
