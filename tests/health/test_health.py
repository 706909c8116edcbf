"""Health checks: /health says the process answers without touching the database;
/health/ready says the database answers and its schema is at the migrations' head, and
answers 503 with the reason otherwise. Neither is rate limited."""

import logging

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from config import TestingConfig as Settings  # not collected as a test class
from flaskblog import create_app
from flaskblog.extensions import limiter
from tests.helpers.services import free_port


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
