"""The committed migrations: `flask db upgrade` builds from empty the schema the models
describe, plus full-text search, on SQLite and on PostgreSQL; can be undone and redone;
and carries a core-era database (before Markdown, drafts and tags) forward."""

import html
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
import warnings
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, migrate, upgrade
from sqlalchemy import DateTime, bindparam, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

import config
from flaskblog import MIGRATIONS_DIR, create_app
from flaskblog.extensions import db
from flaskblog.models import Post, User

ROOT = Path(__file__).resolve().parent.parent
TABLES = {
    "users",
    "posts",
    "avatars",
    "tags",
    "post_tags",
    "comments",
    "sessions",
    "api_tokens",
    "images",
    "post_images",
    "post_revisions",
    "reports",
    "follows",
    "bookmarks",
    "notifications",
    "notification_settings",
    "blocks",
    "conversations",
    "conversation_members",
    "messages",
    "security_events",
    "recovery_codes",
    "passkeys",
    "passkey_user_handles",
    "imported_posts",
    "old_links",
    "import_jobs",
}
HEAD = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
CORE = "5efd261c7e14"  # the first revision: users, posts and avatars, before issue 3
# Full-text search is not in the models; the migrations make it by hand and
# migrations/env.py's include_object keeps it out of autogenerate. SQLite: an FTS5 table
# (with the shadow tables FTS5 makes for it) fed by triggers. PostgreSQL: a generated
# tsvector column with a GIN index.
SQLITE_SEARCH_TABLES = {
    "posts_search",
    "posts_search_config",
    "posts_search_data",
    "posts_search_docsize",
    "posts_search_idx",
}
SQLITE_SEARCH_TRIGGERS = {"posts_search_insert", "posts_search_update", "posts_search_delete"}
POSTGRES_SEARCH_COLUMN, POSTGRES_SEARCH_INDEX = "search_vector", "ix_posts_search_vector"


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


def on_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def migrated_tables() -> set[str]:
    """The tables `flask db upgrade` makes on this database."""
    search = SQLITE_SEARCH_TABLES if on_sqlite() else set()
    return TABLES | search | {"alembic_version"}


def search_structures() -> set[str]:
    """The search tables, triggers, column and index that exist now."""
    if on_sqlite():
        with db.engine.connect() as connection:
            names = connection.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE name LIKE 'posts_search%'"
            ).scalars()
            return set(names)
    inspector = inspect(db.engine)
    if "posts" not in inspector.get_table_names():
        return set()
    columns = {column["name"] for column in inspector.get_columns("posts")}
    indexes = {index["name"] for index in inspector.get_indexes("posts")}
    return (columns | indexes) & {POSTGRES_SEARCH_COLUMN, POSTGRES_SEARCH_INDEX}


def expected_search_structures() -> set[str]:
    if on_sqlite():
        return SQLITE_SEARCH_TABLES | SQLITE_SEARCH_TRIGGERS
    return {POSTGRES_SEARCH_COLUMN, POSTGRES_SEARCH_INDEX}


def search(word: str) -> list[int]:
    """The ids of the posts full-text search finds for `word`, straight from SQL."""
    if on_sqlite():
        query = "SELECT rowid FROM posts_search WHERE posts_search MATCH :word ORDER BY rowid"
    else:
        query = (
            "SELECT id FROM posts WHERE search_vector @@ plainto_tsquery('english', :word) "
            "ORDER BY id"
        )
    with db.engine.connect() as connection:
        return list(connection.execute(text(query), {"word": word}).scalars())


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

        assert table_names() == migrated_tables()
        assert search_structures() == expected_search_structures()
        assert current_revision() == HEAD
        add_user("alice")
        assert db.session.scalar(db.select(User.username)) == "alice"


def described(difference) -> tuple:
    """One autogenerate difference as (operation, name...), e.g. ("remove_index", "ix")."""
    if isinstance(difference, list):  # a column modification comes as a list of changes
        return ("modify", *(str(item) for change in difference for item in change[:4]))
    operation, *objects = difference
    if operation in ("add_column", "remove_column"):
        _, table, column = objects
        return (operation, table, column.name)
    return (operation, getattr(objects[0], "name", str(objects[0])))


def test_models_and_migrations_differ_only_by_the_search_structures(empty_app):
    with empty_app.app_context():
        upgrade()
        with warnings.catch_warnings():
            # SQLite cannot reflect the lower(username) index, so Alembic skips it and says
            # so; test_sqlite_upgrade_creates_the_lower_case_username_index covers it there.
            warnings.filterwarnings(
                "ignore", message=r".*expression-based index '?uq_users_username_lower"
            )
            differences = {described(difference) for difference in schema_differences()}

        if on_sqlite():
            search_only = {("remove_table", table) for table in SQLITE_SEARCH_TABLES}
        else:
            search_only = {
                ("remove_column", "posts", POSTGRES_SEARCH_COLUMN),
                ("remove_index", POSTGRES_SEARCH_INDEX),
            }
        assert differences == search_only


