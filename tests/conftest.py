"""Fixtures shared by the whole suite: an app per test, a client, and small helpers
so that a test reads like what a user does: `auth.login(); forms.submit("/post/new", ...)`."""

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, text

from config import TestingConfig
from flaskblog import create_app
from flaskblog.extensions import db
from flaskblog.models import Post, User

PASSWORD = "correct horse battery"
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def reset_database() -> None:
    """Empty every table: PostgreSQL keeps its schema between tests, SQLite is in memory."""
    if db.engine.dialect.name == "postgresql":
        tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture(scope="session")
def _fresh_schema():
    """Build the schema from the current models once per run (PostgreSQL keeps old tables)."""
    app = create_app("testing")
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            db.drop_all()
        db.create_all()
        db.engine.dispose()


def make_app(settings: TestingConfig | None = None):
    """A testing app with its tables in place; pass a TestingConfig to change settings."""
    app = create_app(settings or TestingConfig())
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def app(_fresh_schema):
    app = make_app()
    yield app
    with app.app_context():
        db.session.remove()
        reset_database()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replace pytest-flask's fixture of this name, which pushes one request context for
    the whole test: every request would then share `g` (and Flask-Login's cached user),
    unlike a real server. Tests open `app.app_context()` when they touch the database."""


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
    """Create a user straight in the database; returns its id."""

    def make(username="alice", email=None, password=PASSWORD) -> int:
        with app.app_context():
            user = User(username=username, email=email or f"{username.lower()}@example.com")
            user.set_password(password)
            db.session.add(user)
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def make_posts(app):
    """Create `count` posts by a user, one minute apart, the last one newest; returns their ids."""

    def make(user_id: int, count: int = 1, title="Post {n}", content="Body of post {n}."):
        start = datetime(2026, 1, 1, tzinfo=UTC)
        with app.app_context():
            posts = [
                Post(
                    title=title.format(n=n),
                    content=content.format(n=n),
                    user_id=user_id,
                    date_posted=start + timedelta(minutes=n),
                )
                for n in range(1, count + 1)
            ]
            db.session.add_all(posts)
            db.session.commit()
            return [post.id for post in posts]

    return make


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries: ...` then `len(queries)` is the SQL statements run."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting
