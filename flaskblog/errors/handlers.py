"""Error pages for the whole site, in the site's layout and without stack traces."""

import logging
import math
import sqlite3
import sys
import time

import psycopg
from flask import current_app, g, redirect, render_template, request
from flask_babel import format_number, lazy_ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import (
    Forbidden,
    HTTPException,
    InternalServerError,
    NotFound,
    RequestEntityTooLarge,
    ServiceUnavailable,
)

from flaskblog.errors import bp
from flaskblog.extensions import db, limiter, login_manager
from flaskblog.json_errors import is_api_request, json_error
from flaskblog.models import OldLink, Post
from flaskblog.security import current_user_id, log_event
from flaskblog.urls import post_url


def page_words(code: int | None) -> tuple[str, str]:
    """The title and the explanation of the error page for status `code`, in the reader's
    language; a status not listed gets a general pair."""
    words = {
        400: (
            _("Bad request"),
            _("The request could not be understood. Please go back and try again."),
        ),
        401: (_("Login needed"), _("Please log in to see that page.")),
        403: (_("Forbidden"), _("You do not have permission to do that.")),
        404: (
            _("Page not found"),
            _("That page does not exist. It may have been moved or deleted."),
        ),
        405: (_("Method not allowed"), _("That page cannot be used this way.")),
        409: (
            _("Conflict"),
            _("That clashed with a change made at the same time. Please try again."),
        ),
        410: (_("Gone"), _("That page has been removed for good.")),
        413: (
            _("Too large"),
            _(
                "That was too much to send at once. A post may be at most %(characters)s "
                "characters. Pictures may be at most 5 MB.",
                characters=format_number(Post.CONTENT_LENGTH),
            ),
        ),
        414: (_("Address too long"), _("That web address is too long to be read.")),
        415: (_("Unsupported type"), _("The server cannot read what was sent in that form.")),
        416: (_("Range not satisfiable"), _("That part of the file does not exist.")),
        422: (_("Could not be processed"), _("Some of what was sent is not valid.")),
        429: (_("Too many requests"), _("Please slow down and try again in a little while.")),
        431: (
            _("Request too large"),
            _("The request carried too much information in its headers."),
        ),
        500: (_("Something went wrong"), _("We have been told about it. Please try again later.")),
        501: (_("Not implemented"), _("The site cannot do that.")),
        503: (
            _("Briefly unavailable"),
            _(
                "The site cannot reach its database right now. Nothing was changed: please "
                "try again in a few seconds."
            ),
        ),
    }
    general = (
        _("Something is not right"),
        _("The request could not be completed. Please go back and try again."),
    )
    return words.get(code, general)


# While the database is down every request fails the same way: one line per process this
# often, not a traceback per request.
DATABASE_DOWN_LOG_SECONDS = 10
database_log = logging.getLogger("flaskblog.database")
_database_down_logged = 0.0


def render_error(error: HTTPException, message=None):
    """The error page for `error`, keeping its status and headers (Allow, Retry-After...), in
    the reader's language; under /api and for the pages' scripts, a JSON error instead.

    `message` (and a view's `abort(code, reason)`) is best a lazy string, so that the one
    wording serves every language: the API's is English (flaskblog.i18n chooses it for
    /api), a page script's is its reader's."""
    if is_api_request():
        return json_error(error, None if message is None else str(message))
    title, default_message = page_words(error.code)
    if error.description != type(error).description:
        default_message = error.description  # a view's abort(code, "reason") says it best
    response = error.get_response()
    response.set_data(
        render_template(
            "errors/error.html",
            title=title,
            code=error.code,
            message=message or default_message,
        )
    )
    response.content_type = "text/html; charset=utf-8"
    return response


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    log_event("csrf_failed", user_id=current_user_id(), reason=error.description)
    return render_error(
        error,
        _l(
            "The form had expired or was sent from elsewhere. Please go back, reload the page "
            "and try again."
        ),
    )


