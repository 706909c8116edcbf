"""Alembic environment for flaskblog, run by Flask-Migrate (`flask db ...`)."""

import logging
import warnings
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy.exc import SAWarning

config = context.config
# Keep the app's own loggers working when migrations run inside a process (tests, release).
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")
# SQLite cannot reflect the index on lower(users.username); batch mode reflects tables
# that point at users, and autogenerate compares it on PostgreSQL instead.
warnings.filterwarnings(
    "ignore", message=".*expression-based index uq_users_username_lower", category=SAWarning
)
warnings.filterwarnings(
    "ignore", message=".*expression-based index 'uq_users_username_lower'", category=UserWarning
)

db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def render_item(type_, obj, autogen_context):
    """Write the models' UTCDateTime as the plain column type it stores, so migrations
    do not import the app."""
    from flaskblog.models import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# Full-text search lives outside the models: an FTS5 table (with its shadow tables and
# triggers) on SQLite, a generated tsvector column with a GIN index on PostgreSQL. The
# migrations create them; autogenerate must neither drop them nor call them drift.
SEARCH_OBJECTS = {"search_vector", "ix_posts_search_vector"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave the search structures that the migrations manage by hand out of autogenerate."""
    if type_ == "table" and name is not None and name.startswith("posts_search"):
        return False
    return name not in SEARCH_OBJECTS


def run_migrations_offline() -> None:
    """Write the SQL to standard output instead of running it (`flask db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=db.metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations against the app's database."""

    def skip_empty_autogenerate(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    conf_args.setdefault("render_item", render_item)
    conf_args.setdefault("include_object", include_object)

    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds SQLite tables by copying and dropping them; with foreign
            # keys enforced, dropping a parent table would cascade-delete its children.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # end the implicit transaction so Alembic's own one commits
        context.configure(connection=connection, target_metadata=db.metadata, **conf_args)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"migration left rows with broken foreign keys: {problems}")
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
