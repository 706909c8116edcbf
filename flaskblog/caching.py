"""Whole pages kept for anonymous visitors (static files are named by their content in
flaskblog.static_files).

A cached page is the body of a public page (home, a post, a user's or a tag's posts...)
as any visitor without a login sees it. It is never kept for a logged-in user, for a
request with a flashed message waiting, or when the response sets a cookie (a CSRF token
or a login would be in it). Every key holds a generation; any committed change to what
those pages show (posts, comments, tags, usernames, pictures, accounts: each model says
which of its changes show, in its shown_on_public_pages) starts a new generation, so no
stale page is ever served afterwards: this works for every writer that goes through the
models (the site, `flask shell`, the CLI), across processes when the cache is Redis.

A post scheduled for later appears by itself, without a write: no page is kept past the
time of the next scheduled post (see page_timeout), since it may belong on that page.
"""

import functools
import hashlib
import math
import secrets
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlencode

from flask import (
    Response,
    current_app,
    g,
    has_app_context,
    redirect,
    request,
    request_finished,
    session,
    url_for,
)
from flask_caching.backends.nullcache import NullCache
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from flaskblog import front_door, front_door_memory
from flaskblog.dates import noting_date_changes
from flaskblog.extensions import cache
from flaskblog.i18n import current_language
from flaskblog.instruments import PAGE_CACHE_HITS, PAGE_CACHE_MISSES
from flaskblog.models import Post
from flaskblog.models.types import utcnow
from flaskblog.pagination import canonical_page_args
from flaskblog.static_files import ONE_YEAR
from flaskblog.timezones import zone_name
from flaskblog.visitor_csrf import made_visitor_token, token_place_marked, token_put_in

GENERATION_KEY = "pages-generation"
# Kept with a cached page: its validators, so that conditional requests (feeds, pictures)
# still get their 304, and the lifetime a picture gives browsers.
KEPT_HEADERS = ("ETag", "Last-Modified", "Cache-Control")
# Bigger answers (an image in a post may be 5 MB) are served from where they are kept.
MAX_KEPT_BYTES = 512 * 1024


def init_app(app) -> None:
    """Store pages once their response is final; templates get post_card_shown_alike."""
    request_finished.connect(_store_page, app)
    app.add_template_global(post_card_shown_alike)


# --- Pages -------------------------------------------------------------------------------


def cached_for_anonymous(view=None, *, key_args: dict | None = None):
    """Serve the view's page from the cache to visitors who are not logged in.

    Only ?page= makes a page different, and each page number has one spelling: any other
    ("01", "+1", "１", "page=1" for the first page) is sent on to it before the cache is
    consulted, so that nobody can fill the cache with copies of one page. `key_args`
    names the view's other query arguments, each with the function that gives its one
    spelling; a request that spells one otherwise is rendered for itself, never cached.
    """
    if view is None:
        return functools.partial(cached_for_anonymous, key_args=key_args)
    spellings = {"page": None, **(key_args or {})}

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        canonical = canonical_page_args()
        if canonical is not None:
            return redirect(url_for(request.endpoint, **request.view_args, **canonical), 301)
        if not _may_use_cache(spellings):
            return view(*args, **kwargs)
        try:
            current = generation()
            key = _page_key(current)
            hit = cache.get(key)
        except Exception:  # the cache is a help, never a cause of failure
            current_app.logger.warning("page cache unavailable", exc_info=True)
            return view(*args, **kwargs)
        if hit is not None:
            PAGE_CACHE_HITS.inc()
            body, mimetype, headers = hit
            response = current_app.response_class(body, mimetype=mimetype)
            response.headers.update(headers)
            # Kept already; the front door may keep this request's final answer.
            g.page_to_cache = PendingPage(key, current, None, None)
            # A feed reader's copy may be current: 304, as the view itself would answer.
            return response.make_conditional(request)
        PAGE_CACHE_MISSES.inc()
        # Before the page is made: a post that goes live while it is made is not on it, and
        # must still cut its lifetime short.
        timeout = page_timeout() if keeps_pages() else None
        response = current_app.make_response(view(*args, **kwargs))
        if (
            request.method == "GET"
            and response.status_code == 200
            and timeout is not None
            and len(response.get_data()) <= MAX_KEPT_BYTES
        ):
            # Kept only once the whole response is known (see _store_page).
            headers = {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers}
            page = (response.get_data(), response.mimetype, headers)
            g.page_to_cache = PendingPage(key, current, timeout, page)
        return response

    wrapper.kept_for_anonymous = True  # the front door looks for its pages
    return wrapper


