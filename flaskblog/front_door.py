"""Cache hits answered before Flask runs: the page cache's front door.

A visitor without a login asks mostly for pages already in the page cache
(flaskblog.caching). Served through Flask, such a hit still pays for the whole request stack:
the request and app contexts, the session, CSRF and limiter hooks, the language selector,
compression, the security headers. That made a hit cost more than a bare Flask app spends
rendering a page. This WSGI middleware answers a repeat of such a request with no Flask at
all: from the worker's own memory when it can (flaskblog.front_door_memory, Redis caches
only: no Redis call either), else with one cache read.

What it keeps is the final response (status 200, headers, body as sent) that the full stack
gave to a request, under a key naming everything that response depended on:

- the URL as sent (scheme, host, path and query string, spelt exactly as asked: the full stack
  decided whether that spelling may be cached; any other spelling goes through it again);
- the language Accept-Language chooses among those offered, as flaskblog.i18n chooses it;
- the encoding Accept-Encoding chooses, as Flask-Compress chooses it (so the body is kept
  compressed, and a hit compresses nothing).

It keeps and answers only requests that cannot be anyone's: no session or login cookie and
no Authorization header (so nobody logged in, and no flashed message waiting), and no
conditional headers (a feed reader's If-None-Match goes through the full stack, which
answers 304). Each entry holds the page generation it was made in; an entry from an older
generation is a miss, so a change to the site reaches these answers as it reaches the cache.
It also holds the instant its copy in the cache expires, which the copy in a worker's memory
never outlives. A worker knows the current generation by being told it over Redis (well
under a millisecond on loopback), and reads it again every second in case a message was lost;
while it cannot be told, it asks Redis on every hit as before.

A visitor's form page (the login page: flaskblog.form_pages.visitor_form_page) is kept with its
CSRF token's place marked and uncompressed; each answer puts in a fresh token for the
visitor's cookie, and gives a visitor without one a new cookie (flaskblog.visitor_csrf).

A hit still does what every request does that is visible from outside: a request id
(X-Request-ID), one line in the request log, and the request and cache-hit counts in
/metrics. It skips what only a built page needs, and the rate limits (no page here costs
anything to answer).
"""

import functools
import hashlib
import os
import time
from typing import NamedTuple

from flask import Flask, current_app
from flask_caching.backends.nullcache import NullCache

# Flask-Compress's own negotiation, so that the door picks the encoding the full stack would.
from flask_compress.flask_compress import _choose_algorithm
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header, parse_cookie

from flaskblog import front_door_memory, instruments, logs, visitor_csrf
from flaskblog.extensions import cache, compress

# Headers that belong to one response, never replayed: the door sets its own request id and
# length; the rest are written by the server, or are one visitor's (a cookie).
PER_RESPONSE_HEADERS = frozenset({"x-request-id", "content-length", "date", "server", "set-cookie"})
# A form page's body changes with each visitor's token: kept as it was before compression.
PER_BODY_HEADERS = frozenset({"content-encoding", "etag"})
# Requests whose answer depends on what the client holds: the full stack answers them.
CONDITIONAL_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_RANGE",
)


class Entry(NamedTuple):
    """A kept answer: the page generation it was made in, and what to send."""

    generation: str
    headers: list[tuple[str, str]]
    body: bytes
    endpoint: str
    path: str  # for the log line
    # When its copy in Redis expires (wall clock, so the same instant in every process); 0
    # for an entry kept before this was: not for a worker's memory.
    expires: float = 0.0
    # A visitor's form page: the body holds a token's place (flaskblog.visitor_csrf).
    visitor_form: bool = False


