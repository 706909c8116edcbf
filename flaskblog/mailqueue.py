"""Account emails, and other work a page should not wait for, off the request path.

A page that sends an email only hands it over here; MAIL_QUEUE decides who delivers it:
"rq" queues it in Redis for `flask mail-worker` (retried with backoff), "thread" gives it to a
thread of this process, "immediate" sends it before answering (the tests). Either way a slow
or dead mail server costs the page nothing but the hand-over. run_later() hands over other
work the same way (telling an author's followers of a new post: flaskblog.announcements).
"""

import contextlib
import logging
import smtplib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.policy import EmailPolicy

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from flask_mail import Message

from config import CannotStart
from flaskblog.breaker import breaker_for, guarded, redis_timeouts
from flaskblog.extensions import mail
from flaskblog.instruments import MAIL_FAILURES, MAIL_THREAD_WAITING
from flaskblog.logs import current_request_id

MODES = ("rq", "thread", "immediate")
# Seconds a job that failed every retry stays in RQ's failed registry for an operator to see.
FAILED_JOB_TTL = 24 * 60 * 60

mail_log = logging.getLogger("flaskblog.mail")


def init_app(app: Flask) -> None:
    """Check MAIL_QUEUE and add the `flask mail-worker` command."""
    mode = app.config["MAIL_QUEUE"]
    if mode not in MODES:
        raise CannotStart(f"MAIL_QUEUE must be one of {', '.join(MODES)}, not {mode!r}.")
    if mode == "rq" and not app.config.get("REDIS_URL"):
        raise CannotStart("MAIL_QUEUE=rq needs REDIS_URL (or use MAIL_QUEUE=thread).")
    app.extensions["mail_queue"] = {}
    app.cli.add_command(mail_worker)


def send_later(message: Message, what: str, user_id: int, *, mode: str | None = None) -> bool:
    """Hand `message` to the configured delivery (or to `mode`); False (logged) if it could
    not be sent ("immediate") or could not be queued ("rq" with Redis unreachable)."""
    mode = mode or current_app.config["MAIL_QUEUE"]
    payload = message_to_dict(message)
    request_id = current_request_id()
    if mode == "immediate":
        try:
            deliver(payload, what, user_id, request_id)
        except OSError:  # smtplib's errors, refused and dropped connections, DNS failures
            return False
        return True
    if mode == "thread":
        app = current_app._get_current_object()
        MAIL_THREAD_WAITING.inc()
        thread_pool(app).submit(deliver_in_thread, app, payload, what, user_id, request_id)
        return True
    return enqueue(payload, what, user_id, request_id)


def send_from_command(message: Message, what: str, user_id: int) -> bool:
    """send_later for a command (`flask digest send`): queued with "rq", else sent before
    it returns, so that no email waits in a thread the command's exit would cut short, and
    the command learns whether it went out."""
    mode = "rq" if current_app.config["MAIL_QUEUE"] == "rq" else "immediate"
    return send_later(message, what, user_id, mode=mode)


def message_to_dict(message: Message) -> dict:
    """What a worker needs to rebuild the message: plain data that RQ can store."""
    return {
        "subject": message.subject,
        "recipients": list(message.recipients),
        "body": message.body,
        "html": message.html,
        "sender": message.sender,
        "extra_headers": dict(message.extra_headers or {}),
    }


# Headers whose value is URLs in angle brackets (RFC 2369), sent on one line as written.
UNFOLDED_HEADERS = frozenset({"list-unsubscribe"})


class KeepUrlHeaders(EmailPolicy):
    """Flask-Mail's SMTP policy, except that it never refolds UNFOLDED_HEADERS: a URL longer
    than a line would become RFC 2047 encoded words, which mail clients do not decode there,
    and the one-click unsubscribe would not work. RFC 5322 allows 998 characters a line."""

    def _fold(self, name, value, refold_binary=False):
        if name.lower() in UNFOLDED_HEADERS and value.isascii() and len(value.splitlines()) == 1:
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, refold_binary)


SMTP_POLICY = KeepUrlHeaders(linesep="\r\n")


class MessageWithUrlHeaders(Message):
    """A Flask-Mail message written with KeepUrlHeaders."""

    def _message(self):
        message = super()._message()
        message.policy = SMTP_POLICY
        return message