def content_response(data: bytes, mimetype: str, digest: str, modified) -> Response:
    """A file whose URL names its content (a picture): kept by browsers for a year, answered
    304 when they have it. Whole in memory rather than streamed, so that the page cache
    (and the front door) can keep it for visitors."""
    response = current_app.response_class(data, mimetype=mimetype)
    response.set_etag(digest)
    response.last_modified = modified
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    return response.make_conditional(request)


def remembered(key: str, make):
    """`make()`, or what it gave for the same `key` since public pages last changed: for a
    value that is the same for every reader (a search's results), kept with the pages and
    forgotten with them, so never stale. Without a cache it is simply `make()`; a cache
    that fails only costs that. `make()` must give something picklable, and never None."""
    return _kept("remembered", key, make)


def shared_fragment(name: str, make, *, holds_token: bool = False) -> Markup:
    """`make()`'s markup (a template's): a part of a page that every reader in the same
    language and time zone sees alike (a page of the home listing, named by `name`), made
    once for them all rather than on each of their requests.

    It must hold nothing of one reader's own (no "your" anything): its key holds the
    language and time zone, and nothing else tells readers apart unless `name` does. A part
    with forms `holds_token`: the reader's CSRF token is kept as a placeholder and this
    request's put in (as in the site header). It is kept with
    the pages, so forgotten at the first write that shows on them, and no longer than its
    first "... ago" date keeps its text (flaskblog.dates), so it reads exactly as one made
    now would. Visitors who are not logged in have parts of their own (their dates are
    written in UTC for the browser to localise): they share those among themselves. Their
    pages are mostly whole cache hits; this serves the ones that are not (a search spelt
    otherwise than its cached spelling).
    """

    def made() -> tuple[str, datetime | None]:
        with noting_date_changes() as dates:
            html = str(make())
        return (token_place_marked(html) if holds_token else html), dates.earliest

    reader = zone_name(current_user) if current_user.is_authenticated else "visitor"
    key = f"{current_language()}:{reader}:{name}"
    # No longer than until its first date reads otherwise.
    html, _ = _kept("shared", key, made, changes_at=lambda fragment: fragment[1])
    return Markup(token_put_in(html) if holds_token else html)  # noqa: S704  # nosec B704  (made by a template, escaped there)


def post_card_shown_alike(card, post: Post) -> Markup:
    """`card(post)` (the post_card macro) in a listing, made once for every reader of a
    public post in a language and time zone (see shared_fragment); a draft's for each."""
    if not post.is_public:
        return card(post)
    return shared_fragment(f"card:{post.id}", lambda: card(post))


def _kept(kind: str, key: str, make, changes_at=None):
    """`make()`, kept with the pages (under `key` in this generation), or the value kept
    already: in this worker's memory (flaskblog.front_door_memory), else in the cache. It is
    kept as long as a page made now (page_timeout, reckoned before it is made: a post going
    live meanwhile is not in it), and no later than `changes_at(value)` if given (None: no
    sooner). The cache holds it with the instant it expires, so that a worker which finds it
    there keeps its own copy no longer."""
    if not keeps_pages():
        return make()
    try:
        current = generation()
        key = f"{kind}:{current}:{key}"
        hit = front_door.kept_part(key)
        if hit is not None:
            return hit
        hit = cache.get(key)
    except Exception:  # the cache is a help, never a cause of failure
        current_app.logger.warning("page cache unavailable", exc_info=True)
        return make()
    if hit is not None:
        value, expires = hit
        front_door.keep_part(key, current, value, expires)
        return value
    lifetime = page_timeout()
    value = make()
    timeout = no_later_than(lifetime, changes_at(value)) if changes_at else lifetime
    if timeout is not None:
        expires = front_door_memory.expiry(timeout)
        try:
            cache.set(key, (value, expires), timeout=timeout)
        except Exception:
            current_app.logger.warning("page cache unavailable", exc_info=True)
        else:
            front_door.keep_part(key, current, value, expires)
    return value


def _may_use_cache(spellings: dict) -> bool:
    # A waiting flash would be shown on the page (and must not be served from it). Other
    # parameters, or other spellings of these, would only fill the cache with copies
    # (anyone can invent them), so such requests are simply rendered.
    return (
        request.method in ("GET", "HEAD")
        and set(request.args) <= spellings.keys()
        and all(_spelt_once(name, canonical) for name, canonical in spellings.items())
        and not current_user.is_authenticated
        and "_flashes" not in session
    )


def page_timeout() -> int | None:
    """How long a page made now may be kept, in seconds: the usual time, but never past the
    next scheduled post's (it may belong on the page, and appears with no write that would
    start a new generation); None when that comes within a second: not kept at all."""
    return no_later_than(current_app.config["CACHE_DEFAULT_TIMEOUT"], Post.next_scheduled_time())


