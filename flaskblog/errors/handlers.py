"""Error pages for the whole site, in the site's layout and without stack traces."""

import logging
import math
import sqlite3
import sys
import time

import psycopg
from flask import current_app, g, redirect, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from werkzeug.exceptions import (
    Forbidden,
    HTTPException,
    InternalServerError,
    NotFound,
    ServiceUnavailable,
)

from flaskblog.errors import bp
from flaskblog.extensions import db, limiter, login_manager
from flaskblog.json_errors import is_api_request, json_error
from flaskblog.models import OldLink, Post
from flaskblog.security import current_user_id, in_words, log_event
from flaskblog.urls import post_url

# What each page tells the visitor; codes not listed fall back to Werkzeug's own wording.
MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    403: ("Forbidden", "You do not have permission to do that."),
    404: ("Page not found", "That page does not exist. It may have been moved or deleted."),
    405: ("Method not allowed", "That page cannot be used this way."),
    413: (
        "Too large",
        "That was too much to send at once. A post may be at most "
        f"{Post.CONTENT_LENGTH:,} characters. Pictures may be at most 5 MB.",
    ),
    429: ("Too many requests", "Please slow down and try again in a little while."),
    500: ("Something went wrong", "We have been told about it. Please try again later."),
    503: (
        "Briefly unavailable",
        "The site cannot reach its database right now. Nothing was changed: please try again "
        "in a few seconds.",
    ),
}

# While the database is down every request fails the same way: one line per process this
# often, not a traceback per request.
DATABASE_DOWN_LOG_SECONDS = 10
database_log = logging.getLogger("flaskblog.database")
_database_down_logged = 0.0


def render_error(error: HTTPException, message: str | None = None):
    """The error page for `error`, keeping its status and headers (Allow, Retry-After...);
    under /api, the API's JSON error instead."""
    if is_api_request():
        return json_error(error, message)
    title, default_message = MESSAGES.get(error.code, (error.name, error.description))
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
        "The form had expired or was sent from elsewhere. Please go back, reload the page "
        "and try again.",
    )


@bp.app_errorhandler(Forbidden)
def forbidden(error: Forbidden):
    log_event("forbidden", user_id=current_user_id())
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
        response = render_error(
            error, f"Too many attempts in a short time. Please try again in {in_words(seconds)}."
        )
    response.headers["Retry-After"] = str(seconds)
    return response


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
        title, message = MESSAGES[503]
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
