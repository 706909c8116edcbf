"""The front door's answers kept in each worker's memory, so that a hit needs no Redis at all.

flaskblog.front_door keeps the full stack's final answers in the page cache (Redis), each
with the page generation it was made in. Fetching the generation and the entry was one Redis
round trip a hit, most of what a hit cost. Here each worker process keeps:

- the answers it has seen lately (`KeptAnswers`: least recently used first out, bounded in
  bytes by FRONT_DOOR_MEMORY_BYTES), each until the instant its copy in Redis expires;
- the current generation, told rather than asked (`GenerationWatch`): every new generation
  is published on a Redis channel (`announce`), and a daemon thread subscribed to it keeps
  the last one in memory. It subscribes before it reads the generation key, so no change can
  fall between the two; it reads the key again every second, so a lost message is corrected
  within one; and while its connection is down the generation is unknown, so the memory
  is not used and hits go to Redis as before.

A hit from memory is an answer whose generation is the one known and whose time is not up.
The parts of pages that flaskblog.caching keeps for every reader (a listing, a post's body, a
search's results) are kept here the same way, beside the answers and within the same bytes,
so that a logged-in page asks Redis for none of them either.
Only a Redis page cache has this tier: SimpleCache (tests, development) is in-process already.
"""

import logging
import math
import pickle
import threading
import time
from collections import OrderedDict
from typing import Any, NamedTuple

import redis
from flask import Flask
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from flaskblog.breaker import GuardedRedisCache, guarded

log = logging.getLogger(__name__)

# The generation key is read again this often, whatever the channel said (seconds).
REREAD_SECONDS = 1.0
# Beyond its body and headers, what one kept answer costs in memory (the tuple, the key...).
ENTRY_OVERHEAD = 400

# The wall clock: an answer's expiry is an instant shared by every process (tests move it).
now = time.time


def expiry(timeout: int) -> float:
    """The instant an answer kept now for `timeout` seconds (0: for ever) expires."""
    return now() + timeout if timeout > 0 else math.inf


class KeptPart(NamedTuple):
    """A part of a page kept for every reader (flaskblog.caching), as an answer is kept."""

    generation: str
    value: Any
    expires: float


