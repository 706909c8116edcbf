"""Account emails off the request path: queued in Redis and delivered by a real RQ worker
to a real SMTP server, or sent from a thread; retried when the server fails; and a dead or
stalled mail server never slows a page, only shows up in the log."""

import socket
import time
import uuid

import pytest
import redis
from aiosmtpd.controller import Controller
from rq import Queue
from rq.registry import FailedJobRegistry

from config import CannotStart, Config
from flaskblog.mailqueue import MessageWithUrlHeaders, drain, make_worker, rq_queue
from flaskblog.models.notification import FOLLOWER
from tests.helpers import factories
from tests.helpers.digests import add_notification, choose_digest, digest_settings
from tests.helpers.mail import Mailbox
from tests.helpers.pages import AuthActions, Forms, csrf_token_from, flashes
from tests.helpers.services import REDIS_URL, free_port, require_redis

RESET_SENT = "If an account uses that email, we have sent it a link to reset the password."
COULD_NOT_SEND = "Could not send the password reset email to user"
# Generous: the page only hands the email over, while the mail server stalls for seconds.
FAST = 1.0


@pytest.fixture
def queue_name():
    """An RQ queue in Redis for this test alone, emptied and deleted afterwards."""
    require_redis()
    name = f"flaskblog-test-mail-{uuid.uuid4().hex}"
    yield name
    with redis.Redis.from_url(REDIS_URL) as server:
        queue = Queue(name, connection=server)
        failed = FailedJobRegistry(queue=queue)
        for job_id in failed.get_job_ids():
            failed.remove(job_id, delete_job=True)
        queue.delete(delete_jobs=True)
        leftovers = list(server.scan_iter(f"rq:*{name}*"))  # RQ's registries for the queue
        if leftovers:
            server.delete(*leftovers)


@pytest.fixture
def stalled_smtp_port():
    """A port whose server accepts connections (the kernel completes the handshake) and
    then never says a word, like a mail server that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


def mail_server_at(port: int, **more) -> dict:
    """Settings that really send mail, to a server on this local port."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_SUPPRESS_SEND": False, **more}


def rq_settings(queue_name: str, port: int, **more) -> dict:
    return {
        "MAIL_QUEUE": "rq",
        "REDIS_URL": REDIS_URL,
        "MAIL_QUEUE_NAME": queue_name,
        **mail_server_at(port, MAIL_TIMEOUT=1.5),
        **more,
    }


def ask_for_reset(app, email="alice@example.com") -> tuple:
    """Ask for a reset link as a visitor; (response, seconds the POST took)."""
    forms = Forms(app.test_client())
    started = time.perf_counter()
    response = forms.submit("/reset_password", {"email": email}, follow_redirects=True)
    return response, time.perf_counter() - started


def run_worker(app, **options) -> None:
    """A real RQ worker on the app's mail queue, in this process, until the queue is empty."""
    with app.app_context():
        make_worker(app).work(burst=True, **options)


def failed_job_ids(app) -> list[str]:
    return FailedJobRegistry(queue=rq_queue(app)).get_job_ids()


# --- RQ ---------------------------------------------------------------------------------------


def test_rq_worker_delivers_the_queued_reset_email(build_app, mailbox, queue_name):
    app = build_app(**rq_settings(queue_name, mailbox.port))
    factories.make_user(app, "alice")

    response, seconds = ask_for_reset(app)

    assert seconds < FAST
    assert ("info", RESET_SENT) in flashes(response)
    assert mailbox.messages == []  # queued, not sent during the request
    assert rq_queue(app).count == 1
    job = rq_queue(app).jobs[0]
    assert "alice@example.com" not in job.description  # Redis keeps no address in clear
    assert job.description == "password reset email to user 1"

    run_worker(app)

    mail = mailbox.only_message()
    assert mail.rcpt_tos == ["alice@example.com"]
    assert mail.message["Subject"] == "Reset your flaskblog password"
    form = app.test_client().get(mail.reset_link.split("flaskblog.test", 1)[1])
    assert 'name="confirm_password"' in form.get_data(as_text=True)
    assert rq_queue(app).count == 0


def test_a_failed_delivery_is_retried_until_the_server_is_back(build_app, queue_name, caplog):
    port = free_port()  # nothing listens there yet
    app = build_app(**rq_settings(queue_name, port, MAIL_RETRY_INTERVALS=[0, 0]))
    alice = factories.make_user(app)
    ask_for_reset(app)

    run_worker(app, max_jobs=1)  # the first attempt: connection refused

    assert [r.getMessage() for r in caplog.records if COULD_NOT_SEND in r.getMessage()] == [
        f"{COULD_NOT_SEND} {alice}"
    ]
    [job] = rq_queue(app).jobs  # back in the queue for another try
    assert job.retries_left == 1
    box = Mailbox(port=port)
    server = Controller(box, hostname="127.0.0.1", port=port)
    server.start()
    try:
        run_worker(app)
    finally:
        server.stop()

    assert box.only_message().rcpt_tos == ["alice@example.com"]
    assert rq_queue(app).count == 0
    assert failed_job_ids(app) == []
    assert not rq_queue(app).connection.exists(f"rq:job:{job.id}")  # the email is not kept