@bp.app_errorhandler(Forbidden)
def forbidden(error: Forbidden):
    log_event("forbidden", user_id=current_user_id())
    return render_error(error)


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    # The import form takes a whole blog, up to IMPORT_MAX_MB (flaskblog._limit_form_bodies):
    # its page names that limit, not a post's or a picture's.
    if request.endpoint == "account.import_posts":
        return render_error(
            error,
            _(
                "That file is larger than an import reads: at most %(limit)s MB. Nothing was "
                "imported.",
                limit=current_app.config["IMPORT_MAX_MB"],
            ),
        )
    return render_error(error)


@bp.app_errorhandler(RateLimitExceeded)
def rate_limited(error: RateLimitExceeded):
    # The page says the wait to people; Retry-After says the same wait to machines. The
    # limiter, writing its header after this, keeps ours rather than timing the wait again
    # later (on a busy server the two could otherwise disagree by seconds).
    limit = limiter.current_limit
    seconds = max(1, math.ceil(limit.reset_at - time.time())) if limit else 60
    if error.response is not None:
        # A limit's on_breach answered in its own words (the editor's preview, shown in place).
        response = error.response
    else:
        response = render_error(error, wait_in_words(seconds))
    response.headers["Retry-After"] = str(seconds)
    return response


def wait_in_words(seconds: int):
    """How long to wait before trying again, as people say it: "3 minutes", "45 seconds"."""
    if seconds >= 120:
        return lazy_ngettext(
            "Too many attempts in a short time. Please try again in %(num)d minute.",
            "Too many attempts in a short time. Please try again in %(num)d minutes.",
            math.ceil(seconds / 60),
        )
    return lazy_ngettext(
        "Too many attempts in a short time. Please try again in %(num)d second.",
        "Too many attempts in a short time. Please try again in %(num)d seconds.",
        seconds,
    )


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    if isinstance(error, InternalServerError):
        return internal_error(error)
    if isinstance(error, NotFound) and request.method in ("GET", "HEAD") and not is_api_request():
        # An address a post had on the blog it was imported from: sent on to it for good.
        moved = OldLink.post_at(request.path)
        if moved is not None and moved.is_public:
            return redirect(post_url(moved), 301)
    return render_error(error)


@bp.app_errorhandler(InternalServerError)
def internal_error(error: InternalServerError):
    # The failed request may have left the session mid-transaction.
    db.session.rollback()
    return render_error(error)


@bp.app_errorhandler(DBAPIError)
def database_unavailable(error: DBAPIError):
    """The database refused or dropped the connection (restarting, failing over, full):
    a fast 503 that says to try again, with Retry-After, rather than a 500. Any other
    database error is a bug, answered and logged as one."""
    if not database_unreachable(error):
        current_app.log_exception(sys.exc_info())
        return internal_error(InternalServerError())
    global _database_down_logged
    with_rollback_attempted()
    now = time.monotonic()
    if now - _database_down_logged >= DATABASE_DOWN_LOG_SECONDS:
        _database_down_logged = now
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        database_log.warning("Database unavailable, answering 503: %s", reason)
    # The page is shown as to a visitor: saying who is logged in would need the database.
    g._login_user = login_manager.anonymous_user()
    unavailable = ServiceUnavailable(retry_after=5)
    try:
        return render_error(unavailable)
    except SQLAlchemyError:  # something on the page still asked the database
        with_rollback_attempted()
        title, message = page_words(503)
        response = current_app.response_class(f"{title}. {message}\n", 503, mimetype="text/plain")
        response.headers["Retry-After"] = "5"
        return response


def database_unreachable(error: DBAPIError) -> bool:
    """A lost or refused connection (PostgreSQL restarting: psycopg's OperationalError, of
    which AdminShutdown is one) or a busy SQLite file: not a mistake in a query (SQLite
    also calls a missing table an OperationalError)."""
    if error.connection_invalidated or isinstance(error.orig, psycopg.OperationalError):
        return True
    return isinstance(error.orig, sqlite3.OperationalError) and "locked" in str(error.orig)


def with_rollback_attempted() -> None:
    # The session's connection is gone; a rollback may fail the same way, which is fine.
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.close()