class KeptAnswers:
    """Answers (front_door.Entry) and parts (KeptPart) by key, at most `max_bytes` of them;
    the least recently used go first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.answers: OrderedDict[str, tuple] = OrderedDict()  # key: (entry, size)
        self.lock = threading.Lock()  # a threaded server may answer several at once

    def get(self, key: str, generation: str):
        """The answer kept under `key` if it is of `generation` and its time is not up."""
        with self.lock:
            kept = self.answers.get(key)
            if kept is None or kept[0].generation != generation:
                return None
            if now() >= kept[0].expires:
                self._drop(key)
                return None
            self.answers.move_to_end(key)
            return kept[0]

    def put(self, key: str, entry, size: int) -> None:
        """Keep `entry` under `key`, counted as `size` bytes, making room if need be."""
        if size > self.max_bytes or now() >= entry.expires:
            return
        with self.lock:
            self._drop(key)
            self.answers[key] = (entry, size)
            self.bytes += size
            while self.bytes > self.max_bytes:
                _, (_, dropped) = self.answers.popitem(last=False)
                self.bytes -= dropped

    def _drop(self, key: str) -> None:
        kept = self.answers.pop(key, None)
        if kept is not None:
            self.bytes -= kept[1]


class GenerationWatch:
    """A daemon thread that keeps the page generation in `known` (None: not known now)."""

    def __init__(self, backend: GuardedRedisCache, generation_key: str) -> None:
        self.backend = backend
        self.generation_key = generation_key
        self.channel = channel(backend)
        pool = backend._read_client.connection_pool
        # Its own connection, named so that it can be found in CLIENT LIST, which fails at
        # once when it is cut (redis-py would otherwise reconnect it unseen).
        self.client = redis.Redis(
            connection_pool=redis.ConnectionPool(
                connection_class=pool.connection_class,
                **{
                    **pool.connection_kwargs,
                    "client_name": f"{backend.key_prefix}generation-watch",
                    "retry": Retry(NoBackoff(), 0),
                },
            )
        )
        # The server's breaker (flaskblog.breaker), which the cache reports to too: an outage
        # is logged once, whichever notices it first.
        self.breaker = backend.breaker
        self.following = False  # subscribed and read: a failure now is a cut connection
        self.known: str | None = None
        self.told = 0  # changes told in this process: a read begun before one is out of date
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, name="generation-watch", daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.watch()
            except (RedisError, OSError) as error:
                self.forget()
                if self.following:  # cut off after it worked: once again at once
                    self.following = False
                    continue
                if not self.breaker.is_open:  # else known (and logged) already
                    self.breaker.failed(error)
            except Exception:  # never a dead thread that still says what it knew
                self.forget()
                self.following = False
                log.exception("the page generation watch failed; starting it again")
            self.stopped.wait(self.breaker.retry_after)
        self.forget()
        self.client.connection_pool.disconnect()

    def watch(self) -> None:
        """Subscribe, then read the generation, then follow the channel until it fails."""
        with self.client.pubsub() as pubsub:
            pubsub.subscribe(self.channel)
            # Confirmed before the key is read: a change after the read is then sure to come.
            confirmation = pubsub.get_message(timeout=REREAD_SECONDS)
            if confirmation is None or confirmation["type"] != "subscribe":
                raise ConnectionError(f"no answer to SUBSCRIBE, but {confirmation!r}")
            self.breaker.succeeded()  # Redis answers (if it was down, the cache may try it)
            self.read()
            self.following = True
            next_read = time.monotonic() + REREAD_SECONDS
            while not self.stopped.is_set():
                message = pubsub.get_message(timeout=max(0.0, next_read - time.monotonic()))
                if message is not None and message["type"] == "message":
                    with self.lock:
                        self.known = message["data"].decode() or None
                if time.monotonic() >= next_read:
                    self.read()
                    next_read = time.monotonic() + REREAD_SECONDS

    def read(self) -> None:
        """Read the generation key (through the cache's breaker, which also starts a new
        generation if this process saw an outage); missing or unreadable: unknown."""
        with self.lock:
            told = self.told
        current = self.backend.get(self.generation_key)
        with self.lock:
            if told == self.told:
                self.known = current

    def forget(self) -> None:
        """Not known until told or read again (this process has just changed it, or lost
        the channel)."""
        with self.lock:
            self.told += 1
            self.known = None

    def stop(self) -> None:
        self.stopped.set()


class DoorMemory:
    """One process's kept answers and known generation (flaskblog.front_door.FrontDoor makes
    one in each process that serves, on its first request)."""

    def __init__(self, app: Flask, backend: GuardedRedisCache, generation_key: str) -> None:
        self.answers = KeptAnswers(app.config["FRONT_DOOR_MEMORY_BYTES"])
        self.watch = GenerationWatch(backend, generation_key)

    def answer(self, key: str):
        """The answer to give from memory, or None (not kept, out of date, or the generation
        is not known now)."""
        known = self.watch.known
        return None if known is None else self.answers.get(key, known)

    def keep(self, key: str, entry) -> None:
        """Keep a front door answer (a front_door.Entry)."""
        size = len(entry.body) + sum(len(n) + len(v) for n, v in entry.headers)
        self.answers.put(key, entry, size + ENTRY_OVERHEAD)

    def part(self, key: str):
        """The part kept under `key` (a key that names its generation), or None."""
        kept = self.answer(key)
        return None if kept is None else kept.value

    def keep_part(self, key: str, generation: str, value, expires: float) -> None:
        """Keep a part of a page made in `generation`, until `expires`, as it is kept in
        Redis. Every request that finds it gets this one object: it must not be changed."""
        size = len(pickle.dumps(value, pickle.HIGHEST_PROTOCOL)) + ENTRY_OVERHEAD
        self.answers.put(key, KeptPart(generation, value, expires), size)


def for_process(app: Flask, backend, generation_key: str) -> DoorMemory | None:
    """A memory for this process, or None if there is to be none (no Redis, or a size of 0)."""
    if not isinstance(backend, GuardedRedisCache) or app.config["FRONT_DOOR_MEMORY_BYTES"] <= 0:
        return None
    return DoorMemory(app, backend, generation_key)


def channel(backend: GuardedRedisCache) -> str:
    """Where new generations are told: named by the key prefix and database, as channels are
    shared by every database of a server."""
    db = backend._read_client.connection_pool.connection_kwargs.get("db", 0)
    return f"{backend.key_prefix}pages-generation:{db}"


def announce(backend, generation: str) -> None:
    """Tell every process's watch that `generation` is the current one (Redis only)."""
    if isinstance(backend, GuardedRedisCache):
        client = backend._write_client
        guarded(backend.breaker, lambda: client.publish(channel(backend), generation), lambda: 0)