def test_after_the_last_retry_the_job_is_kept_as_failed(build_app, queue_name, caplog):
    app = build_app(**rq_settings(queue_name, free_port(), MAIL_RETRY_INTERVALS=[0, 0]))
    factories.make_user(app)
    ask_for_reset(app)

    run_worker(app)

    attempts = [r for r in caplog.records if COULD_NOT_SEND in r.getMessage()]
    assert len(attempts) == 3  # the first try and two retries
    assert all(r.exc_info for r in attempts)  # each with its traceback
    assert len(failed_job_ids(app)) == 1
    assert rq_queue(app).count == 0


def test_retries_wait_longer_each_time_by_default(build_app, queue_name):
    app = build_app(**rq_settings(queue_name, free_port(), MAIL_RETRY_INTERVALS=[30, 120, 600]))
    factories.make_user(app)
    ask_for_reset(app)

    [job] = rq_queue(app).jobs

    assert (job.retries_left, job.retry_intervals) == (3, [30, 120, 600])


def test_a_stalled_mail_server_does_not_slow_the_page_with_rq(
    build_app, queue_name, stalled_smtp_port, caplog
):
    app = build_app(**rq_settings(queue_name, stalled_smtp_port, MAIL_RETRY_INTERVALS=[]))
    factories.make_user(app)

    response, seconds = ask_for_reset(app)

    assert seconds < FAST
    assert ("info", RESET_SENT) in flashes(response)
    started = time.perf_counter()
    run_worker(app)
    assert 1.4 < time.perf_counter() - started < 10  # MAIL_TIMEOUT (1.5 s) ended the wait
    [failure] = [r for r in caplog.records if COULD_NOT_SEND in r.getMessage()]
    assert "TimeoutError" in failure.exc_text or "timed out" in failure.exc_text


def test_when_redis_is_down_the_page_says_the_email_was_not_sent(build_app, caplog):
    app = build_app(
        MAIL_QUEUE="rq", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0", MAIL_QUEUE_NAME="mail"
    )
    client = app.test_client()
    factories.log_in_unconfirmed(app, AuthActions(client, Forms(client)))
    token = csrf_token_from(client.get("/"))

    started = time.perf_counter()
    client.post("/confirm/resend", data={"csrf_token": token})
    seconds = time.perf_counter() - started

    assert seconds < FAST + 2  # the Redis connect timeout bounds even this
    assert (
        "warning",
        "The confirmation email could not be sent. Please try again later.",
    ) in flashes(client.get("/"))
    assert "Could not queue the confirmation email to user 1" in caplog.text


# --- The thread ------------------------------------------------------------------------------


def test_thread_mode_delivers_after_the_page_has_answered(build_app, mailbox):
    app = build_app(MAIL_QUEUE="thread", **mailbox.settings())
    factories.make_user(app)

    response, seconds = ask_for_reset(app)
    drain(app)

    assert seconds < FAST
    assert ("info", RESET_SENT) in flashes(response)
    assert mailbox.only_message().rcpt_tos == ["alice@example.com"]


def test_a_stalled_mail_server_does_not_slow_the_page_with_a_thread(
    build_app, stalled_smtp_port, caplog
):
    app = build_app(MAIL_QUEUE="thread", **mail_server_at(stalled_smtp_port, MAIL_TIMEOUT=1.5))
    factories.make_user(app)

    response, seconds = ask_for_reset(app)
    assert seconds < FAST
    assert ("info", RESET_SENT) in flashes(response)

    drain(app)
    [failure] = [r for r in caplog.records if COULD_NOT_SEND in r.getMessage()]
    assert failure.exc_info is not None


def test_a_dead_mail_server_does_not_break_the_page_with_a_thread(build_app, caplog):
    app = build_app(MAIL_QUEUE="thread", **mail_server_at(free_port()))
    factories.make_user(app)

    response, seconds = ask_for_reset(app)
    drain(app)

    assert seconds < FAST
    assert response.status_code == 200
    assert ("info", RESET_SENT) in flashes(response)
    assert "ConnectionRefusedError" in caplog.text
    assert f"{COULD_NOT_SEND} 1" in caplog.text


# --- Immediate (the tests' own mode) and the timeout ------------------------------------------


def test_immediate_sending_gives_up_after_the_mail_timeout(build_app, stalled_smtp_port, caplog):
    app = build_app(MAIL_QUEUE="immediate", **mail_server_at(stalled_smtp_port, MAIL_TIMEOUT=1))
    factories.make_user(app)

    response, seconds = ask_for_reset(app)

    assert 0.9 < seconds < 5  # without a timeout this would hang for good
    assert response.status_code == 200
    assert f"{COULD_NOT_SEND} 1" in caplog.text