def test_autogenerate_finds_nothing_to_migrate(empty_app, tmp_path):
    """`flask db migrate` right after `flask db upgrade` writes no migration: models and
    migrations agree, and env.py keeps the search structures out of the comparison."""
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, directory, ignore=shutil.ignore_patterns("__pycache__"))
    versions = sorted(path.name for path in (directory / "versions").glob("*.py"))
    with empty_app.app_context():
        upgrade()
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message=r".*expression-based index '?uq_users_username_lower"
            )
            migrate(directory=str(directory), message="should be empty")

    assert sorted(path.name for path in (directory / "versions").glob("*.py")) == versions


def test_downgrade_to_base_and_upgrade_again(empty_app):
    with empty_app.app_context():
        upgrade()
        add_user("alice")
        db.session.remove()

        downgrade(revision="base")
        assert table_names() <= {"alembic_version"}
        assert search_structures() == set()
        assert current_revision() is None

        upgrade()
        assert table_names() == migrated_tables()
        assert search_structures() == expected_search_structures()
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
    # sqlite_sequence is SQLite's own: it keeps the AUTOINCREMENT counter of users.
    assert tables == TABLES | SQLITE_SEARCH_TABLES | {"alembic_version", "sqlite_sequence"}
    assert revision == [(HEAD,)]


# A database from before Markdown, drafts, tags and search

CORE_POSTS = [
    # (id, title, content, date_posted): ids as the database hands them out
    (1, "Hello *world*", "First line\nsecond **bold** line\n\n<script>alert(1)</script> kangaroo",
     datetime(2025, 3, 1, 10, 30, tzinfo=UTC)),
    (2, "Ünïcode café", "Platypus sightings by the river.", datetime(2025, 4, 2, 8, 0, tzinfo=UTC)),
    (3, "Update", "A post whose title is a word the editor uses.",
     datetime(2025, 5, 3, 12, 15, 30, 250000, tzinfo=UTC)),
]  # fmt: skip


def make_core_era_database() -> None:
    """Migrate to the first revision and write users and posts as the core app did, in SQL."""
    upgrade(revision=CORE)
    posted = bindparam("date_posted", type_=DateTime(timezone=True))
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (username, email, password_hash, created_at) "
                "VALUES ('alice', 'alice@example.com', 'x', :created_at)"
            ).bindparams(bindparam("created_at", type_=DateTime(timezone=True))),
            {"created_at": datetime(2025, 1, 1, tzinfo=UTC)},
        )
        for _, title, content, date_posted in CORE_POSTS:
            connection.execute(
                text(
                    "INSERT INTO posts (title, content, date_posted, user_id) "
                    "VALUES (:title, :content, :date_posted, 1)"
                ).bindparams(posted),
                {"title": title, "content": content, "date_posted": date_posted},
            )
    db.engine.dispose()  # the next migration reflects the tables afresh


def test_upgrade_publishes_renders_and_indexes_core_era_posts(empty_app):
    with empty_app.app_context():
        make_core_era_database()

        upgrade()

        assert current_revision() == HEAD
        posts = db.session.scalars(db.select(Post).order_by(Post.id)).all()
        assert [(post.id, post.slug) for post in posts] == [
            (1, "hello-world"),
            (2, "unicode-cafe"),
            (3, "update-post"),
        ]
        for post, (_, title, content, date_posted) in zip(posts, CORE_POSTS, strict=True):
            assert (post.title, post.content) == (title, content)
            assert post.is_published
            assert post.published_at == post.date_posted == date_posted
            assert post.tags == [] and post.comments == []
        assert posts[0].content_html == (
            "<p>First line\nsecond <strong>bold</strong> line</p>\n"
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; kangaroo</p>\n"
        )
        assert (
            posts[0].content_text
            == "First line second bold line <script>alert(1)</script> kangaroo"
        )
        assert posts[1].content_html == "<p>Platypus sightings by the river.</p>\n"

        assert search("kangaroo") == [1]
        assert search("hello") == [1]  # titles are searched too
        assert search("platypus") == [2]
        assert search("sighting") == [2]  # stemmed: "sightings" is found by "sighting"
        assert search("editor") == [3]
        assert search("nothing") == []
        db.session.remove()

    client = empty_app.test_client()
    home = client.get("/").get_data(as_text=True)
    for title in ("Hello *world*", "Ünïcode café", "Update"):
        assert html.escape(title, quote=False) in home
    page = client.get("/post/1/hello-world")
    assert page.status_code == 200
    assert "<p>First line\nsecond <strong>bold</strong> line</p>" in page.get_data(as_text=True)
    assert client.get("/post/3/update-post").status_code == 200


