"""Fixtures shared by the whole suite: the app, a client, and the people and posts that
stories start from, so that a test reads like what a user does:
`auth.login(); forms.submit("/post/new", ...)`. Helpers live in `tests.helpers`."""

import functools
import gc
import json
import logging
import os
import uuid
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from flask import Flask, request, request_started
from flask_migrate import upgrade
from sqlalchemy import MetaData

from config import TestingConfig
from flaskblog import create_app
from flaskblog.extensions import db
from tests.helpers import factories
from tests.helpers.apps import SharedApp, SharedBytecodeCache, close_app, make_app
from tests.helpers.mail import Mailbox
from tests.helpers.pages import AuthActions, Forms, templates_rendered
from tests.helpers.queries import statements_run
from tests.helpers.services import (
    REDIS_URL,
    ObjectStorage,
    database_for_worker,
    free_port,
    require_redis,
)


def pytest_configure(config) -> None:
    """Under pytest-xdist (`make test` runs one worker per core), give each worker a
    PostgreSQL database of its own; SQLite in memory is per worker already."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    for variable in ("TEST_DATABASE_URL", "TEST_POSTGRES_URL"):
        if os.environ.get(variable):
            os.environ[variable] = database_for_worker(os.environ[variable], worker)


def pytest_collection_finish(session) -> None:
    """Keep the garbage collector off what lives for the whole run.

    Full collections walked every module, app and schema object, up to 1.3 s each:
    frozen, they are skipped; collections also run less often than Python's default.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(5_000, 20, 20)


