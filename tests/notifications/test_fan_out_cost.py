"""Publishing costs the request the same whether the author has many followers or none:
the followers are told by the background queue, not by the request."""

import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import redis
from rq import Queue
from sqlalchemy import event

from flaskblog import mailqueue
from flaskblog.extensions import db
from flaskblog.mailqueue import make_worker, rq_queue
from flaskblog.models import Follow, Notification, Post
from flaskblog.models.notification import announce
from tests.helpers.factories import add_block, add_followers, add_posts, make_user
from tests.helpers.pages import AuthActions, Forms, csrf_token_from
from tests.helpers.queries import statements_run
from tests.helpers.services import REDIS_URL, require_redis

FOLLOWERS = 40


@contextmanager
def statements_in_this_thread(app):
    """The SQL statements `app` runs in the calling thread (the request's, with the test
    client), not those of the queue's thread."""
    mine, captured = threading.get_ident(), []

    def record(conn, cursor, statement, *args):
        if threading.get_ident() == mine:
            captured.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield captured
    finally:
        event.remove(engine, "before_cursor_execute", record)


def publish_as(app, email: str, title: str) -> list[str]:
    """Log in as `email` and publish a post; the statements the publishing request ran."""
    client = app.test_client()
    AuthActions(client, Forms(client)).login(email)
    token = csrf_token_from(client.get("/post/new"))
    with statements_in_this_thread(app) as statements:
        response = client.post(
            "/post/new", data={"title": title, "content": "Words.", "csrf_token": token}
        )
    assert response.status_code == 302
    return statements


def notifications_for_post_titled(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(db.func.count(Notification.id))
            .join(Post, Post.id == Notification.post_id)
            .where(Post.title == title)
        )


def test_publishing_with_many_followers_costs_the_request_what_it_costs_with_none(build_app):
    app = build_app(shared_sqlite=True, MAIL_QUEUE="thread")
    make_user(app, "lonely")
    popular = make_user(app, "popular")
    add_followers(app, popular, FOLLOWERS)

    # The first request of an app compiles templates and reads settings: not compared.
    publish_as(app, "lonely@example.com", "Warm up")
    mailqueue.drain(app)
    alone = publish_as(app, "lonely@example.com", "Nobody reads this")
    crowd = publish_as(app, "popular@example.com", "Everybody reads this")
    mailqueue.drain(app)

    assert len(crowd) == len(alone), (crowd, alone)
    assert not [sql for sql in crowd if "INSERT INTO notifications" in sql]
    assert notifications_for_post_titled(app, "Nobody reads this") == 0
    assert notifications_for_post_titled(app, "Everybody reads this") == FOLLOWERS


@pytest.fixture
def queue_name():
    """An RQ queue in Redis for this test alone, deleted afterwards."""
    require_redis()
    name = f"flaskblog-test-announce-{uuid.uuid4().hex}"
    yield name
    with redis.Redis.from_url(REDIS_URL) as server:
        Queue(name, connection=server).delete(delete_jobs=True)
        leftovers = list(server.scan_iter(f"rq:*{name}*"))
        if leftovers:
            server.delete(*leftovers)


def test_with_rq_publishing_queues_the_announcement_for_the_worker(build_app, queue_name):
    app = build_app(
        shared_sqlite=True, MAIL_QUEUE="rq", REDIS_URL=REDIS_URL, MAIL_QUEUE_NAME=queue_name
    )
    popular = make_user(app, "popular")
    add_followers(app, popular, 3)

    publish_as(app, "popular@example.com", "Queued news")

    assert notifications_for_post_titled(app, "Queued news") == 0
    [job] = rq_queue(app).jobs
    assert job.description == "announcement of post 1"
    with app.app_context():
        make_worker(app).work(burst=True)
    assert notifications_for_post_titled(app, "Queued news") == 3


def test_the_fan_out_costs_the_same_statements_for_3_followers_or_30(app):
    few, many = make_user(app, "few"), make_user(app, "many")
    add_followers(app, few, 3, name="reader{n:03}")
    fans = add_followers(app, many, 30)
    # A block the follow outlived (made straight in the database): that fan hears nothing.
    add_block(app, fans[0], many)
    with app.app_context():
        db.session.add(Follow(follower_id=fans[0], followed_id=many))
        db.session.commit()
    lately = datetime.now(UTC) - timedelta(minutes=5)
    posts = {author: add_posts(app, author, 1, start=lately)[0] for author in (few, many)}

    statements, told, runs = {}, {}, {}
    for author, post_id in posts.items():
        with app.app_context():
            post = db.session.get(Post, post_id)
            with statements_run(app) as run:
                told[author] = announce(post)
            statements[author] = len(run)
            runs[author] = run

    assert told == {few: 3, many: 29}
    assert statements[few] == statements[many], "\n".join(runs[many])  # not one per follower
    assert notifications_for_post_titled(app, "Post 1") == 32