def test_search_keeps_up_with_posts_written_after_the_upgrade(empty_app):
    with empty_app.app_context():
        make_core_era_database()
        upgrade()

        db.session.add(Post(title="Fresh", content="A *wombat* appears.", user_id=1))
        db.session.commit()
        assert search("wombat") == [4]

        db.session.get(Post, 1).content = "Now about koalas."
        db.session.delete(db.session.get(Post, 2))
        db.session.commit()

        assert search("kangaroo") == []
        assert search("koala") == [1]
        assert search("platypus") == []


def test_downgrade_to_the_core_schema_keeps_the_posts(empty_app):
    with empty_app.app_context():
        make_core_era_database()
        upgrade()
        db.engine.dispose()

        downgrade(revision=CORE)

        assert current_revision() == CORE
        assert table_names() == {"users", "posts", "avatars", "alembic_version"}
        assert search_structures() == set()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, title, content FROM posts ORDER BY id")
            ).all()
        assert [tuple(row) for row in rows] == [post[:3] for post in CORE_POSTS]


# Security stamps and lasting user ids

BEFORE_STAMPS = "b7e3c1a94d20"  # the revision before users got security_stamp


def users_as_before_stamps(count: int) -> None:
    """Migrate to the revision before security stamps and write `count` users in SQL."""
    upgrade(revision=BEFORE_STAMPS)
    with db.engine.begin() as connection:
        for number in range(1, count + 1):
            connection.execute(
                text(
                    "INSERT INTO users (username, email, password_hash, created_at, is_admin) "
                    "VALUES (:name, :email, 'x', :created_at, false)"
                ).bindparams(bindparam("created_at", type_=DateTime(timezone=True))),
                {
                    "name": f"user{number}",
                    "email": f"user{number}@example.com",
                    "created_at": datetime(2025, 1, number, tzinfo=UTC),
                },
            )
    db.engine.dispose()


def test_upgrade_gives_every_existing_user_a_stamp_of_its_own(empty_app):
    with empty_app.app_context():
        users_as_before_stamps(3)

        upgrade()

        rows = db.session.execute(
            db.select(User.id, User.username, User.security_stamp).order_by(User.id)
        ).all()
        assert [(row.id, row.username) for row in rows] == [
            (1, "user1"),
            (2, "user2"),
            (3, "user3"),
        ]
        stamps = [row.security_stamp for row in rows]
        assert len(set(stamps)) == 3
        assert all(len(stamp) == User.SECURITY_STAMP_LENGTH for stamp in stamps)
        assert all(int(stamp, 16) >= 0 for stamp in stamps)  # hexadecimal
        add_user("newcomer")
        assert len(db.session.scalar(db.select(User.security_stamp).where(User.id == 4))) == 32
        db.session.remove()

        downgrade(revision=BEFORE_STAMPS)
        with db.engine.connect() as connection:
            names = connection.execute(text("SELECT username FROM users ORDER BY id")).scalars()
            assert list(names) == ["user1", "user2", "user3", "newcomer"]
            columns = {column["name"] for column in inspect(connection).get_columns("users")}
        assert "security_stamp" not in columns


def test_sqlite_upgrade_stops_reusing_the_ids_of_deleted_users(sqlite_app):
    with sqlite_app.app_context():
        users_as_before_stamps(3)
        upgrade()

        db.session.delete(db.session.get(User, 3))
        db.session.commit()
        add_user("newcomer")

        assert db.session.scalar(db.select(User.id).where(User.username == "newcomer")) == 4
        with db.engine.connect() as connection:
            sql = connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'users'"
            ).scalar_one()
        assert "AUTOINCREMENT" in sql.upper()
        # The rebuild keeps the index on lower(username).
        with pytest.raises(IntegrityError):
            add_user("NEWCOMER", "other@example.com")


# Reports, hidden comments and closed comments

BEFORE_REPORTS = "d3a1f0c2b8e5"  # the revision before reports


def test_upgrade_keeps_comments_open_and_moves_a_slug_that_is_now_an_action(empty_app):
    with empty_app.app_context():
        make_core_era_database()
        upgrade(revision=BEFORE_REPORTS)
        with db.engine.begin() as connection:
            connection.execute(
                text("UPDATE posts SET title = 'Report', slug = 'report' WHERE id = 2")
            )
        db.engine.dispose()

        upgrade()

        posts = db.session.scalars(db.select(Post).order_by(Post.id)).all()
        assert [post.slug for post in posts] == ["hello-world", "report-post", "update-post"]
        assert all(post.comments_enabled for post in posts)
        db.session.remove()

    assert empty_app.test_client().get("/post/2/report-post").status_code == 200
