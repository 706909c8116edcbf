"""Private messages: sending, the conversations newest first, unread counts in the header,
opening a conversation to read it, and every refusal (yourself, a missing or disabled user,
a block either way, bad input, an unconfirmed address, too many at once)."""

import re

import pytest

from flaskblog.extensions import db
from flaskblog.messages.routes import CONVERSATIONS_PER_PAGE, MESSAGES_PER_PAGE
from flaskblog.models import ConversationMember, Message, User
from flaskblog.models.message import count_unread_messages
from tests.helpers.factories import add_block, log_in_unconfirmed, send_messages, set_profile
from tests.helpers.pages import AuthActions, Forms, field_errors, flashes, page_text
from tests.helpers.queries import postgresql_plan, sqlite_plan, statements_run


@pytest.fixture
def bob(make_user) -> int:
    return make_user("bob")


def send(forms, username: str, body: str = "Hello there"):
    return forms.submit(f"/messages/{username}", {"body": body}, page="/messages")


def stored_messages(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [
            tuple(row) for row in db.session.execute(db.select(Message.sender_id, Message.body))
        ]


def header_count(response) -> int:
    """The unread count beside "Messages" in the header (0 when none is shown)."""
    found = re.search(
        r'class="nav__count">(\d+)<span class="visually-hidden"> unread', page_text(response)
    )
    return int(found.group(1)) if found else 0


def as_user(app, username: str):
    """A second browser, logged in as `username`."""
    client = app.test_client()
    auth = AuthActions(client, Forms(client))
    assert auth.login(f"{username}@example.com").status_code == 302
    return client


def test_a_message_reaches_the_other_reader_unread_and_reading_it_marks_it_read(
    app, logged_in_alice, bob, forms, client
):
    response = send(forms, "bob", "Hi Bob,\nhow are you?")

    assert response.status_code == 302
    assert response.location == "/messages/bob"
    assert flashes(client.get(response.location)) == [
        ("success", "Your message to bob has been sent.")
    ]
    assert stored_messages(app) == [(logged_in_alice, "Hi Bob,\nhow are you?")]
    bobs = as_user(app, "bob")
    listing = bobs.get("/messages")
    assert header_count(listing) == 1
    assert "1 unread" in page_text(listing) and "conversation--unread" in page_text(listing)

    opened = bobs.get("/messages/alice")

    assert "Hi Bob,<br>\nhow are you?" in page_text(opened)
    assert "message--new" in page_text(opened)
    assert header_count(opened) == 0
    again = page_text(bobs.get("/messages/alice"))
    assert "message--new" not in again
    assert "unread" not in page_text(bobs.get("/messages"))
    # The sender's own message is never unread for them.
    assert header_count(client.get("/messages")) == 0


def test_conversations_are_listed_newest_first_and_paginated(app, make_user, alice, auth, client):
    others = [make_user(f"reader{n:02}") for n in range(CONVERSATIONS_PER_PAGE + 1)]
    for other in others:
        send_messages(app, other, alice, 1, body="From {n}")
    auth.login()

    first, second = page_text(client.get("/messages")), page_text(client.get("/messages?page=2"))

    listed = re.findall(r'class="conversation__with" href="/messages/(\w+)"', first)
    assert listed[0] == f"reader{CONVERSATIONS_PER_PAGE:02}"  # the newest
    assert len(listed) == CONVERSATIONS_PER_PAGE
    assert re.findall(r'class="conversation__with" href="/messages/(\w+)"', second) == ["reader00"]
    assert client.get("/messages?page=3").status_code == 404
    # An answer moves a conversation to the top.
    send_messages(app, alice, others[0])
    top = re.search(
        r'class="conversation__with" href="/messages/(\w+)"', page_text(client.get("/messages"))
    )
    assert top.group(1) == "reader00"


def test_a_conversation_is_paginated_newest_first(app, logged_in_alice, bob, client):
    send_messages(app, bob, logged_in_alice, MESSAGES_PER_PAGE + 2)

    first = page_text(client.get("/messages/bob"))
    second = page_text(client.get("/messages/bob?page=2"))

    assert f"Message {MESSAGES_PER_PAGE + 2}" in first and "Message 3<" in first
    assert first.index(f"Message {MESSAGES_PER_PAGE + 2}") < first.index(
        f"Message {MESSAGES_PER_PAGE + 1}<"
    )
    assert "Message 2<" in second and "Message 1<" in second and "Message 3<" not in second
    assert client.get("/messages/bob?page=3").status_code == 404
    assert client.get("/messages/bob?page=x").status_code == 404


def test_a_conversation_is_private_to_its_two_readers(app, logged_in_alice, bob, make_user, client):
    make_user("carol")
    send_messages(app, bob, logged_in_alice, 1, body="Just for alice")

    carols = as_user(app, "carol")

    assert "Just for alice" not in page_text(carols.get("/messages"))
    assert "Just for alice" not in page_text(carols.get("/messages/bob"))
    assert "Just for alice" not in page_text(carols.get("/messages/alice"))
    assert "Just for alice" in page_text(client.get("/messages/bob"))


def test_messaging_yourself_is_refused(app, logged_in_alice, forms, client):
    response = send(forms, "alice")

    assert response.status_code == 302
    assert flashes(client.get(response.location)) == [
        ("warning", "You cannot send a message to yourself.")
    ]
    assert stored_messages(app) == []


def test_messaging_a_missing_user_is_a_404(app, logged_in_alice, forms, client):
    assert client.get("/messages/nobody").status_code == 404
    assert send(forms, "nobody").status_code == 404
    assert client.get("/messages/" + "x" * 300).status_code == 404
    assert stored_messages(app) == []


def test_messaging_a_disabled_user_is_refused_and_nothing_is_saved(
    app, logged_in_alice, bob, forms, client
):
    with app.app_context():
        db.session.get(User, bob).disable()
        db.session.commit()

    response = send(forms, "bob")

    assert response.status_code == 403
    assert "bob's account is disabled: it cannot receive messages." in page_text(response)
    assert stored_messages(app) == []
    assert 'name="body"' not in page_text(client.get("/messages/bob"))


def test_messaging_someone_who_blocked_you_is_refused_and_nothing_is_saved(
    app, logged_in_alice, bob, forms, client
):
    send_messages(app, logged_in_alice, bob, 1, body="Before the block")
    add_block(app, bob, logged_in_alice)

    response = send(forms, "bob", "After the block")

    assert response.status_code == 403
    assert "bob has blocked you: your message was not sent." in page_text(response)
    assert stored_messages(app) == [(logged_in_alice, "Before the block")]
    with app.app_context():
        assert count_unread_messages(db.session.get(User, bob)) == 1
    page = page_text(client.get("/messages/bob"))
    assert "Before the block" in page and 'name="body"' not in page


def test_messaging_someone_you_blocked_is_refused_until_you_unblock_them(
    app, logged_in_alice, bob, forms, client
):
    add_block(app, logged_in_alice, bob)

    response = send(forms, "bob")

    assert response.status_code == 403
    assert "You have blocked bob: unblock them to send a message." in page_text(response)
    assert stored_messages(app) == []
    forms.submit("/user/bob/unblock", page="/messages")
    assert send(forms, "bob").status_code == 302
    assert len(stored_messages(app)) == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write something before sending."),
        ("  \r\n ", "Write something before sending."),
        (
            "x" * (Message.MAX_LENGTH + 1),
            f"Messages can be at most {Message.MAX_LENGTH:,} characters long.",
        ),
    ],
)
def test_an_empty_or_too_long_message_is_refused_with_a_message(
    app, logged_in_alice, bob, forms, body, error
):
    response = send(forms, "bob", body)

    assert response.status_code == 200
    assert field_errors(response, "body") == [error]
    assert stored_messages(app) == []


