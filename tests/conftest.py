"""Fixtures shared by the whole suite: an app per test, a client, and small helpers
so that a test reads like what a user does: `auth.login(); forms.submit("/post/new", ...)`."""

import copy
import email
import functools
import gc
import html
import os
import re
import shutil
import socket
import sqlite3
import uuid
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from flask import Flask
from flask_migrate import upgrade
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import MetaData, event, text

from config import TestingConfig
from flaskblog import create_app, logs, mailqueue
from flaskblog.extensions import bcrypt, cache, db, limiter
from flaskblog.models import Post, User

PASSWORD = "correct horse battery"
# Redis, for the tests of what lives there: rate limits, the page cache, the mail queue.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pytest_collection_finish(session) -> None:
    """Keep the garbage collector off what lives for the whole run.

    Full collections walked every module, app and schema object, up to 1.3 s each:
    frozen, they are skipped; collections also run less often than Python's default.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(5_000, 20, 20)


def require_redis() -> None:
    """Skip the test, naming the service, when Redis does not answer (CI always has it)."""
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2) as server:
            server.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not running at {REDIS_URL}")


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


def reset_database() -> None:
    """Empty every table: PostgreSQL keeps its schema between tests, SQLite is in memory."""
    if db.engine.dialect.name == "postgresql":
        tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates, kept in memory for every app the suite builds: a new app's
    first page would otherwise compile each template it uses again (65 ms against 8)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session", autouse=True)
def _share_compiled_templates():
    """Every Flask app made during the run (also by create_app in a test) uses one cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            Flask, "jinja_options", {**Flask.jinja_options, "bytecode_cache": SharedBytecodeCache()}
        )
        yield


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


def make_app(settings: TestingConfig, template: Path | None):
    """A testing app on a database that holds the migrated schema and no rows."""
    url = settings.SQLALCHEMY_DATABASE_URI
    if template is not None and url.startswith("sqlite:///"):
        shutil.copyfile(template, url.removeprefix("sqlite:///"))
    app = create_app(settings)
    if template is not None and url == "sqlite://":
        with app.app_context(), closing(sqlite3.connect(template)) as source:
            # The in-memory database lives in the engine's single connection: fill that one.
            connection = db.engine.raw_connection()
            source.backup(connection.driver_connection)
            connection.close()
    return app


def close_app(app) -> None:
    """Empty the app's database and close its connections."""
    with app.app_context():
        db.session.remove()
        reset_database()
        db.engine.dispose()


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


class SharedApp:
    """The one app with TestingConfig's settings, handed to every test that asks for `app`,
    and put back as it was built after each: its database, config and per-app state.

    Building an app costs about 0.1 s (its routes, the OpenAPI document, a first
    compilation of its templates); over the suite that was a third of the run.
    """

    def __init__(self, template: Path | None):
        self.app = make_app(TestingConfig(), template)
        self.config = copy.deepcopy(dict(self.app.config))
        self.extensions = set(self.app.extensions)
        self.empty_database = None
        if template is not None:
            # The migrated schema, kept in memory: copied back into the app's database
            # after each test (sqlite3's backup API), in well under a millisecond.
            self.empty_database = sqlite3.connect(":memory:", check_same_thread=False)
            with closing(sqlite3.connect(template)) as source:
                source.backup(self.empty_database)

    def rebind(self) -> None:
        """Point the extensions that keep one app's settings in a global back at this app:
        any app built since (production's, a test's own) left its own there."""
        app = self.app
        bcrypt.init_app(app)  # the cost of a password hash
        limiter.init_app(app)  # on or off (off here)
        logs.configure_handler(app)  # the log format, on the process-wide logger

    def restore(self) -> None:
        """Undo what a test did to the app: rows, settings, cached pages, the mail thread
        and any extension state it added. (Rate limits are off here, so nothing counts.)"""
        app = self.app
        with app.app_context():
            db.session.remove()
            if self.empty_database is None:
                reset_database()
            else:
                connection = db.engine.raw_connection()
                try:
                    self.empty_database.backup(connection.driver_connection)
                finally:
                    connection.close()
            cache.clear()
        mailqueue.drain(app)
        pool = app.extensions["mail_queue"].pop("pool", None)
        if pool is not None:
            pool.shutdown()
        app.extensions["mail_queue"].pop("queue", None)
        for name in set(app.extensions) - self.extensions:
            del app.extensions[name]
        app.config.clear()
        app.config.update(copy.deepcopy(self.config))


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