class FrontDoor:
    """WSGI middleware in front of `app`'s own WSGI app (inside the proxy and address
    middleware of flaskblog.security, so that the URL and address are the client's)."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self._backend = None
        self._memory = None
        self._memory_pid = None

    @property
    def backend(self):
        """The page cache's backend, or None when there is no cache (found on first use: the
        cache is set up after this middleware is installed)."""
        if self._backend is None:
            from flaskblog.caching import GENERATION_KEY  # (caching keeps pages through here)

            self.generation_key = GENERATION_KEY
            backend = self.app.extensions["cache"][cache]
            self._backend = False if isinstance(backend, NullCache) else backend
        return self._backend or None

    @property
    def memory(self) -> front_door_memory.DoorMemory | None:
        """This process's kept answers (flaskblog.front_door_memory), or None without Redis.
        Made in the process that serves: gunicorn forks its workers, and a thread (the
        generation watch) does not survive a fork."""
        pid = os.getpid()
        if self._memory_pid != pid:
            self._memory_pid = pid
            backend = self.backend  # (which also finds the generation key)
            self._memory = front_door_memory.for_process(self.app, backend, self.generation_key)
        return self._memory

    def close(self) -> None:
        """Stop this process's generation watch (an app that is done with, in tests)."""
        if self._memory is not None and self._memory_pid == os.getpid():
            self._memory.watch.stop()
        self._memory = self._memory_pid = None

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        entry = self.lookup(environ)
        if entry is None:
            return self.wsgi_app(environ, start_response)
        request_id = logs.sane_request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        body, cookie = entry.body, None
        if entry.visitor_form:
            body, cookie = visitor_csrf.door_page(self.app.config, environ.get("HTTP_COOKIE"), body)
        headers = [
            *entry.headers,
            ("Content-Length", str(len(body))),
            ("X-Request-ID", request_id),
            *([("Set-Cookie", cookie)] if cookie else []),
        ]
        start_response("200 OK", headers)
        seconds = time.perf_counter() - started
        instruments.PAGE_CACHE_HITS.inc()
        instruments.observe(entry.endpoint, 200, seconds)
        logs.log_request(
            method=environ["REQUEST_METHOD"],
            path=entry.path,
            status=200,
            seconds=seconds,
            user_id=None,
            ip=environ.get("REMOTE_ADDR"),
            request_id=request_id,
            endpoint=entry.endpoint,
        )
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def lookup(self, environ) -> Entry | None:
        """The kept answer to this request, if it may have one and it is current."""
        backend = self.backend
        if backend is None or not self.may_answer(environ):
            return None
        key = entry_key(self.app, environ)
        memory = self.memory
        if memory is not None and (entry := memory.answer(key)) is not None:
            return entry
        try:
            generation, entry = backend.get_many(self.generation_key, key)
        except Exception:  # the cache is a help: the full stack will say what is wrong
            return None
        if entry is None or generation is None or entry.generation != generation:
            return None
        if memory is not None:
            memory.keep(key, entry)
        return entry

    def may_answer(self, environ) -> bool:
        """Whether a request is anyone's (read-only, unconditional and without credentials)
        and for a page the cache keeps (so a page never kept costs no cache read here)."""
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in environ:
            return False
        if any(name in environ for name in CONDITIONAL_HEADERS):
            return False
        cookies = environ.get("HTTP_COOKIE")
        if cookies:
            names = parse_cookie(cookies).keys()
            if self.app.config["SESSION_COOKIE_NAME"] in names:
                return False
            if self.app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in names:
                return False
        return self.kept_view(environ)

    def kept_view(self, environ) -> bool:
        """Whether the URL is a view whose pages the cache keeps (about 10 µs to find)."""
        try:
            endpoint, _ = self.app.url_map.bind_to_environ(environ).match()
        except HTTPException:  # not found, a redirect to add a slash...: Flask answers
            return False
        view = self.app.view_functions.get(endpoint)
        return getattr(view, "kept_for_anonymous", False)


def install(app: Flask) -> None:
    """Put the front door before `app`'s WSGI app. Call before flaskblog.security's
    middleware is installed, so that it runs after them (they wrap it)."""
    app.wsgi_app = app.extensions["front_door"] = FrontDoor(app, app.wsgi_app)


