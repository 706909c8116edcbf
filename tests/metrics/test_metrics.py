"""/metrics: Prometheus's text format, for the scraper holding METRICS_TOKEN or coming from
METRICS_ALLOW_FROM only; requests by endpoint and status, the page cache, the mail queue and
the database pool; under gunicorn, every worker's counts added up."""

import ipaddress
import urllib.request
import uuid

import pytest
from prometheus_client.parser import text_string_to_metric_families

from config import CannotStart
from config import TestingConfig as Settings  # not collected as a test class
from flaskblog import create_app
from tests.helpers import factories
from tests.helpers.live import gunicorn
from tests.helpers.pages import Forms
from tests.helpers.services import free_port

TOKEN = "metrics-token-" + "x" * 32


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of a /metrics page."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client) -> dict[tuple, float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    return samples(response.get_data(as_text=True))


@pytest.fixture
def app(build_app):
    return build_app(METRICS_TOKEN=TOKEN, CACHE_TYPE="SimpleCache")


def test_without_a_token_or_network_there_is_no_metrics_page(build_app):
    response = build_app().test_client().get("/metrics")

    assert response.status_code == 404


def test_a_missing_or_wrong_token_is_refused_and_shows_nothing(app):
    client = app.test_client()

    anonymous = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "y" * 46})

    for response in (anonymous, wrong):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert "flaskblog_" not in response.get_data(as_text=True)
        assert "Set-Cookie" not in response.headers


def test_the_token_shows_requests_by_endpoint_and_status(app):
    client = app.test_client()
    key = ("flaskblog_requests_total", (("endpoint", "main.about"), ("status", "200")))
    missing = ("flaskblog_requests_total", (("endpoint", "none"), ("status", "404")))
    before = scrape(client)

    for _ in range(3):
        client.get("/about")
    client.get("/no/such/page")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    after = samples(response.get_data(as_text=True))

    assert response.content_type.startswith("text/plain; version=")
    assert after[key] - before.get(key, 0) == 3
    assert after[missing] - before.get(missing, 0) == 1
    latency = ("flaskblog_request_duration_seconds_count", key[1])
    assert after[latency] - before.get(latency, 0) == 3
    slowest = (
        "flaskblog_request_duration_seconds_bucket",
        tuple(sorted((*key[1], ("le", "+Inf")))),
    )
    assert after[slowest] == after[latency]


def test_an_allowed_network_needs_no_token_and_others_are_refused(build_app):
    app = build_app(METRICS_ALLOW_FROM=[ipaddress.ip_network("10.1.0.0/16")])
    client = app.test_client()

    inside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.2.0.1"})

    assert inside.status_code == 200
    assert "flaskblog_requests_total" in inside.get_data(as_text=True)
    assert outside.status_code == 401


def test_page_cache_hits_and_misses_are_counted(app, client, make_user, make_posts):
    make_posts(make_user("alice"), 2)
    before = scrape(client)

    for _ in range(3):
        client.get("/")
    after = scrape(client)

    hits, misses = (
        ("flaskblog_page_cache_hits_total", ()),
        ("flaskblog_page_cache_misses_total", ()),
    )
    assert after[misses] - before[misses] == 1
    assert after[hits] - before[hits] == 2


def test_emails_that_cannot_be_queued_are_counted(build_app):
    app = build_app(
        METRICS_TOKEN=TOKEN, MAIL_QUEUE="rq", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"
    )
    client = app.test_client()
    factories.make_user(app, "alice")
    key = ("flaskblog_mail_failures_total", (("stage", "queue"),))
    before = scrape(client).get(key, 0)

    Forms(client).submit("/reset_password", {"email": "alice@example.com"})
    after = scrape(client)

    assert after[key] - before == 1
    # Redis is down: the queue's length is not made up, it is left out.
    assert ("flaskblog_mail_queue_depth", ()) not in after


def test_the_database_pool_in_use_is_shown(app, client):
    client.get("/about")

    scraped = scrape(client)

    assert scraped[("flaskblog_db_connections_open", ())] >= 1
    assert scraped[("flaskblog_db_connections_in_use", ())] >= 0


@pytest.mark.parametrize(
    ("setting", "value"),
    [("METRICS_TOKEN", "too-short"), ("METRICS_ALLOW_FROM", "10.0.0.0/8,not-a-network")],
)
def test_a_weak_token_or_a_malformed_network_stops_the_start(monkeypatch, setting, value):
    monkeypatch.setenv(setting, value)

    with pytest.raises(CannotStart):
        create_app(Settings())


def test_under_gunicorn_every_workers_requests_are_added_up(build_app, tmp_path):
    app = build_app(shared_sqlite=True)
    environment = {
        "FLASK_CONFIG": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": uuid.uuid4().hex,
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }

    with gunicorn(environment, tmp_path / "gunicorn.log", workers=2) as site:
        for _ in range(20):  # spread over both workers by the kernel
            with urllib.request.urlopen(f"{site.url}/about", timeout=10) as page:  # noqa: S310
                page.read()
        request = urllib.request.Request(  # noqa: S310  (loopback)
            f"{site.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            scraped = samples(response.read().decode())
    workers_files = {p.name.rsplit("_", 1)[-1] for p in (tmp_path / "metrics").glob("*.db")}

    key = ("flaskblog_requests_total", (("endpoint", "main.about"), ("status", "200")))
    assert scraped[key] == 20
    assert len(workers_files) >= 2  # both workers answered some: the figure is their sum