# --- Reading pages --------------------------------------------------------------------------


def page_text(response) -> str:
    """The page as a user reads it (HTML entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def flashes(response) -> list[tuple[str, str]]:
    """The flash messages on a page, as (category, message)."""
    return re.findall(r'<p class="flash flash--(\w+)"[^>]*>(.*?)</p>', page_text(response))


def field_errors(response, field: str) -> list[str]:
    """The errors shown under one form field (tied to it by id, as screen readers read them)."""
    block = re.search(
        rf'<ul class="field__errors" id="{field}-error">(.*?)</ul>', page_text(response), re.S
    )
    return re.findall(r"<li>(.*?)</li>", block.group(1)) if block else []


def csrf_token_from(response) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_TOKEN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {response.request.path}"
    return match.group(1)


class Forms:
    """Submits forms the way a browser does: fetch the page, then post with its CSRF token."""

    def __init__(self, client):
        self.client = client

    def submit(self, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
        token = csrf_token_from(self.client.get(page or url))
        return self.client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


class AuthActions:
    """Register, log in and log out through the real pages."""

    def __init__(self, client, forms: Forms):
        self.client, self.forms = client, forms

    def register(self, username="alice", email="alice@example.com", password=PASSWORD):
        return self.forms.submit(
            "/register",
            {
                "username": username,
                "email": email,
                "password": password,
                "confirm_password": password,
            },
        )

    def login(self, email="alice@example.com", password=PASSWORD, next=None, remember=False):
        url = "/login" if next is None else f"/login?next={next}"
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.forms.submit(url, data)

    def logout(self):
        return self.forms.submit("/logout", page="/account")


@pytest.fixture
def forms(client):
    return Forms(client)


@pytest.fixture
def auth(client, forms):
    return AuthActions(client, forms)


@pytest.fixture
def make_user(app):
    """Create a user straight in the database, with a confirmed email address unless
    `confirmed=False`, an admin with `admin=True`; returns its id."""

    def make(
        username="alice", email=None, password=PASSWORD, *, confirmed=True, admin=False
    ) -> int:
        with app.app_context():
            user = User(
                username=username,
                email=email or f"{username.lower()}@example.com",
                confirmed_at=datetime.now(UTC) if confirmed else None,
                is_admin=admin,
            )
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
            return user.id

    return make


def add_posts(
    app,
    user_id: int,
    count: int = 1,
    title: str = "Post {n}",
    content: str = "Body of post {n}.",
    *,
    published: bool = True,
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
) -> list[int]:
    """`count` posts by a user, one minute apart from `start`, the last one newest; their ids.

    Published ones are published when written; the others are never-published drafts.
    """
    with app.app_context():
        posts = [
            Post(
                title=title.format(n=n),
                content=content.format(n=n),
                user_id=user_id,
                is_published=published,
                date_posted=start + timedelta(minutes=n),
                published_at=start + timedelta(minutes=n) if published else None,
            )
            for n in range(1, count + 1)
        ]
        db.session.add_all(posts)
        db.session.commit()
        return [post.id for post in posts]


@pytest.fixture
def make_posts(app):
    """`make_posts(user_id, count=1, title=..., content=...)`: published posts, see add_posts."""
    return functools.partial(add_posts, app)


@contextmanager
def statements_run(app, with_parameters: bool = False):
    """Every SQL statement `app` runs inside the block, as (statement, parameters) pairs
    when `with_parameters` (to EXPLAIN them again), else as the statements alone."""
    captured: list = []

    def record(conn, cursor, statement, parameters, *args):
        captured.append((statement, parameters) if with_parameters else statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield captured
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries: ...` then `len(queries)` is the SQL statements run."""
    return functools.partial(statements_run, app)


# --- Mail over real SMTP ----------------------------------------------------------------------

RESET_LINK = re.compile(r"https?://\S+/reset_password/\S+")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ReceivedMail:
    """One message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    @property
    def reset_link(self) -> str:
        links = RESET_LINK.findall(self.text)
        assert len(links) == 1, f"expected one reset link in:\n{self.text}"
        return links[0]


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts, or refuses every recipient."""

    host: str = "127.0.0.1"
    port: int = 0
    refuse: bool = False
    messages: list[ReceivedMail] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def only_message(self) -> ReceivedMail:
        assert len(self.messages) == 1, f"expected one email, got {len(self.messages)}"
        return self.messages[0]

    def settings(self) -> dict:
        """The app settings that send mail here."""
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_SUPPRESS_SEND": False}


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
