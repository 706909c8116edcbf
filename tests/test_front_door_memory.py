"""The front door's answers in each worker's memory (flaskblog.front_door_memory): a repeat of
an anonymous request costs no Redis call, yet a new generation, told by this worker or any
other, ends those answers; a cut channel or an expired answer sends hits to Redis again."""

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from flask import request, request_started

from flaskblog import front_door, front_door_memory
from flaskblog.caching import GENERATION_KEY
from flaskblog.extensions import cache
from flaskblog.front_door import Entry
from tests.helpers.factories import PASSWORD, add_posts, add_scheduled_post, make_user
from tests.helpers.pages import Forms, titles_on
from tests.helpers.services import REDIS_URL, RedisServer
from tests.helpers.waiting import eventually


@pytest.fixture
def app(build_app, redis_prefix):
    """An app whose page cache is in Redis (so its front door keeps answers in memory)."""
    return build_app(
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX=redis_prefix,
        REDIS_RETRY_SECONDS=1,
    )


@pytest.fixture
def door(app):
    return app.extensions["front_door"]


@pytest.fixture
def server():
    """Another connection to the Redis server, as another worker or an operator has."""
    with redis.Redis.from_url(REDIS_URL) as connection:
        yield connection


@pytest.fixture
def redis_calls(app, monkeypatch):
    """The commands this test's requests send to the page cache's Redis (not the watch's)."""
    client = app.extensions["cache"][cache]._read_client
    sent = []
    send = client.execute_command

    def counted(*args, **options):
        if threading.current_thread() is threading.main_thread():
            sent.append(args[0])
        return send(*args, **options)

    monkeypatch.setattr(client, "execute_command", counted)
    return sent


@pytest.fixture
def posts(app, alice, make_posts):
    make_posts(alice, 3)


def visit(client, url="/"):
    """A first anonymous visit (rendered by Flask and kept), once this worker knows the
    current generation."""
    first = client.get(url)
    door = client.application.extensions["front_door"]
    assert eventually(lambda: door.memory.watch.known is not None)
    return first


def from_memory(client, redis_calls, url="/"):
    """The answer to a request, if it cost no Redis call; else None."""
    redis_calls.clear()
    response = client.get(url)
    return None if redis_calls else response


def test_a_repeated_visit_makes_no_redis_call(client, posts, redis_calls, flask_requests):
    first = visit(client)
    redis_calls.clear()

    again = client.get("/")
    once_more = client.get("/")

    assert redis_calls == []
    assert again.data == first.data == once_more.data
    assert flask_requests == ["/"]


def test_a_logged_in_page_asks_redis_for_nothing_once_its_listing_is_kept(
    app, client, posts, redis_calls
):
    logged_in(client).get("/")  # the listing made and kept

    redis_calls.clear()
    page = client.get("/")

    # The generation is the one this worker was told, the listing the one it kept.
    assert redis_calls == []
    assert titles_on(page) == ["Post 3", "Post 2", "Post 1"]


def logged_in(client):
    visit(client)
    Forms(client).submit("/login", {"email": "alice@example.com", "password": PASSWORD})
    return client


def test_a_logged_in_post_page_asks_redis_for_nothing_once_its_parts_are_kept(
    app, client, alice, make_posts, redis_calls
):
    first, _ = make_posts(alice, 2)
    logged_in(client).get(f"/post/{first}")

    redis_calls.clear()
    page = client.get(f"/post/{first}")

    assert redis_calls == []
    assert "<title>Post 1" in page.text and "Next post</span> Post 2</a>" in page.text


