"""The services some tests need besides the app: Redis, PostgreSQL databases of their own
for parallel workers, and free TCP ports."""

import os
import shutil
import socket
import subprocess
import time

import psycopg
import pytest
import redis
from psycopg import sql
from sqlalchemy.engine import make_url

# Redis, for the tests of what lives there: rate limits, the page cache, the mail queue.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def require_redis() -> None:
    """Skip the test, naming the service, when Redis does not answer (CI always has it)."""
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2) as server:
            server.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not running at {REDIS_URL}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_for_worker(url: str, worker: str) -> str:
    """The PostgreSQL database a parallel test worker (pytest-xdist's gw0, gw1...) uses: the
    first keeps the one it was given, each other gets `<name>_<worker>`, created if missing,
    so that no two workers empty each other's tables. Other URLs are returned unchanged."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql") or worker in ("", "gw0"):
        return url
    name = f"{parsed.database}_{worker}"
    server = {"host": parsed.host, "port": parsed.port or 5432, "user": parsed.username}
    if parsed.password:
        server["password"] = parsed.password
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if found.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return parsed.set(database=name).render_as_string(hide_password=False)


class ObjectStorage:
    """A real S3-compatible server (moto in server mode) on 127.0.0.1, for the tests of
    images kept in object storage; each test takes a bucket of its own."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        self.buckets = 0

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def new_bucket(self) -> str:
        self.buckets += 1
        name = f"images-{self.buckets}"
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str) -> dict:
        """The app's settings for storing images in `bucket` on this server."""
        return {
            "MEDIA_STORAGE": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }

    def keys(self, bucket: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def stop(self) -> None:
        self.server.stop()


class RedisServer:
    """A Redis server of the test's own on a spare port, which the test may stop and start
    again (never the machine's shared one). It keeps its data across a restart, as a
    production Redis with snapshots does."""

    def __init__(self, directory) -> None:
        self.executable = shutil.which("redis-server")
        if self.executable is None:
            pytest.skip("redis-server is not installed")
        self.directory = str(directory)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        command = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", self.directory, "--save", "3600 1", "--appendonly", "no"]
        self.process = subprocess.Popen(  # noqa: S603  (our own arguments)
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for_redis(self.url, process=self.process)
        return self

    def stop(self) -> None:
        """Shut it down as an operator would (SIGTERM: it saves its data, then exits)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def wait_for_redis(url: str, process=None, seconds: float = 10) -> None:
    """Until the Redis server at `url` answers a PING (or its process has died)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with redis.Redis.from_url(url, socket_connect_timeout=0.5) as server:
                server.ping()
                return
        except redis.exceptions.ConnectionError:
            if (process is not None and process.poll() is not None) or (
                time.monotonic() > deadline
            ):
                raise
            time.sleep(0.05)
