"""Building testing apps, and putting the shared one back as it was after each test."""

import copy
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import text

from config import TestingConfig
from flaskblog import create_app, logs, mailqueue
from flaskblog.extensions import bcrypt, cache, db, limiter


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
    """Empty the app's database and close its connections (and the front door's watch)."""
    if "front_door" in app.extensions:
        app.extensions["front_door"].close()
    with app.app_context():
        db.session.remove()
        reset_database()
        db.engine.dispose()


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
