"""Redis outages: the site keeps serving without Redis, says so once, and tries again later.

Redis holds help, never the truth: cached pages (flaskblog.caching), rate-limit counts
(Flask-Limiter) and queued emails (flaskblog.mailqueue). When it stops answering, a circuit
breaker per Redis server and process opens on the first failure: one warning in the log, then
nothing tries that server for REDIS_RETRY_SECONDS; after that one request tries again (a
failure keeps it open, a success closes it and says so). Meanwhile pages are rendered for
each request instead of cached, rate limits are counted in the process's own memory (each
worker alone, as without Redis), and an email that cannot be queued is reported as not sent.
While it stays down, one line every REDIS_OUTAGE_LOG_SECONDS says how many requests went
without it.

Cache writes dropped during an outage (a new generation of pages after a post was written)
could leave pages from before it in Redis once it is back, if it kept its data: so the first
cache access of a process that saw the outage, once Redis answers again, starts a new
generation of pages.
"""

import logging
import threading
import time
from typing import ClassVar
from urllib.parse import urlsplit

from flask import Flask
from flask_caching.backends.rediscache import RedisCache
from limits.storage import MemoryStorage, RedisStorage
from redis.exceptions import RedisError

log = logging.getLogger("flaskblog.redis")

# The Redis schemes the breaker guards, and the prefix that names the guarded limits storage.
REDIS_SCHEMES = ("redis://", "rediss://")
GUARDED = "guarded+"


class CircuitBreaker:
    """Closed (calls go through) until a failure; then open (calls are refused at once) for
    `retry_after` seconds, after which one call may try again."""

    def __init__(self, name: str, retry_after: float, log_every: float) -> None:
        self.name = name
        self.retry_after = retry_after
        self.log_every = log_every
        self.clock = time.monotonic  # tests move time by hand
        self.open_until: float | None = None
        self.down_since = 0.0
        self.last_logged = 0.0
        self.refused = 0  # calls refused or failed since the last line in the log
        self.lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self.open_until is not None

    def allows(self) -> bool:
        """Whether to try the service now: always when closed; when open, only once its
        back-off is over, and then for one caller only until that one reports back."""
        if self.open_until is None:
            return True
        with self.lock:
            now = self.clock()
            if self.open_until is not None and now >= self.open_until:
                self.open_until = now + self.retry_after  # the others wait for this try
                return True
            self.refused += 1
            self._say_still_down(now)
            return False

    def succeeded(self) -> bool:
        """Record a call that worked; True if it ended an outage."""
        if self.open_until is None:
            return False
        with self.lock:
            if self.open_until is None:
                return False
            self.open_until = None
            log.warning(
                "%s answers again after %.1f s (%d calls went without it)",
                self.name,
                self.clock() - self.down_since,
                self.refused,
            )
            self.refused = 0
            return True

    def failed(self, error: BaseException) -> None:
        """Record a failed call: open (or keep open) for another back-off interval."""
        with self.lock:
            now = self.clock()
            if self.open_until is None:
                self.down_since = self.last_logged = now
                self.refused = 0
                log.warning(
                    "%s is unreachable (%s: %s); not trying it again for %g s",
                    self.name,
                    type(error).__name__,
                    error,
                    self.retry_after,
                )
            else:
                self.refused += 1
                self._say_still_down(now)
            self.open_until = now + self.retry_after

    def _say_still_down(self, now: float) -> None:
        if now - self.last_logged >= self.log_every:
            self.last_logged = now
            log.warning(
                "%s still unreachable after %.0f s (%d calls went without it)",
                self.name,
                now - self.down_since,
                self.refused,
            )
            self.refused = 0


def init_app(app: Flask) -> None:
    """Route the page cache and the rate limits through breakers when they use Redis.

    Call before the cache and the limiter are set up: their settings are rewritten here to
    name the guarded backends, with timeouts so that a Redis that hangs fails fast too.
    """
    app.extensions["redis_breakers"] = {}
    timeouts = redis_timeouts(app)
    storage = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if storage.startswith(REDIS_SCHEMES):
        app.config["RATELIMIT_STORAGE_URI"] = GUARDED + storage
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            **timeouts,
            **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
            "breaker": breaker_for(app, storage),
        }
    if app.config.get("CACHE_TYPE") in ("RedisCache", "flask_caching.backends.RedisCache"):
        app.config["CACHE_TYPE"] = f"{__name__}.GuardedRedisCache"
        app.config["CACHE_OPTIONS"] = {**timeouts, **(app.config.get("CACHE_OPTIONS") or {})}


def redis_timeouts(app: Flask) -> dict:
    """Seconds to connect to Redis and to wait for an answer (REDIS_TIMEOUT_SECONDS)."""
    seconds = app.config["REDIS_TIMEOUT_SECONDS"]
    return {"socket_connect_timeout": seconds, "socket_timeout": seconds}