def no_later_than(timeout: int | None, moment: datetime | None) -> int | None:
    """`timeout` seconds (0: for ever), cut short to end by `moment` if there is one; None
    (not kept at all) if that comes within a second, or if `timeout` was None already."""
    if timeout is None or moment is None:
        return timeout
    seconds = math.floor((moment - utcnow()).total_seconds())
    if seconds < 1:
        return None
    return seconds if timeout <= 0 else min(timeout, seconds)


def keeps_pages() -> bool:
    # Without a cache (NullCache) nothing is kept, and nothing need be asked to keep it.
    return not isinstance(cache.cache, NullCache)


def _spelt_once(name: str, canonical) -> bool:
    values = request.args.getlist(name)
    if canonical is None or not values:
        return len(values) <= 1
    return len(values) == 1 and canonical(values[0]) == values[0]


def _page_key(current_generation: str) -> str:
    # The arguments as parsed, in order: "?a=1&b=2", "?b=2&a=1" and "?a=%31..." are one page.
    # One copy per language offered (not per Accept-Language spelling): the response says
    # `Vary: Accept-Language` (flaskblog.i18n).
    arguments = urlencode(sorted(request.args.items(multi=True)))
    url = hashlib.sha256(f"{request.base_url}?{arguments}".encode()).hexdigest()[:32]
    return f"page:{current_generation}:{current_language()}:{url}"


class PendingPage(NamedTuple):
    """A cacheable page on its way out: its key and generation; for a miss, how long to keep
    it and what (None for a hit, already kept)."""

    key: str
    generation: str
    timeout: int | None
    page: tuple | None


def _store_page(sender, response, **extra) -> None:
    """After the session is saved: a response that sets a cookie is nobody's but its own.
    The page is kept for the view; the final response (compressed, with every header) for
    the front door, which answers the same request again without Flask."""
    pending = g.pop("page_to_cache", None)
    if pending is None or "Set-Cookie" in response.headers or session.modified:
        return
    if made_visitor_token():  # a visitor's token, though their cookie came with an earlier page
        return
    try:
        if pending.page is not None:
            cache.set(pending.key, pending.page, timeout=pending.timeout)
        if front_door.keeps(request, response):
            timeout = pending.timeout if pending.timeout is not None else page_timeout()
            if timeout is not None:
                front_door.keep(request, response, pending.generation, timeout)
    except Exception:
        current_app.logger.warning("page cache unavailable", exc_info=True)


def generation() -> str:
    """The current generation of cached pages (a new one is made if none is stored): as
    this process was told it, when it was (no Redis read), else as stored."""
    known = front_door.known_generation()
    if known is not None:
        return known
    current = cache.get(GENERATION_KEY)
    if current is None:
        new = secrets.token_hex(8)
        if cache.add(GENERATION_KEY, new, timeout=0):
            front_door.new_generation(new)
        current = cache.get(GENERATION_KEY) or "none"
    return current


def forget_pages() -> None:
    """Start a new generation: every page cached so far is never served again (told to
    every worker's front door, which keeps answers in its memory)."""
    new = secrets.token_hex(8)
    cache.set(GENERATION_KEY, new, timeout=0)
    front_door.new_generation(new)


def shown_on_public_pages(model: type) -> bool | frozenset[str]:
    """What public pages show of a model, as the model itself says next to its columns:
    True (any change to a row shows), False (none does), or the names of the only columns
    they show (a new row sets them, so it shows too, and so does a deleted one). A model
    that has not said is taken as shown, which costs cached pages but never serves a stale
    one; a test makes every model say."""
    return getattr(model, "shown_on_public_pages", True)


def _changes_pages(session: Session) -> bool:
    for obj in (*session.new, *session.dirty, *session.deleted):
        shown = shown_on_public_pages(type(obj))
        if shown is True:
            return True
        if shown and (
            obj in session.deleted
            or any(inspect(obj).attrs[column].history.has_changes() for column in shown)
        ):
            return True
    return False


@event.listens_for(Session, "before_flush")
def _note_page_changes(session, flush_context, instances) -> None:
    # Before the flush: afterwards `dirty` no longer says what changed.
    if _changes_pages(session):
        session.info["pages_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    # An UPDATE or DELETE statement may touch any column: if pages show any, assume it shows.
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper and shown_on_public_pages(mapper.class_):
        state.session.info["pages_changed"] = True


@event.listens_for(Session, "after_commit")
def _forget_pages_after_commit(session) -> None:
    if session.info.pop("pages_changed", False) and has_app_context():
        try:
            forget_pages()
        except Exception:  # the write itself has succeeded
            # Pages cached before it may be served until CACHE_DEFAULT_TIMEOUT.
            current_app.logger.error("page cache not cleared after a change", exc_info=True)


@event.listens_for(Session, "after_rollback")
def _nothing_changed(session) -> None:
    session.info.pop("pages_changed", None)