# --- The worker command and the settings --------------------------------------------------------


def test_flask_mail_worker_delivers_the_queue(build_app, mailbox, queue_name):
    app = build_app(**rq_settings(queue_name, mailbox.port))
    factories.make_user(app)
    ask_for_reset(app)

    result = app.test_cli_runner().invoke(args=["mail-worker", "--burst"])

    assert result.exit_code == 0, result.output
    assert mailbox.only_message().message["Subject"] == "Reset your flaskblog password"


def test_flask_mail_worker_explains_that_it_is_not_needed_without_rq(build_app):
    app = build_app(MAIL_QUEUE="thread")

    result = app.test_cli_runner().invoke(args=["mail-worker", "--burst"])

    assert result.exit_code == 1
    assert "nothing for a worker to do" in result.output


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"MAIL_QUEUE": "pigeon"}, "MAIL_QUEUE must be one of rq, thread, immediate"),
        ({"MAIL_QUEUE": "rq", "REDIS_URL": None}, "MAIL_QUEUE=rq needs REDIS_URL"),
    ],
)
def test_a_mail_queue_that_cannot_work_stops_the_app(build_app, settings, message):
    with pytest.raises(CannotStart, match=message):
        build_app(**settings)


def test_the_queue_is_rq_whenever_redis_is_configured(monkeypatch):
    monkeypatch.delenv("MAIL_QUEUE", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://redis.example:6379/0")
    assert Config().MAIL_QUEUE == "rq"
    monkeypatch.delenv("REDIS_URL")
    assert Config().MAIL_QUEUE == "thread"


def test_a_refused_recipient_is_logged_and_kept_without_the_address(
    build_app, start_mailbox, queue_name, caplog
):
    refusing = start_mailbox(refuse=True)
    app = build_app(**rq_settings(queue_name, refusing.port, MAIL_RETRY_INTERVALS=[]))
    factories.make_user(app)
    ask_for_reset(app)

    run_worker(app)

    [failure] = [r for r in caplog.records if COULD_NOT_SEND in r.getMessage()]
    assert "refused the recipient (SMTP [550])" in failure.exc_text
    [job_id] = failed_job_ids(app)
    stored = rq_queue(app).fetch_job(job_id).latest_result().exc_string
    assert "DeliveryFailed: the mail server refused the recipient" in stored
    assert "alice@example.com" not in stored
    assert "alice@example.com" not in caplog.text


# --- Commands -----------------------------------------------------------------------------------


def a_reader_due_a_digest(app) -> int:
    alice, bob = factories.make_user(app, "alice"), factories.make_user(app, "bob")
    choose_digest(app, alice, "daily")
    add_notification(app, alice, FOLLOWER, bob)
    return alice


def send_daily_digests(app):
    return app.test_cli_runner().invoke(args=["digest", "send", "--period", "daily"])


def test_the_rq_worker_delivers_a_digest_with_its_unsubscribe_headers(
    build_app, mailbox, queue_name
):
    app = build_app(**rq_settings(queue_name, mailbox.port))
    alice = a_reader_due_a_digest(app)

    result = send_daily_digests(app)

    assert result.exit_code == 0, result.output
    assert mailbox.messages == []  # queued for the worker
    assert rq_queue(app).jobs[0].description == f"daily digest email to user {alice}"
    run_worker(app)
    message = mailbox.only_message().message
    assert message["List-Unsubscribe"].startswith("<https://flaskblog.test/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_command_in_thread_mode_sends_before_it_ends_and_knows_if_it_failed(
    build_app, start_mailbox
):
    # A thread would be cut short when the command's process exits (a one-off dyno), and
    # would never say the mail server refused: the command sends itself and waits.
    mailbox = start_mailbox(refuse=True)
    app = build_app(MAIL_QUEUE="thread", **mailbox.settings())
    alice = a_reader_due_a_digest(app)

    refused = send_daily_digests(app)

    assert refused.exit_code == 1
    assert digest_settings(app, alice)[1] is None  # tried again next run
    mailbox.refuse = False
    assert send_daily_digests(app).exit_code == 0
    assert len(mailbox.messages) == 1  # already there when the command returned


def test_a_list_unsubscribe_url_longer_than_a_line_is_sent_as_written(app):
    # Python's SMTP policy would make it RFC 2047 encoded words, which mail clients do not
    # decode in that header: the one-click unsubscribe would break. Other headers still fold.
    url = "<https://flaskblog.test/unsubscribe/" + "a" * 150 + ">"
    with app.app_context():
        message = MessageWithUrlHeaders(
            "word " * 30,
            recipients=["alice@example.com"],
            body="Hello",
            extra_headers={"List-Unsubscribe": url},
        )
        lines = message.as_bytes().split(b"\r\n")

    assert f"List-Unsubscribe: {url}".encode() in lines
    assert all(len(line) <= 78 for line in lines if not line.startswith(b"List-Unsubscribe"))