def test_the_longest_message_allowed_is_kept_whole(app, logged_in_alice, bob, forms):
    body = "é" * Message.MAX_LENGTH

    assert send(forms, "bob", body).status_code == 302
    assert stored_messages(app) == [(logged_in_alice, body)]


def test_a_message_is_shown_as_text_never_as_html(app, logged_in_alice, bob, forms, client):
    send(forms, "bob", "<script>alert(1)</script>")

    html = client.get("/messages/bob").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_messages_need_a_login_a_confirmed_address_and_a_csrf_token(
    app, alice, bob, auth, client, forms
):
    assert "/login" in client.get("/messages").location
    assert "/login" in client.get("/messages/bob").location
    auth.login()
    assert client.post("/messages/bob", data={"body": "No token"}).status_code == 400
    assert stored_messages(app) == []

    other = app.test_client()
    log_in_unconfirmed(app, AuthActions(other, Forms(other)), "carol")
    refused = other.get("/messages/bob")
    assert refused.status_code == 302
    assert "confirm your email address" in flashes(other.get(refused.location))[0][1]


def test_the_eleventh_message_a_minute_is_refused(build_app, make_user):
    app = build_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    from tests.helpers import factories

    factories.make_user(app, "alice")
    factories.make_user(app, "bob")
    client = app.test_client()
    forms = Forms(client)
    AuthActions(client, forms).login()
    for n in range(10):
        assert send(forms, "bob", f"Hi {n}").status_code == 302, f"message {n + 1} was refused"

    refused = send(forms, "bob", "Hi 10")

    assert refused.status_code == 429
    assert client.get("/messages/bob").status_code == 200  # reading costs nothing
    assert len(stored_messages(app)) == 10