def breaker_for(app: Flask, url: str) -> CircuitBreaker:
    """The app's breaker for the Redis server at `url` (one per server, whoever uses it)."""
    parts = urlsplit(url)
    name = f"Redis at {parts.hostname}:{parts.port or 6379}"
    breakers = app.extensions["redis_breakers"]
    if name not in breakers:
        breakers[name] = CircuitBreaker(
            name, app.config["REDIS_RETRY_SECONDS"], app.config["REDIS_OUTAGE_LOG_SECONDS"]
        )
    return breakers[name]


def guarded(breaker: CircuitBreaker, call, fallback):
    """`call()` through `breaker`; `fallback()` when the breaker is open or the call fails."""
    if not breaker.allows():
        return fallback()
    try:
        result = call()
    except RedisError as error:
        breaker.failed(error)
        return fallback()
    breaker.succeeded()
    return result


class GuardedRedisCache(RedisCache):
    """Flask-Caching's Redis backend through the Redis breaker: when Redis is unreachable,
    reads miss and writes are dropped, without an exception."""

    @classmethod
    def factory(cls, app, config, args, kwargs):
        cache = super().factory(app, config, args, kwargs)
        url = config.get("CACHE_REDIS_URL") or "redis://{}:{}".format(
            config.get("CACHE_REDIS_HOST", "localhost"), config.get("CACHE_REDIS_PORT", 6379)
        )
        cache.breaker = breaker_for(app, url)
        cache.outage_seen = False
        return cache

    def _guard(self, call, fallback):
        from flaskblog.caching import GENERATION_KEY

        if not self.breaker.allows():
            self.outage_seen = True
            return fallback
        try:
            if self.outage_seen:
                # Back after an outage in which changes may not have been told (by this
                # process or another): pages kept from before it are never served again.
                super().delete(GENERATION_KEY)
                self.outage_seen = False
            result = call()
        except RedisError as error:
            self.breaker.failed(error)
            self.outage_seen = True
            return fallback
        self.breaker.succeeded()
        return result

    def get(self, key):
        return self._guard(lambda: super(GuardedRedisCache, self).get(key), None)

    def get_many(self, *keys):
        return self._guard(
            lambda: super(GuardedRedisCache, self).get_many(*keys), [None] * len(keys)
        )

    def has(self, key):
        return self._guard(lambda: super(GuardedRedisCache, self).has(key), False)

    def set(self, key, value, timeout=None):
        return self._guard(lambda: super(GuardedRedisCache, self).set(key, value, timeout), False)

    def add(self, key, value, timeout=None):
        return self._guard(lambda: super(GuardedRedisCache, self).add(key, value, timeout), False)

    def delete(self, key):
        return self._guard(lambda: super(GuardedRedisCache, self).delete(key), False)

    def clear(self):
        return self._guard(lambda: super(GuardedRedisCache, self).clear(), False)


class GuardedRedisStorage(RedisStorage):
    """The rate limits' Redis storage through the Redis breaker: while Redis is unreachable
    the counts are kept in this process's memory, so every limit still holds (per worker)."""

    STORAGE_SCHEME: ClassVar[list[str]] = [GUARDED + "redis", GUARDED + "rediss"]

    def __init__(self, uri: str, breaker: CircuitBreaker, **options) -> None:
        super().__init__(uri.removeprefix(GUARDED), **options)
        self.breaker = breaker
        self.memory = MemoryStorage()

    def _guard(self, name: str, *args, **kwargs):
        return guarded(
            self.breaker,
            lambda: getattr(super(GuardedRedisStorage, self), name)(*args, **kwargs),
            lambda: getattr(self.memory, name)(*args, **kwargs),
        )

    def incr(self, key, expiry, amount=1):
        return self._guard("incr", key, expiry, amount)

    def get(self, key):
        return self._guard("get", key)

    def get_expiry(self, key):
        return self._guard("get_expiry", key)

    def clear(self, key):
        return self._guard("clear", key)

    def reset(self):
        return self._guard("reset")

    def check(self):
        return self._guard("check")

    def acquire_entry(self, key, limit, expiry, amount=1):
        return self._guard("acquire_entry", key, limit, expiry, amount)

    def get_moving_window(self, key, limit, expiry):
        return self._guard("get_moving_window", key, limit, expiry)

    def acquire_sliding_window_entry(self, key, limit, expiry, amount=1):
        return self._guard("acquire_sliding_window_entry", key, limit, expiry, amount)

    def get_sliding_window(self, key, expiry):
        return self._guard("get_sliding_window", key, expiry)

    def clear_sliding_window(self, key, expiry):
        return self._guard("clear_sliding_window", key, expiry)