def test_a_part_found_in_redis_is_kept_in_memory_until_its_copy_in_redis_expires(
    app, client, door, posts, server, redis_prefix, redis_calls, monkeypatch
):
    logged_in(client).get("/")  # the listing made and kept, in Redis and in memory
    door.memory.answers = front_door_memory.KeptAnswers(1_000_000)  # as another worker has

    redis_calls.clear()
    client.get("/")
    assert redis_calls == ["GET"]
    [(key, (part, _))] = door.memory.answers.answers.items()
    in_redis = server.pttl(redis_prefix + key) / 1000
    # PTTL counts whole milliseconds, rounding down.
    assert in_redis - 1 <= part.expires - time.time() <= in_redis + 0.001

    redis_calls.clear()
    client.get("/")
    assert redis_calls == []
    later = time.time() + in_redis + 1
    monkeypatch.setattr(front_door_memory, "now", lambda: later)
    assert titles_on(client.get("/")) == ["Post 3", "Post 2", "Post 1"]
    assert redis_calls == ["GET"]


def test_a_new_post_shows_at_once_on_a_logged_in_page_kept_in_memory(app, client, posts):
    reader = logged_in(client)
    reader.get("/")
    writer = app.test_client()
    Forms(writer).submit("/login", {"email": "alice@example.com", "password": PASSWORD})

    Forms(writer).submit("/post/new", {"title": "Fresh news", "content": "Hot."})

    assert titles_on(reader.get("/"))[0] == "Fresh news"


def test_a_post_written_through_the_site_shows_at_once(app, client, posts, redis_calls):
    visit(client)
    writer = app.test_client()
    Forms(writer).submit("/login", {"email": "alice@example.com", "password": PASSWORD})

    response = Forms(writer).submit("/post/new", {"title": "Fresh news", "content": "Hot."})

    assert response.status_code == 302
    assert titles_on(client.get("/"))[0] == "Fresh news"
    assert eventually(lambda: from_memory(client, redis_calls))
    assert titles_on(from_memory(client, redis_calls))[0] == "Fresh news"


def test_a_generation_told_by_another_worker_ends_the_answers_in_memory(
    app, client, posts, server, redis_prefix, flask_requests
):
    visit(client)
    client.get("/")
    backend = app.extensions["cache"][cache]

    # As forget_pages does in another process.
    server.set(redis_prefix + GENERATION_KEY, backend.serializer.dumps("elsewhere"))
    server.publish(front_door_memory.channel(backend), "elsewhere")

    assert eventually(lambda: client.get("/") and flask_requests == ["/", "/"])


def test_a_lost_message_is_corrected_by_reading_the_generation_again(
    app, client, posts, server, redis_prefix, flask_requests
):
    visit(client)
    backend = app.extensions["cache"][cache]

    server.set(redis_prefix + GENERATION_KEY, backend.serializer.dumps("untold"))

    assert eventually(lambda: client.get("/") and flask_requests == ["/", "/"])


def test_a_cut_channel_is_followed_again_at_once(
    client, posts, server, redis_prefix, redis_calls, flask_requests, caplog
):
    visit(client)

    def watches() -> list[str]:
        name = f"{redis_prefix}generation-watch"
        return [c["id"] for c in server.client_list() if c["name"] == name]

    [cut] = watches()
    with caplog.at_level(logging.WARNING, logger="flaskblog.redis"):
        server.client_kill_filter(_id=cut)
        assert eventually(lambda: watches() and cut not in watches())
        assert eventually(lambda: from_memory(client, redis_calls))

    assert flask_requests == ["/"]
    assert not [record for record in caplog.records if record.name == "flaskblog.redis"]


def test_while_redis_is_down_nothing_is_answered_from_memory_and_after_it_is_again(
    build_app, tmp_path, caplog
):
    redis_server = RedisServer(tmp_path).start()
    try:
        app = build_app(CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_server.url)
        add_posts(app, make_user(app, "alice"), count=2)
        client = app.test_client()
        seen = []

        def note(sender, **extra):
            seen.append(request.path)

        request_started.connect(note, app)
        visit(client)
        client.get("/")
        assert seen == ["/"]

        with caplog.at_level(logging.WARNING, logger="flaskblog.redis"):
            redis_server.stop()
            # Made by Flask again (without a cache), where memory would have answered.
            assert eventually(lambda: client.get("/").status_code == 200 and len(seen) > 1)
            redis_server.start()
            # Once back, after a page made anew (outages start a new generation).
            assert eventually(lambda: client.get("/") and from_memory_now(app, client), seconds=5)
        lines = [r.getMessage() for r in caplog.records if r.name == "flaskblog.redis"]
    finally:
        redis_server.stop()
    assert len([line for line in lines if "is unreachable" in line]) == 1
    assert len([line for line in lines if "answers again" in line]) == 1