class DeliveryFailed(OSError):
    """A delivery failure told without the addresses smtplib puts in its error messages."""


def deliver(payload: dict, what: str, user_id: int, request_id: str | None = None) -> None:
    """Send one email now (inside an app context); log and raise if the server fails."""
    try:
        mail.send(MessageWithUrlHeaders(**payload))
    except OSError as error:
        MAIL_FAILURES.labels("delivery").inc()
        failure = without_addresses(error)
        mail_log.error(
            "Could not send the %s email to user %s",
            what,
            user_id,
            exc_info=failure,
            extra={"request_id": request_id},
        )
        if failure is error:
            raise
        raise failure from None  # RQ stores the traceback: not the one with the address
    mail_log.info("Sent the %s email to user %s", what, user_id, extra={"request_id": request_id})


def without_addresses(error: OSError) -> OSError:
    """`error`, or a stand-in when its message names the recipients (a refused RCPT)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return DeliveryFailed(f"the mail server refused the recipient (SMTP {codes})")
    return error


def run_later(job, *args, what: str) -> bool:
    """Run `job(*args)` (a module-level function that works inside an app context) off the
    request, as MAIL_QUEUE says; False (logged) if it could not be queued. A failing job is
    logged, and under "rq" retried like an email."""
    mode = current_app.config["MAIL_QUEUE"]
    if mode == "immediate":
        run_logged(job, args, what)
        return True
    if mode == "thread":
        app = current_app._get_current_object()
        thread_pool(app).submit(run_in_app, app, job, args, what)
        return True
    if rq_enqueue(run_job_in_app, (job, args, what), description=what):
        return True
    mail_log.error("Could not queue the %s: Redis is down", what)
    return False


def run_logged(job, args: tuple, what: str) -> None:
    """Run `job(*args)` here; a failure is logged and its transaction rolled back."""
    from flaskblog.extensions import db

    try:
        job(*args)
    except Exception:
        db.session.rollback()
        mail_log.exception("The %s failed", what)


def run_in_app(app: Flask, job, args: tuple, what: str) -> None:
    with app.app_context():
        run_logged(job, args, what)


def run_job_in_app(job, args: tuple, what: str) -> None:
    """The RQ job for run_later: an error makes RQ retry (see run_job for the app context)."""
    if has_app_context():
        job(*args)
        return
    from flaskblog import create_app

    with create_app().app_context():
        job(*args)


# --- "thread" ---------------------------------------------------------------------------------


def thread_pool(app: Flask) -> ThreadPoolExecutor:
    """This app's one mail thread, started on first use (after gunicorn has forked)."""
    state = app.extensions["mail_queue"]
    if "pool" not in state:
        state["pool"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flaskblog-mail")
    return state["pool"]


def drain(app: Flask, timeout: float = 30) -> None:
    """Wait until the mail thread has dealt with every email handed to it so far."""
    if "pool" in app.extensions["mail_queue"]:
        # One thread takes the emails in order: once this no-op has run, so have they.
        thread_pool(app).submit(lambda: None).result(timeout=timeout)


def deliver_in_thread(app: Flask, payload: dict, what: str, user_id: int, request_id) -> None:
    # deliver() has logged a failure; this mode does not retry.
    try:
        with app.app_context(), contextlib.suppress(OSError):
            deliver(payload, what, user_id, request_id)
    finally:
        MAIL_THREAD_WAITING.dec()


# --- "rq" -------------------------------------------------------------------------------------


def rq_queue(app: Flask | None = None):
    """The RQ queue emails wait in, on REDIS_URL."""
    from redis import Redis
    from rq import Queue

    app = app or current_app
    state = app.extensions["mail_queue"]
    if "queue" not in state:
        connection = Redis.from_url(app.config["REDIS_URL"], **redis_timeouts(app))
        state["queue"] = Queue(app.config["MAIL_QUEUE_NAME"], connection=connection)
    return state["queue"]


def enqueue(payload: dict, what: str, user_id: int, request_id: str | None) -> bool:
    description = f"{what} email to user {user_id}"  # never the address or the link
    if rq_enqueue(run_job, (payload, what, user_id, request_id), description=description):
        return True
    MAIL_FAILURES.labels("queue").inc()
    mail_log.error("Could not queue the %s email to user %s: Redis is down", what, user_id)
    return False


def rq_enqueue(job, args: tuple, *, description: str) -> bool:
    """Put `job(*args)` on the RQ queue through the Redis breaker, retried as emails are;
    False while Redis is down (the breaker says so in the log once an interval, not once a
    request). A job holds what it sends, links included: gone once done, kept a day if it
    failed every retry."""
    from redis.exceptions import RedisError
    from rq import Retry

    intervals = current_app.config["MAIL_RETRY_INTERVALS"]
    redis_breaker = breaker_for(current_app, current_app.config["REDIS_URL"])
    if not redis_breaker.allows():
        return False
    try:
        rq_queue().enqueue(
            job,
            *args,
            retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
            description=description,
            result_ttl=0,
            failure_ttl=FAILED_JOB_TTL,
        )
    except RedisError as error:
        redis_breaker.failed(error)
        return False
    redis_breaker.succeeded()
    return True


def rq_counts(app: Flask) -> tuple[int, int] | None:
    """(emails waiting, emails that failed every retry) in the RQ queue; None without RQ or
    while Redis is down."""
    if app.config["MAIL_QUEUE"] != "rq":
        return None
    from rq.registry import FailedJobRegistry

    queue = rq_queue(app)
    return guarded(
        breaker_for(app, app.config["REDIS_URL"]),
        lambda: (queue.count, FailedJobRegistry(queue=queue).count),
        lambda: None,
    )


def mail_worker_status(app: Flask) -> dict | None:
    """With RQ, whether a `flask mail-worker` has been seen recently: `seen` is True when one
    listening on the mail queue sent a heartbeat in the last MAIL_WORKER_SEEN_SECONDS, False
    when none did, None when Redis does not answer; `seconds_ago` is the newest heartbeat's
    age, if any. None without RQ (the web process sends the mail itself)."""
    if app.config["MAIL_QUEUE"] != "rq":
        return None
    from rq import Worker

    queue = rq_queue(app)
    heartbeats = guarded(
        breaker_for(app, app.config["REDIS_URL"]),
        lambda: [w.last_heartbeat for w in Worker.all(queue=queue) if w.last_heartbeat],
        lambda: None,
    )
    if heartbeats is None:
        return {"seen": None, "reason": "Redis unreachable"}
    if not heartbeats:
        return {"seen": False}
    seconds_ago = max(0, round((datetime.now(UTC) - max(heartbeats)).total_seconds()))
    return {
        "seen": seconds_ago <= app.config["MAIL_WORKER_SEEN_SECONDS"],
        "seconds_ago": seconds_ago,
    }


def run_job(payload: dict, what: str, user_id: int, request_id: str | None = None) -> None:
    """The RQ job: deliver inside the worker's app context; an error makes RQ retry.

    `flask mail-worker` provides the app context; a plain `rq worker` gets a new app here.
    """
    if has_app_context():
        deliver(payload, what, user_id, request_id)
        return
    from flaskblog import create_app

    with create_app().app_context():
        deliver(payload, what, user_id, request_id)


def make_worker(app: Flask):
    """An RQ worker for the mail queue that runs jobs in this process.

    SimpleWorker does not fork per job: the jobs need the app context the command has
    pushed, and a delivery is bounded by MAIL_TIMEOUT anyway.
    """
    from rq import SimpleWorker

    queue = rq_queue(app)
    return SimpleWorker([queue], connection=queue.connection)


@click.command("mail-worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@with_appcontext
def mail_worker(burst: bool) -> None:
    """Deliver queued emails (MAIL_QUEUE=rq) until stopped."""
    if current_app.config["MAIL_QUEUE"] != "rq":
        raise click.ClickException(
            f"MAIL_QUEUE is {current_app.config['MAIL_QUEUE']!r}: emails are sent by the web "
            "process itself, so there is nothing for a worker to do. Set REDIS_URL to use one."
        )
    # The scheduler moves retries whose wait is over back into the queue.
    make_worker(current_app._get_current_object()).work(burst=burst, with_scheduler=True)
