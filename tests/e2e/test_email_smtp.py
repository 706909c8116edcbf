"""Password reset by email, end to end: the live server sends real SMTP to a local
aiosmtpd server, and the link in the received message is followed over HTTP."""

from tests.helpers.factories import PASSWORD

RESET_SENT = "If an account uses that email, we have sent it a link to reset the password."
NEW_PASSWORD = "a brand new passphrase"


def request_reset(visitor, email):
    return visitor.submit("/reset_password", {"email": email})


def log_in(visitor, email, password):
    return visitor.submit("/login", {"email": email, "password": password})


def is_logged_in(page) -> bool:
    return ">Log out</button>" in page.text


def test_reset_link_arrives_over_smtp_and_sets_a_new_password(
    make_user, visitor, new_visitor, mailbox, server
):
    make_user("alice")

    answer = request_reset(visitor, "Alice@Example.com")
    assert answer.status == 200
    assert answer.path == "/login"
    assert answer.flashes == [RESET_SENT]

    mail = mailbox.only_message()
    assert mail.rcpt_tos == ["alice@example.com"]
    assert mail.message["To"] == "alice@example.com"
    assert mail.message["Subject"] == "Reset your flaskblog password"
    assert mail.text.startswith("Hello alice,")
    link = mail.reset_link
    assert link.startswith(f"{server.url}/reset_password/")

    form = visitor.get(link)
    assert form.status == 200
    assert "Choose a new password" in form.text
    done = visitor.submit(
        link, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}, page=form
    )
    assert done.path == "/login"
    assert done.flashes == [
        "Your password has been updated: every login and API token has ended, and links we "
        "emailed before (a pending change of address too) are cancelled. You can now log in."
    ]

    old = log_in(new_visitor(), "alice@example.com", PASSWORD)
    assert old.path == "/login"
    assert not is_logged_in(old)
    home = log_in(visitor, "alice@example.com", NEW_PASSWORD)
    assert home.path in {"/", "/home"}
    assert is_logged_in(home)


def test_reset_link_from_the_email_works_only_once(make_user, visitor, new_visitor, mailbox):
    make_user("alice")
    request_reset(visitor, "alice@example.com")
    link = mailbox.only_message().reset_link
    visitor.submit(link, {"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})

    again = new_visitor().get(link)

    assert again.path == "/reset_password"
    assert again.flashes == [
        "That reset link is invalid, expired or already used. Please ask for a new one."
    ]
    assert 'name="confirm_password"' not in again.text
    assert is_logged_in(log_in(visitor, "alice@example.com", NEW_PASSWORD))


def test_unknown_email_gets_the_same_answer_and_no_message(make_user, new_visitor, mailbox):
    make_user("alice")

    known = request_reset(new_visitor(), "alice@example.com")
    assert len(mailbox.messages) == 1
    unknown = request_reset(new_visitor(), "nobody@example.com")

    assert len(mailbox.messages) == 1
    assert (unknown.status, unknown.path, unknown.flashes) == (
        known.status,
        known.path,
        known.flashes,
    )
    assert unknown.flashes == [RESET_SENT]
