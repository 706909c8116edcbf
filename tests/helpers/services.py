"""The services some tests need besides the app: Redis, and free TCP ports."""

import os
import socket

import pytest
import redis

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