def keeps(request, response) -> bool:
    """Whether the door would answer `request` again with `response`, the final answer to a
    cacheable anonymous request."""
    door = current_app.extensions.get("front_door")
    return (
        door is not None
        and door.backend is not None
        and request.method == "GET"
        and response.status_code == 200
        and not response.is_streamed
        and door.may_answer(request.environ)
    )


def keep(request, response, generation: str, timeout: int, page: bytes | None = None) -> None:
    """Keep `response` for the door to give to the same request again (see `keeps`); for a
    visitor's form page, with `page` (uncompressed, its token's place marked) as the body."""
    door = current_app.extensions["front_door"]
    dropped = PER_RESPONSE_HEADERS if page is None else PER_RESPONSE_HEADERS | PER_BODY_HEADERS
    headers = [
        (name, value)
        for name, value in response.headers.to_wsgi_list()
        if name.lower() not in dropped
    ]
    body = response.get_data() if page is None else page
    endpoint = request.endpoint or "none"
    expires = front_door_memory.expiry(timeout)
    path = logs.loggable_path()
    entry = Entry(generation, headers, body, endpoint, path, expires, page is not None)
    key = entry_key(door.app, request.environ)
    door.backend.set(key, entry, timeout=timeout)
    if door.memory is not None:
        door.memory.keep(key, entry)


def known_generation() -> str | None:
    """The page generation this process has been told (flaskblog.front_door_memory), so that
    the full stack need not ask Redis for it either; None when it is not known now."""
    door = current_app.extensions.get("front_door")
    memory = door.memory if door is not None and door.backend is not None else None
    return memory.watch.known if memory is not None else None


def kept_part(key: str):
    """A part of a page this worker keeps in memory (flaskblog.caching's parts, `key` naming
    its generation), or None: not kept, out of date, or the generation not known now."""
    door = current_app.extensions.get("front_door")
    memory = door.memory if door is not None and door.backend is not None else None
    return memory.part(key) if memory is not None else None


def keep_part(key: str, generation: str, value, expires: float) -> None:
    """Keep a part of a page in this worker's memory too, until `expires` (its copy in Redis
    expires then)."""
    door = current_app.extensions.get("front_door")
    if door is not None and door.backend is not None and door.memory is not None:
        door.memory.keep_part(key, generation, value, expires)


def new_generation(generation: str) -> None:
    """Tell every worker that `generation` is now the current one (flaskblog.caching has just
    stored it); this one knows it when the message comes back, asking Redis until then."""
    door = current_app.extensions.get("front_door")
    if door is None or door.backend is None:
        return
    front_door_memory.announce(door.backend, generation)
    if door._memory is not None and door._memory_pid == os.getpid():
        door._memory.watch.forget()


def entry_key(app: Flask, environ) -> str:
    """The key of the kept answer to a request: its URL as sent, its language and encoding."""
    url = "{}://{}{}?{}".format(
        environ.get("wsgi.url_scheme", "http"),
        environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
        environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
    )
    digest = hashlib.sha256(url.encode("latin-1", "replace")).hexdigest()[:32]
    return f"door:{_language(environ)}:{_encoding(environ) or 'identity'}:{digest}"


def _language(environ) -> str:
    return _language_for(environ.get("HTTP_ACCEPT_LANGUAGE"))


@functools.lru_cache(maxsize=256)  # browsers send a few spellings, each the same each time
def _language_for(accept_language: str | None) -> str:
    # As flaskblog.i18n.select_language chooses for a reader without an account.
    from flaskblog.i18n import DEFAULT_LANGUAGE, LANGUAGES

    accepted = parse_accept_header(accept_language, LanguageAccept)
    return accepted.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def _encoding(environ) -> str | None:
    return _choose_algorithm(compress.enabled_algorithms, environ.get("HTTP_ACCEPT_ENCODING", ""))
