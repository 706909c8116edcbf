"""The app's log: one line per request, a request id on every line, JSON or plain text.

Everything the app logs goes through the "flaskblog" logger (Flask's `app.logger`) and its
children: "flaskblog.request" (one line per request), "flaskblog.security" (security events)
and "flaskblog.mail" (the mail queue). One handler on "flaskblog" writes them all in the format
LOG_FORMAT names: "json" for production, where a log service reads them, or "text" for people.
"""

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler, wsgi_errors_stream

from config import CannotStart

request_log = logging.getLogger("flaskblog.request")

# An X-Request-ID from the router (Heroku's are UUIDs) is kept so lines here match its own;
# anything longer or with other characters could forge or break log lines, so it is replaced.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{1,200}")
# URL arguments that are secrets (reset and confirmation links): never written to the log.
SECRET_ARGUMENTS = ("token",)


def init_app(app: Flask) -> None:
    """Install the handler and the per-request hooks. Call before any other `before_request`,
    so that a request stopped by an earlier hook still has its id and start time."""
    configure_handler(app)
    app.before_request(start_request)
    app.after_request(finish_request)


def configure_handler(app: Flask) -> None:
    """One handler on the "flaskblog" logger, in the configured format (idempotent, so that
    building several apps in one process, as the tests do, never doubles the lines)."""
    if app.config["LOG_FORMAT"] not in ("json", "text"):
        raise CannotStart(f"LOG_FORMAT must be json or text, not {app.config['LOG_FORMAT']!r}.")
    logger = logging.getLogger("flaskblog")
    for handler in list(logger.handlers):
        if handler is default_handler or getattr(handler, "flaskblog", False):
            logger.removeHandler(handler)
    # The WSGI server's error stream (gunicorn's error log), or stderr outside a request.
    handler = logging.StreamHandler(wsgi_errors_stream)
    handler.flaskblog = True
    handler.setFormatter(JsonFormatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(getattr(logging, app.config["LOG_LEVEL"], logging.INFO))


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    return g.get("request_id") if has_request_context() else None


def start_request() -> None:
    g.request_id = sane_request_id(request.headers.get("X-Request-ID", ""))
    g.request_started = time.perf_counter()


def sane_request_id(header: str) -> str:
    """The router's request id if it is a sane one, else a new id."""
    return header if SANE_REQUEST_ID.fullmatch(header) else uuid.uuid4().hex


def finish_request(response):
    """Echo the request id and write the request's line."""
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers["X-Request-ID"] = request_id
    started = g.get("request_started")
    log_request(
        method=request.method,
        path=loggable_path(),
        status=response.status_code,
        seconds=time.perf_counter() - started if started else None,
        user_id=known_user_id(),
        ip=request.remote_addr,
        request_id=request_id,
        endpoint=request.endpoint,
    )
    return response


def log_request(
    *,
    method: str,
    path: str,
    status: int,
    seconds: float | None,
    user_id: int | None,
    ip: str | None,
    request_id: str,
    endpoint: str | None,
) -> None:
    """Write a request's line (also for the cache hits flaskblog.front_door answers alone)."""
    duration_ms = round(seconds * 1000, 1) if seconds is not None else None
    fields = {
        "event": "request",
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": duration_ms,
        "user_id": user_id,
        "ip": ip,
        "request_id": request_id,
    }
    # Load balancers ask for /health every few seconds: those lines only at DEBUG.
    quiet = (endpoint or "").startswith("health.") and status < 400
    request_log.log(
        logging.DEBUG if quiet else logging.INFO,
        "%s %s %s %sms user=%s",
        method,
        path,
        status,
        duration_ms,
        user_id,
        extra={"fields": fields},
    )


def loggable_path() -> str:
    """The request's path (never its query string) with secret URL arguments blanked out."""
    path = request.path
    for name in SECRET_ARGUMENTS:
        value = (request.view_args or {}).get(name)
        if value:
            path = path.replace(str(value), f"<{name}>")
    return path


def known_user_id() -> int | None:
    """The logged-in user's id if this request already looked them up.

    Reads Flask-Login's per-request cache rather than `current_user`, which would load the
    user: a request that never needed to know (/health) must not query the database to log.
    """
    user = g.get("_login_user")
    return user.id if user is not None and user.is_authenticated else None


class TextFormatter(logging.Formatter):
    """`time LEVEL [request id] logger: message`, with the traceback below when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        record.request_id = request_id_of(record) or "-"
        return super().format(record)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request id, and either the record's
    `fields` (request lines, security events) or its message; the traceback as `exception`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": request_id_of(record),
        }
        fields = getattr(record, "fields", None)
        if fields is not None:
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str)


def request_id_of(record: logging.LogRecord) -> str | None:
    fields = getattr(record, "fields", None) or {}
    return fields.get("request_id") or getattr(record, "request_id", None) or current_request_id()
