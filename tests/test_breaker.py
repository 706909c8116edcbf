"""When Redis stops answering, the site keeps serving correct pages, says so once in the log,
stops trying Redis for a back-off interval, and takes it up again once it is back."""

import logging

import pytest
from flask_mail import Message

from flaskblog.breaker import CircuitBreaker
from flaskblog.extensions import db
from flaskblog.mailqueue import send_later
from flaskblog.models import Post
from tests.helpers.factories import add_posts, make_user
from tests.helpers.pages import Forms, titles_on
from tests.helpers.services import RedisServer


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def outage_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "flaskblog.redis"]


# --- The breaker itself ---------------------------------------------------------------------


@pytest.fixture
def breaker():
    breaker = CircuitBreaker("Redis at test:1", retry_after=5, log_every=60)
    breaker.clock = Clock()
    return breaker


def test_a_failure_opens_the_breaker_and_is_logged_once(breaker, caplog):
    breaker.failed(ConnectionError("refused"))

    answers = [breaker.allows() for _ in range(100)]

    assert answers == [False] * 100
    [line] = outage_lines(caplog)
    assert line.levelno == logging.WARNING
    assert "Redis at test:1 is unreachable (ConnectionError: refused)" in line.getMessage()
    assert line.exc_info is None  # a line, not a traceback


def test_after_the_back_off_one_caller_tries_again_and_success_closes_it(breaker, caplog):
    breaker.failed(ConnectionError("refused"))
    breaker.clock.now += 5

    assert [breaker.allows(), breaker.allows()] == [True, False]  # one try at a time
    assert breaker.succeeded() is True

    assert breaker.is_open is False
    assert [breaker.allows() for _ in range(3)] == [True] * 3
    assert "answers again after 5.0 s (1 calls went without it)" in caplog.text


def test_a_failed_retry_waits_another_back_off(breaker):
    breaker.failed(ConnectionError("refused"))
    breaker.clock.now += 5
    assert breaker.allows() is True
    breaker.failed(ConnectionError("refused"))

    breaker.clock.now += 4
    assert breaker.allows() is False
    breaker.clock.now += 1
    assert breaker.allows() is True


def test_a_long_outage_is_told_once_per_log_interval(breaker, caplog):
    breaker.failed(ConnectionError("refused"))
    for _ in range(1850):  # three minutes and more of requests, a hundred a second
        breaker.clock.now += 0.1
        for _ in range(10):
            if breaker.allows():
                breaker.failed(ConnectionError("refused"))

    messages = [r.getMessage() for r in outage_lines(caplog)]
    assert len(messages) == 1 + 3
    assert all("still unreachable" in m for m in messages[1:])


# --- The site, on a Redis server that goes down and comes back -------------------------------


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def redis_app(build_app, redis_server):
    """The site with its page cache, rate limits and mail queue on `redis_server`, and its
    breakers on a clock the test moves."""
    app = build_app(
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=redis_server.url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=redis_server.url,
        MAIL_QUEUE="rq",
        REDIS_URL=redis_server.url,
    )
    app.clock = Clock()
    [breaker] = app.extensions["redis_breakers"].values()  # one server, one breaker
    breaker.clock = app.clock
    app.breaker = breaker
    return app


def test_during_an_outage_pages_are_served_and_redis_is_tried_once(redis_app, redis_server, caplog):
    add_posts(redis_app, make_user(redis_app, "alice"), count=2)
    client = redis_app.test_client()
    assert client.get("/").status_code == 200
    redis_server.stop()

    answers = [client.get(url).status_code for url in ["/", "/about", "/"] * 10]

    assert answers == [200] * 30
    [line] = outage_lines(caplog)
    assert "is unreachable" in line.getMessage()
    assert not any(record.exc_info for record in caplog.records)
    assert redis_app.breaker.is_open


def test_once_redis_is_back_pages_are_cached_again(redis_app, redis_server, caplog):
    add_posts(redis_app, make_user(redis_app, "alice"), count=1)
    client = redis_app.test_client()
    redis_server.stop()
    client.get("/")
    redis_server.start()

    redis_app.clock.now += redis_app.config["REDIS_RETRY_SECONDS"]
    client.get("/")  # tries again, and keeps the page
    with redis_app.app_context():
        db.session.execute(db.update(Post).values(title="Changed behind the cache's back"))
        db.session.commit()

    assert titles_on(client.get("/")) != ["Changed behind the cache's back"]  # a cache hit
    assert not redis_app.breaker.is_open
    assert "answers again" in outage_lines(caplog)[-1].getMessage()


def test_a_change_made_during_the_outage_shows_once_redis_is_back(redis_app, redis_server):
    [post_id] = add_posts(
        redis_app, make_user(redis_app, "alice"), count=1, title="Before the outage"
    )
    client = redis_app.test_client()
    assert titles_on(client.get("/")) == ["Before the outage"]  # cached, kept across restarts
    redis_server.stop()
    with redis_app.app_context():
        db.session.get(Post, post_id).title = "Written during the outage"
        db.session.commit()  # the cache cannot be told
    redis_server.start()

    redis_app.clock.now += redis_app.config["REDIS_RETRY_SECONDS"]

    assert titles_on(client.get("/")) == ["Written during the outage"]


def test_login_limits_still_hold_during_an_outage(redis_app, redis_server):
    forms = Forms(redis_app.test_client())
    redis_server.stop()

    answers = [
        forms.submit("/login", {"email": "nobody@example.com", "password": "wrong"}).status_code
        for _ in range(6)
    ]

    assert answers == [200] * 5 + [429]


def test_an_email_asked_for_during_an_outage_is_reported_unsent_without_trying_redis(
    redis_app, redis_server, caplog
):
    redis_server.stop()
    forms = Forms(redis_app.test_client())

    for _ in range(3):
        forms.submit("/reset_password", {"email": "nobody@example.com"})
    with redis_app.test_request_context():
        sent = [send_later(Message("Hi", recipients=["a@example.com"]), "test", 1) for _ in "ab"]

    assert sent == [False, False]
    assert len(outage_lines(caplog)) == 1
    unsent = [r for r in caplog.records if r.name == "flaskblog.mail"]
    assert [r.getMessage() for r in unsent] == [
        "Could not queue the test email to user 1: Redis is down"
    ] * 2
    assert not any(record.exc_info for record in caplog.records)
