"""Two instances, one site: two gunicorn processes on different ports share one PostgreSQL
database and one Redis server. A login made through one is recognised by the other, a
picture uploaded through one is served by the other, and rate limits count across both."""

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from config import BASE_DIR, database_url
from config import TestingConfig as Settings  # not collected as a test class
from flaskblog import create_app
from flaskblog.extensions import db
from flaskblog.models import User
from tests.helpers import factories
from tests.helpers.apps import close_app
from tests.helpers.factories import PASSWORD
from tests.helpers.images import png
from tests.helpers.live import Visitor
from tests.helpers.services import REDIS_URL, free_port

# The PostgreSQL run's own database or, on the SQLite run, the one named for this test (CI
# names its own). Never a guessed default: the test empties the database's tables.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
POSTGRES_URL = database_url(
    TEST_DATABASE_URL
    if TEST_DATABASE_URL.startswith(("postgres", "postgresql"))
    else os.environ.get("TEST_POSTGRES_URL", "")
)
SECRET_KEY = uuid.uuid4().hex  # the one secret both instances sign cookies with
AVATAR = re.compile(r"/avatar/\d+/[0-9a-f]+\.webp")


@pytest.fixture
def shared_database():
    """The PostgreSQL database, migrated and empty, emptied again afterwards; the app
    object the test uses to read and write it directly."""
    if not POSTGRES_URL:
        pytest.skip("needs PostgreSQL: set TEST_POSTGRES_URL (or a PostgreSQL TEST_DATABASE_URL)")
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            pass
    except OperationalError:
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    finally:
        engine.dispose()
    settings = Settings()
    settings.SQLALCHEMY_DATABASE_URI = POSTGRES_URL
    app = create_app(settings)
    with app.app_context():
        upgrade()
    close_app(app)  # starts from empty tables
    yield app
    close_app(app)


