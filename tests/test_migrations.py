"""The committed migrations: `flask db upgrade` builds from empty the schema the models
describe, on SQLite and on PostgreSQL, and can be undone and redone."""

import os
import sqlite3
import subprocess
import sys
import uuid
import warnings
from contextlib import closing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

import config
from flaskblog import MIGRATIONS_DIR, create_app
from flaskblog.extensions import db
from flaskblog.models import Post, User

ROOT = Path(__file__).resolve().parent.parent
TABLES = {"users", "posts", "avatars"}
HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def sqlite_app_at(path: Path):
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
    return create_app(settings)


@pytest.fixture
def empty_app(tmp_path):
    """An app on a database with no tables yet, of the kind the suite runs on.

    SQLite: a new file. PostgreSQL: a schema of its own, first on the search path, so
    the rest of the suite's tables stay untouched; it is dropped afterwards.
    """
    settings = config.TestingConfig()
    url = settings.SQLALCHEMY_DATABASE_URI
    if url.startswith("sqlite"):
        app = sqlite_app_at(tmp_path / "migrations.sqlite")
        yield app
        with app.app_context():
            db.engine.dispose()
        return

    schema = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    settings.SQLALCHEMY_ENGINE_OPTIONS = {
        **settings.SQLALCHEMY_ENGINE_OPTIONS,
        "connect_args": {"options": f"-csearch_path={schema}"},
    }
    app = create_app(settings)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on a new, empty SQLite file, whatever database the suite runs on."""
    app = sqlite_app_at(tmp_path / "migrations.sqlite")
    yield app
    with app.app_context():
        db.engine.dispose()


def table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def schema_differences() -> list:
    """What autogenerate would write into a new migration (nothing, if they agree)."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def add_user(username: str, email: str | None = None) -> None:
    db.session.add(
        User(username=username, email=email or f"{username.lower()}@example.com", password_hash="x")
    )
    db.session.commit()


def test_upgrade_builds_the_schema_from_empty(empty_app):
    with empty_app.app_context():
        assert table_names() == set()

        upgrade()

        assert table_names() == TABLES | {"alembic_version"}
        assert current_revision() == HEAD
        add_user("alice")
        assert db.session.scalar(db.select(User.username)) == "alice"


def test_models_and_migrations_do_not_drift(empty_app):
    with empty_app.app_context():
        upgrade()
        with warnings.catch_warnings():
            # SQLite cannot reflect the lower(username) index, so Alembic skips it and says
            # so; test_sqlite_upgrade_creates_the_lower_case_username_index covers it there.
            warnings.filterwarnings(
                "ignore", message=r".*expression-based index '?uq_users_username_lower"
            )
            differences = schema_differences()

        assert differences == []


def test_downgrade_to_base_and_upgrade_again(empty_app):
    with empty_app.app_context():
        upgrade()
        add_user("alice")
        db.session.remove()

        downgrade(revision="base")
        assert table_names() <= {"alembic_version"}
        assert current_revision() is None

        upgrade()
        assert table_names() == TABLES | {"alembic_version"}
        assert current_revision() == HEAD
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_usernames_are_unique_regardless_of_case_after_upgrade(empty_app):
    with empty_app.app_context():
        upgrade()
        add_user("Alice", "alice@example.com")

        with pytest.raises(IntegrityError, match=r"uq_users_username_lower|UNIQUE"):
            add_user("aLICE", "other@example.com")
        db.session.rollback()
        assert db.session.scalars(db.select(User.username)).all() == ["Alice"]


def test_sqlite_upgrade_creates_the_lower_case_username_index(sqlite_app):
    with sqlite_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            indexes = {
                row.name: row.unique
                for row in connection.exec_driver_sql("PRAGMA index_list(users)")
            }
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'uq_users_username_lower'"
            ).scalar_one()
        assert indexes["uq_users_username_lower"] == 1
        assert "lower(username)" in sql.lower()

        add_user("Alice", "alice@example.com")
        with pytest.raises(IntegrityError):
            add_user("alice", "other@example.com")


def test_sqlite_enforces_foreign_keys_after_upgrade(sqlite_app):
    with sqlite_app.app_context():
        upgrade()
        # The migration turned them off for itself; every connection must have them on.
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1

        db.session.add(Post(title="Orphan", content="No such author.", user_id=12345))
        with pytest.raises(IntegrityError, match="FOREIGN KEY"):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 0


def test_flask_db_upgrade_command_creates_the_tables(tmp_path):
    database = tmp_path / "command.sqlite"
    environment = {
        **{
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("FLASK_", "TEST_DATABASE"))
        },
        "DATABASE_URL": f"sqlite:///{database}",
        "FLASK_CONFIG": "development",
    }

    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "run.py", "db", "upgrade"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(database)) as connection:
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert tables == TABLES | {"alembic_version"}
    assert revision == [(HEAD,)]
