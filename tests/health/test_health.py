"""Health checks: /health says the process answers without touching the database;
/health/ready says the database answers and its schema is at the migrations' head, and
answers 503 with the reason otherwise. Neither is rate limited."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from rq.utils import utcformat

from config import TestingConfig as Settings  # not collected as a test class
from flaskblog import create_app
from flaskblog.extensions import limiter
from flaskblog.mailqueue import make_worker
from tests.helpers.services import RedisServer, free_port


def test_liveness_is_ok_without_a_single_query_even_for_a_logged_in_user(
    make_user, auth, client, count_queries
):
    make_user("alice")
    auth.login()

    with count_queries() as queries:
        response = client.get("/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.mimetype == "application/json"
    assert queries == []
    assert "Set-Cookie" not in response.headers


def test_liveness_answers_even_when_the_database_is_gone():
    settings = Settings()
    settings.SQLALCHEMY_DATABASE_URI = unreachable_database()
    client = create_app(settings).test_client()

    response = client.get("/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readiness_is_ok_when_the_schema_is_at_the_migration_head(client):
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}


def unreachable_database() -> str:
    """A PostgreSQL URL where nothing listens: connecting is refused at once."""
    return f"postgresql+psycopg://flaskblog:secret-password@127.0.0.1:{free_port()}/flaskblog"


def test_readiness_is_503_when_the_database_does_not_answer(caplog):
    settings = Settings()
    settings.SQLALCHEMY_DATABASE_URI = unreachable_database()
    client = create_app(settings).test_client()

    response = client.get("/health/ready")

    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": "database unreachable"}
    # Neither the answer nor the log gives away where the database is or its password.
    assert "secret-password" not in response.get_data(as_text=True)
    assert "secret-password" not in caplog.text
    warnings = [r for r in caplog.records if r.name == "flaskblog.health"]
    assert [r.levelno for r in warnings] == [logging.WARNING]
    assert "database does not answer" in warnings[0].getMessage()


@pytest.fixture
def schema_one_step_behind(app):
    """The app's database downgraded by one migration, as after deploying new code before
    `flask db upgrade` ran; upgraded back afterwards. Yields (current, head) revisions."""
    script = migrations(app)
    [head_revision] = script.get_heads()
    previous = script.get_revision(head_revision).down_revision
    with app.app_context():
        downgrade(revision="-1")
    try:
        yield previous, head_revision
    finally:
        with app.app_context():
            upgrade()


def test_readiness_is_503_when_the_schema_is_behind_the_migrations(
    app, schema_one_step_behind, caplog
):
    previous, head = schema_one_step_behind

    response = app.test_client().get("/health/ready")

    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "reason": "database schema is not at the migration head (run `flask db upgrade`)",
        "current": [previous],
        "head": [head],
    }
    assert any(
        r.name == "flaskblog.health" and "schema at" in r.getMessage() for r in caplog.records
    )


def test_readiness_is_503_on_an_empty_database(build_app):
    app = build_app()
    with app.app_context():
        downgrade(revision="base")
    try:
        response = app.test_client().get("/health/ready")
        assert response.status_code == 503
        assert response.get_json()["current"] == []
        assert response.get_json()["head"] == list(migrations(app).get_heads())
    finally:
        with app.app_context():
            upgrade()


def migrations(app) -> ScriptDirectory:
    """The migration scripts the app ships with."""
    return ScriptDirectory(app.extensions["migrate"].directory)


@pytest.fixture
def default_limit():
    """A default limit for every route, for one test. Flask-Limiter keeps the first default
    it reads on the one shared `limiter`, so it is removed again afterwards."""
    yield "2/minute"
    limiter.limit_manager.set_default_limits([])


def test_health_checks_are_never_rate_limited(build_app, default_limit):
    app = build_app(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT=default_limit)
    client = app.test_client()

    checks = [client.get(url).status_code for url in ["/health", "/health/ready"] * 5]
    pages = [client.get("/about").status_code for _ in range(3)]

    assert checks == [200] * 10
    assert pages == [200, 200, 429]  # the same limit does apply to the pages


def test_health_checks_log_at_debug_so_probes_do_not_flood_the_log(client, caplog):
    caplog.set_level(logging.DEBUG, logger="flaskblog")

    client.get("/health")
    client.get("/about")

    lines = {r.fields["path"]: r.levelno for r in caplog.records if r.name == "flaskblog.request"}
    assert lines == {"/health": logging.DEBUG, "/about": logging.INFO}


# --- The mail worker, when emails go through RQ ------------------------------------------------


@pytest.fixture
def rq_app(build_app, tmp_path):
    server = RedisServer(tmp_path).start()
    yield build_app(MAIL_QUEUE="rq", REDIS_URL=server.url)
    server.stop()


def test_readiness_says_when_no_mail_worker_has_been_seen(rq_app):
    response = rq_app.test_client().get("/health/ready")

    # Pages do not need the worker: still ready, but the operator is told.
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready", "mail_worker": {"seen": False}}


def test_readiness_reports_a_mail_worker_seen_recently(rq_app):
    worker = make_worker(rq_app)
    worker.register_birth()  # what `flask mail-worker` does on starting, then every few minutes

    response = rq_app.test_client().get("/health/ready")

    assert response.status_code == 200
    status = response.get_json()["mail_worker"]
    assert status["seen"] is True
    assert 0 <= status["seconds_ago"] <= 60


def test_a_mail_worker_silent_for_too_long_is_not_seen(rq_app):
    worker = make_worker(rq_app)
    worker.register_birth()
    silent_for = rq_app.config["MAIL_WORKER_SEEN_SECONDS"] + 120
    heartbeat = datetime.now(UTC) - timedelta(seconds=silent_for)
    worker.connection.hset(worker.key, "last_heartbeat", utcformat(heartbeat))

    status = rq_app.test_client().get("/health/ready").get_json()["mail_worker"]

    assert status["seen"] is False
    assert silent_for <= status["seconds_ago"] <= silent_for + 60


def test_readiness_stays_ready_when_redis_does_not_answer(build_app):
    app = build_app(MAIL_QUEUE="rq", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")

    response = app.test_client().get("/health/ready")

    assert response.status_code == 200
    assert response.get_json()["mail_worker"] == {"seen": None, "reason": "Redis unreachable"}