@dataclass
class Instance:
    """One gunicorn process serving the site."""

    url: str
    process: subprocess.Popen
    log_path: object

    def log_lines(self) -> list[dict]:
        """The app's JSON log lines written so far (gunicorn's own lines are plain text)."""
        text = self.log_path.read_text()
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def instance_environment(redis_prefix: str) -> dict:
    """What each instance is started with: the same secret, database and Redis, and nothing
    from the developer's own environment or .env."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("FLASK_", "SECRET_", "SERVER_", "MAIL_", "DATABASE_", "RATELIMIT_", "REDIS_", "LOG_")
        )
    }
    return {
        **inherited,
        "FLASK_SKIP_DOTENV": "1",
        # Development settings: production's cookies are Secure, and this test speaks plain
        # http on loopback. Everything shared between instances is the same as in production.
        "FLASK_CONFIG": "development",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": POSTGRES_URL,
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
        "LOG_FORMAT": "json",
        "BCRYPT_LOG_ROUNDS": "4",
        "WEB_CONCURRENCY": "1",  # the machine running the tests may be small
    }


@pytest.fixture
def start_instance(shared_database, redis_prefix, tmp_path):
    """`start_instance()`: one more gunicorn process (with gunicorn.conf.py) on its own
    loopback port, ready once /health/ready says so; all stopped after the test."""
    started: list[Instance] = []

    def start() -> Instance:
        port = free_port()
        log_path = tmp_path / f"instance-{port}.log"
        with log_path.open("w") as log:
            process = subprocess.Popen(  # noqa: S603  (our own interpreter, fixed arguments)
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--config",
                    "gunicorn.conf.py",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "run:app",
                ],
                cwd=BASE_DIR,
                env=instance_environment(redis_prefix),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        instance = Instance(f"http://127.0.0.1:{port}", process, log_path)
        started.append(instance)
        wait_until_ready(instance)
        return instance

    yield start
    for instance in started:
        instance.process.terminate()
    for instance in started:
        try:
            instance.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            instance.process.kill()
            instance.process.wait()


def wait_until_ready(instance: Instance, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{instance.log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{instance.url}/health/ready", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"{instance.url} was not ready in {seconds} s:\n{instance.log_path.read_text()}")


def same_browser(first: Instance, second: Instance) -> tuple[Visitor, Visitor]:
    """One person's browser, talking to both instances: one cookie jar (cookies are per
    host, not per port, so both instances see the same cookies, as behind a balancer)."""
    through_first, through_second = Visitor(first.url), Visitor(second.url)
    through_second.opener = through_first.opener
    return through_first, through_second


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    """A multipart/form-data body, as a browser sends a form with a file field."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{head}\r\n\r\n{value}\r\n".encode())
    for name, (filename, content, content_type) in files.items():
        head = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'
        preamble = f"--{boundary}\r\n{head}\r\nContent-Type: {content_type}\r\n\r\n"
        parts.append(preamble.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload_picture(visitor: Visitor, picture: bytes) -> int:
    """Send the account form with a new picture; the HTTP status after redirects."""
    page = visitor.get("/account")
    body, content_type = multipart(
        {"csrf_token": page.csrf_token, "username": "alice", "email": "alice@example.com"},
        {"picture": ("me.png", picture, "image/png")},
    )
    request = urllib.request.Request(  # noqa: S310  (the live server's own URL)
        f"{visitor.base_url}/account", data=body, headers={"Content-Type": content_type}
    )
    with visitor.opener.open(request, timeout=10) as response:
        return response.status


def fetch(visitor: Visitor, path: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(f"{visitor.base_url}{path}")  # noqa: S310
    try:
        with visitor.opener.open(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers["Content-Type"], error.read()


def test_two_instances_share_logins_pictures_and_rate_limits(
    shared_database, start_instance, redis_prefix
):
    alice = factories.make_user(shared_database, "alice")
    factories.make_user(shared_database, "bob")
    first, second = start_instance(), start_instance()
    via_first, via_second = same_browser(first, second)

    # Logged in through the first instance, recognised by the second.
    logged_in = via_first.submit("/login", {"email": "alice@example.com", "password": PASSWORD})
    assert ">Log out</button>" in logged_in.text
    account = via_second.get("/account")
    assert account.status == 200
    assert account.path == "/account"
    assert 'value="alice@example.com"' in account.text

    # A picture uploaded through the second instance is served by the first.
    assert upload_picture(via_second, png((320, 200), (200, 40, 90))) == 200
    with shared_database.app_context():
        assert db.session.get(User, alice).avatar is not None
    picture_url = AVATAR.search(via_first.get("/account").text).group(0)
    assert picture_url.startswith(f"/avatar/{alice}/")
    status, content_type, body = fetch(via_first, picture_url)
    assert (status, content_type) == (200, "image/webp")
    assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"

    # Logging out through the first instance ends the login on the second too.
    via_first.submit("/logout", {}, page=via_first.get("/account"))
    assert via_second.get("/account").path == "/login"

    # Failed logins for one account are counted in Redis, across both instances: the
    # account's limit is 5 a minute, whichever instance the attempts reach.
    attempts = [
        visitor.submit("/login", {"email": "bob@example.com", "password": "wrong"}).status
        for visitor in (via_first, via_second, via_first, via_second, via_first, via_second)
    ]
    assert attempts == [200, 200, 200, 200, 200, 429]
    with redis.Redis.from_url(REDIS_URL) as server:
        assert list(server.scan_iter(f"*{redis_prefix}*")) != []

    # Each instance wrote its own JSON request lines, with request ids.
    for instance in (first, second):
        requests = [line for line in instance.log_lines() if line["logger"] == "flaskblog.request"]
        assert requests, f"no request lines from {instance.url}"
        assert all(line["request_id"] for line in requests)
    statuses = [
        line["status"]
        for line in second.log_lines()
        if line["logger"] == "flaskblog.request" and line["path"] == "/login"
    ]
    assert 429 in statuses