def test_the_unread_count_is_one_query(app, logged_in_alice, bob, make_user):
    carol = make_user("carol")
    send_messages(app, bob, logged_in_alice, 3)
    send_messages(app, carol, logged_in_alice, 2)

    with app.app_context():
        alice = db.session.get(User, logged_in_alice)
        with statements_run(app) as statements:
            unread = count_unread_messages(alice)

    assert unread == 5
    assert len(statements) == 1


def test_first_messages_sent_both_ways_share_one_conversation(app, alice, bob):
    send_messages(app, alice, bob)
    send_messages(app, bob, alice)

    with app.app_context():
        members = db.session.scalars(db.select(ConversationMember)).all()
        assert {m.conversation_id for m in members} == {members[0].conversation_id}
        assert {(m.user_id, m.other_id, m.unread_count) for m in members} == {
            (alice, bob, 1),
            (bob, alice, 1),
        }


def conversations_statement(app, client):
    with statements_run(app, with_parameters=True) as captured:
        assert client.get("/messages").status_code == 200
    return next(
        (sql, p) for sql, p in captured if "conversation_members" in sql and "ORDER BY" in sql
    )


def test_the_conversations_are_read_in_order_from_an_index(app, logged_in_alice, make_user, client):
    for n in range(5):
        send_messages(app, make_user(f"reader{n}"), logged_in_alice)
    sql, params = conversations_statement(app, client)
    with app.app_context():
        dialect = db.engine.dialect.name
    if dialect == "sqlite":
        plan = [detail for _, _, detail in sqlite_plan(app, sql, params)]
        assert any("ix_conversation_members_user_last" in line for line in plan), plan
        assert not any("TEMP B-TREE FOR ORDER BY" in line for line in plan), plan
    else:
        plan = postgresql_plan(app, sql, params)
        assert "Seq Scan on conversation_members" not in plan, plan
        assert "Sort" not in plan.split("SubPlan")[0], plan


def test_the_header_count_comes_with_the_login_and_costs_no_query_of_its_own(
    app, logged_in_alice, bob, client, count_queries
):
    client.get("/about")
    with count_queries() as quiet:
        assert header_count(client.get("/about")) == 0
    send_messages(app, bob, logged_in_alice, 2)

    with count_queries() as statements:
        response = client.get("/about")

    assert header_count(response) == 2
    assert len(statements) == len(quiet)
    counting = [sql for sql in statements if "conversation_members" in sql]
    assert len(counting) == 1 and "FROM sessions" in counting[0]


def test_deleting_an_account_takes_its_conversations_and_blocks_with_it(app, alice, bob):
    from flaskblog.models import Block

    send_messages(app, alice, bob, 2)
    send_messages(app, bob, alice, 1)
    add_block(app, bob, alice)

    with app.app_context():
        db.session.delete(db.session.get(User, alice))
        db.session.commit()
        assert db.session.scalars(db.select(ConversationMember)).all() == []
        assert db.session.scalars(db.select(Block)).all() == []
        assert count_unread_messages(db.session.get(User, bob)) == 0
        # The conversation goes whole: nothing of it is left for anyone to read.
        assert db.session.scalars(db.select(Message)).all() == []


def test_a_first_message_racing_another_joins_the_conversation_the_other_made(
    app, alice, bob, monkeypatch
):
    from flaskblog.models.message import send_message

    send_messages(app, bob, alice, 1, body="Bob was first")
    real_of = ConversationMember.of.__func__
    calls = []

    def late_of(cls, user, other):
        # The first look sees no conversation yet, as when bob's commit lands just after.
        calls.append(user.id)
        return None if len(calls) == 1 else real_of(cls, user, other)

    monkeypatch.setattr(ConversationMember, "of", classmethod(late_of))
    with app.app_context():
        send_message(db.session.get(User, alice), db.session.get(User, bob), "Alice too")
        db.session.commit()
        conversations = {m.conversation_id for m in db.session.scalars(db.select(Message))}
        assert len(conversations) == 1
        members = db.session.scalars(db.select(ConversationMember)).all()
        assert sorted((m.user_id, m.unread_count) for m in members) == sorted(
            [(alice, 1), (bob, 1)]
        )


def test_a_german_reader_is_told_the_limit_as_germans_write_numbers(
    app, logged_in_alice, bob, forms
):
    set_profile(app, logged_in_alice, language="de")

    refused = send(forms, "bob", "x" * (Message.MAX_LENGTH + 1))
    sent = send(forms, "bob")

    assert field_errors(refused, "body") == [
        "Nachrichten dürfen höchstens 5.000 Zeichen lang sein."
    ]
    assert ("success", "Deine Nachricht an bob wurde gesendet.") in flashes(
        forms.client.get(sent.headers["Location"])
    )