@pytest.fixture(scope="session", autouse=True)
def _share_compiled_templates():
    """Every Flask app made during the run (also by create_app in a test) uses one cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            Flask, "jinja_options", {**Flask.jinja_options, "bytecode_cache": SharedBytecodeCache()}
        )
        yield


@pytest.fixture
def redis_prefix():
    """A key prefix in Redis for this test alone (other runs may share the server); every
    key that contains it is deleted afterwards."""
    require_redis()
    prefix = f"flaskblog-test-{uuid.uuid4().hex}"
    yield prefix
    with redis.Redis.from_url(REDIS_URL) as server:
        keys = list(server.scan_iter(f"*{prefix}*"))
        if keys:
            server.delete(*keys)


# --- Apps -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def migrated_schema(tmp_path_factory) -> Path | None:
    """Build the schema with the committed migrations, once per run, as production does.

    SQLite: a migrated file, which each test's database starts as a copy of (search
    tables and triggers included). PostgreSQL: the test database itself, emptied first.
    """
    settings = TestingConfig()
    template = None
    if settings.SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
        template = tmp_path_factory.mktemp("schema") / "migrated.sqlite"
        settings.SQLALCHEMY_DATABASE_URI = f"sqlite:///{template}"
    app = create_app(settings)
    with app.app_context():
        if template is None:
            existing = MetaData()
            existing.reflect(db.engine)
            existing.drop_all(db.engine)
        upgrade()
        db.engine.dispose()
    return template


@pytest.fixture
def build_app(migrated_schema, tmp_path):
    """`build_app(**settings)`: a fresh testing app with some settings changed, cleaned up
    after. Only for settings that differ from TestingConfig: `app` is shared and cheaper.

    `shared_sqlite=True` keeps SQLite in a file rather than in memory, so that a second
    connection or a server thread can use the same database.
    """
    built = []

    def build(*, shared_sqlite: bool = False, **settings):
        testing = TestingConfig()
        if shared_sqlite and testing.SQLALCHEMY_DATABASE_URI == "sqlite://":
            testing.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / f'app{len(built)}.sqlite'}"
        for name, value in settings.items():
            setattr(testing, name, value)
        built.append(make_app(testing, migrated_schema))
        return built[-1]

    yield build
    for app in built:
        close_app(app)


@pytest.fixture(scope="session")
def shared_app(migrated_schema) -> SharedApp:
    shared = SharedApp(migrated_schema)
    gc.freeze()  # it lives as long as the modules frozen after collection
    return shared


@pytest.fixture
def app(shared_app):
    """The testing app (TestingConfig), as freshly built: an empty database, default settings."""
    shared_app.rebind()
    yield shared_app.app
    shared_app.restore()


@pytest.fixture
def client(app):
    """A browser with its own cookies. Replaces pytest-flask's fixture of this name, which
    keeps the last request's context pushed, so that a second browser in the same test
    would share Flask-Login's cached user."""
    return app.test_client()


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replace pytest-flask's fixture of this name, which pushes one request context for
    the whole test: every request would then share `g` (and Flask-Login's cached user),
    unlike a real server. Tests open `app.app_context()` when they touch the database."""


@pytest.fixture
def forms(client):
    return Forms(client)


@pytest.fixture
def auth(client, forms):
    return AuthActions(client, forms)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries: ...` then `len(queries)` is the SQL statements run."""
    return functools.partial(statements_run, app)


@pytest.fixture(params=["memory", "redis"])
def page_cache(request):
    """Settings for a page cache in the app's own memory, then (a second run) in Redis, under
    this test's key prefix: `build_app(**page_cache)`."""
    if request.param == "redis":
        prefix = request.getfixturevalue("redis_prefix")
        return {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": prefix,
        }
    return {"CACHE_TYPE": "SimpleCache"}


@pytest.fixture
def flask_requests(app):
    """The requests Flask itself handled (not the front door before it), as paths."""
    seen = []

    def note(sender, **extra):
        seen.append(request.path)

    request_started.connect(note, app)
    yield seen
    request_started.disconnect(note, app)


@pytest.fixture
def renders(app):
    """The names of the templates the app renders during the test, in order."""
    with templates_rendered(app) as names:
        yield names


@pytest.fixture
def security_log(caplog):
    """`security_log()`: the security events written so far, each line parsed as JSON."""
    caplog.set_level(logging.INFO, logger="flaskblog.security")

    def events() -> list[dict]:
        records = [r for r in caplog.records if r.name == "flaskblog.security"]
        assert all("\n" not in r.getMessage() for r in records), "one line per event"
        return [json.loads(r.getMessage()) for r in records]

    return events


# --- People and posts -------------------------------------------------------------------------


@pytest.fixture
def make_user(app):
    """`make_user(username="alice", email=None, ...)` in `app`'s database; see
    factories.make_user (other apps call that directly)."""
    return functools.partial(factories.make_user, app)


@pytest.fixture
def make_posts(app):
    """`make_posts(user_id, count=1, title=..., content=...)`: published posts, see add_posts."""
    return functools.partial(factories.add_posts, app)


@pytest.fixture
def alice(make_user) -> int:
    """Alice (alice@example.com), confirmed, not logged in; her id."""
    return make_user("alice")


@pytest.fixture
def logged_in_alice(alice, auth) -> int:
    """Alice, confirmed and logged in through the login page; her id."""
    auth.login()
    return alice


@pytest.fixture
def alice_with_posts(alice, make_posts) -> int:
    """Alice (logged out) with three published posts, "Post 1" to "Post 3"; her id."""
    make_posts(alice, 3)
    return alice


@pytest.fixture
def alices_post(alice, make_posts) -> int:
    """Alice (logged out) with one published post, "Alice's post"; the post's id."""
    (post_id,) = make_posts(alice, 1, title="Alice's post", content="Alice wrote this.")
    return post_id


# --- Object storage -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def object_storage():
    """A real S3-compatible server (moto in server mode) on a free port, for the session."""
    storage = ObjectStorage()
    yield storage
    storage.stop()


# --- Mail over real SMTP ----------------------------------------------------------------------


@pytest.fixture
def start_mailbox():
    """`start_mailbox(refuse=False)`: a real SMTP server on 127.0.0.1, stopped after the test."""
    controllers = []

    def start(refuse: bool = False) -> Mailbox:
        box = Mailbox(port=free_port(), refuse=refuse)
        controllers.append(Controller(box, hostname=box.host, port=box.port))
        controllers[-1].start()
        return box

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def mailbox(start_mailbox):
    """A real SMTP server on 127.0.0.1; its `messages` are what it received."""
    return start_mailbox()
