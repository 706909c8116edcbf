"""GET /health (the process answers) and GET /health/ready (it can serve pages: the database
answers and its schema is at the migrations' head; with RQ it also tells whether a mail
worker has been seen recently). Neither is rate limited: probes come every few seconds from
the platform's own addresses."""

import logging

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from flaskblog.extensions import db, limiter
from flaskblog.health import bp
from flaskblog.mailqueue import mail_worker_status

log = logging.getLogger("flaskblog.health")


@bp.route("/health")
@limiter.exempt
def live():
    # No database, no session, no user: a slow database must not get the process restarted.
    return jsonify(status="ok")


@bp.route("/health/ready")
@limiter.exempt
def ready():
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        log.warning("Not ready: the database does not answer (%s)", type(error).__name__)
        return unavailable("database unreachable")
    expected = migration_heads()
    if current != expected:
        log.warning("Not ready: schema at %s, migrations at %s", sorted(current), sorted(expected))
        return unavailable(
            "database schema is not at the migration head (run `flask db upgrade`)",
            current=sorted(current),
            head=sorted(expected),
        )
    mail_worker = mail_worker_status(current_app)
    if mail_worker is None:
        return jsonify(status="ready")
    # Reported, never a reason to take the site out of service: pages do not need it.
    return jsonify(status="ready", mail_worker=mail_worker)


def unavailable(reason: str, **details):
    """503 with the reason; the details never include connection strings or errors' text."""
    response = jsonify(status="unavailable", reason=reason, **details)
    response.status_code = 503
    return response


def migration_heads() -> set[str]:
    """The head revisions of the migrations this code ships with, read once per process."""
    state = current_app.extensions.setdefault("health", {})
    if "heads" not in state:
        directory = current_app.extensions["migrate"].directory
        state["heads"] = set(ScriptDirectory(directory).get_heads())
    return state["heads"]