def from_memory_now(app, client) -> bool:
    """Whether the next request is answered from memory (no Redis call, no Flask)."""
    door = app.extensions["front_door"]
    key = front_door.entry_key(app, client.get("/").request.environ)
    return door.memory.answer(key) is not None


def test_an_answer_in_memory_expires_with_its_copy_in_redis(
    app, client, posts, server, redis_prefix, redis_calls, monkeypatch
):
    visit(client)
    key = next(server.scan_iter(f"{redis_prefix}door:*"))
    in_redis = server.pttl(key) / 1000
    in_memory = backend_entry(app, key.decode().removeprefix(redis_prefix)).expires - time.time()
    # PTTL counts whole milliseconds, rounding down.
    assert in_redis - 1 <= in_memory <= in_redis + 0.001

    later = time.time() + in_redis + 1
    monkeypatch.setattr(front_door_memory, "now", lambda: later)
    redis_calls.clear()
    client.get("/")

    assert "MGET" in redis_calls


def backend_entry(app, key: str) -> Entry:
    return app.extensions["cache"][cache].get(key)


def test_a_scheduled_post_appears_on_time_though_the_page_is_in_memory(
    app, client, alice, make_posts
):
    make_posts(alice, 2)
    add_scheduled_post(app, alice, "Soon", when=datetime.now(UTC) + timedelta(seconds=1.5))
    visit(client)

    assert titles_on(client.get("/"))[0] == "Post 2"
    # Answered from memory until the page's time is up (when the post goes live), then
    # made again with it.
    assert eventually(lambda: titles_on(client.get("/"))[0] == "Soon", seconds=4)


def keep(answers, name: str, size: int) -> None:
    entry = Entry("g1", [], b"x" * size, "main.home", name, expires=time.time() + 60)
    answers.put(name, entry, size + front_door_memory.ENTRY_OVERHEAD)


def test_memory_keeps_within_its_bytes_and_drops_the_least_recently_used():
    answers = front_door_memory.KeptAnswers(max_bytes=3 * (1000 + front_door_memory.ENTRY_OVERHEAD))
    for name in ("a", "b", "c"):
        keep(answers, name, 1000)
    answers.get("a", "g1")

    keep(answers, "d", 1000)

    assert [name for name in "abcd" if answers.get(name, "g1")] == ["a", "c", "d"]
    assert answers.bytes <= answers.max_bytes
    keep(answers, "huge", answers.max_bytes)
    assert answers.get("huge", "g1") is None and answers.get("d", "g1") is not None


def test_an_answer_of_another_generation_is_not_given():
    answers = front_door_memory.KeptAnswers(max_bytes=10_000)
    keep(answers, "a", 10)

    assert answers.get("a", "g2") is None
    assert answers.get("a", "g1") is not None


def test_a_forked_worker_watches_for_itself(client, door, posts, monkeypatch):
    visit(client)
    parent = door.memory
    monkeypatch.setattr(front_door.os, "getpid", lambda: -1)

    child = door.memory

    assert child is not parent and child is door.memory
    assert child.watch.thread is not parent.watch.thread and child.watch.thread.is_alive()
    assert eventually(lambda: child.watch.known == parent.watch.known)
    parent.watch.stop()
    child.watch.stop()  # (the app's close stops only the watch of the pid it runs in)


def test_without_redis_or_with_no_bytes_there_is_no_memory(build_app, redis_prefix):
    simple = build_app(CACHE_TYPE="SimpleCache")
    none_kept = build_app(
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX=redis_prefix,
        FRONT_DOOR_MEMORY_BYTES=0,
    )

    for app in (simple, none_kept):
        app.test_client().get("/")
        assert app.extensions["front_door"].memory is None
