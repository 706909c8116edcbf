"""Protection around every request: security headers, rate-limit keys and the security log."""

import hashlib
import ipaddress
import json
import logging
import math
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import ngettext
from flask_limiter import RequestLimit
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

# --- Headers on every response --------------------------------------------------------------

# Everything comes from this site alone: no inline script or style (templates have none;
# Markdown tables align through classes). Images may also come from any https: address,
# because authors show pictures hosted elsewhere in their posts (`![alt](https://...)`);
# those hosts see the reader's address, as with any embedded image. Plain http: images are
# refused, as browsers would on the https site anyway.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' https:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# No page uses any of these browser features, so no page (or anything injected) may ask.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors, for browsers that predate it
}


def init_app(app: Flask) -> None:
    """Find the client's real address (trusting PROXY_HOPS proxies), and send the security
    headers on every response (and HSTS where HSTS_MAX_AGE is set)."""
    app.wsgi_app = ValidClientAddress(app.wsgi_app)
    hops = app.config.get("PROXY_HOPS", 0)
    if hops:
        # Outermost, so that the address it takes from X-Forwarded-For is checked next.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.teardown_request(store_security_events)
    headers = dict(SECURITY_HEADERS)
    if app.config.get("HSTS_MAX_AGE"):
        headers["Strict-Transport-Security"] = (
            f"max-age={app.config['HSTS_MAX_AGE']}; includeSubDomains"
        )

    @app.after_request
    def add_security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if "Cache-Control" not in response.headers and is_for_one_person(response):
            response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response


# A response for one person alone is kept by no cache: not a proxy's or CDN's (which would
# hand it to the next visitor), not the browser's (where it outlives the logout on a shared
# computer). RFC 6749 asks the same of a response carrying a token.
PRIVATE_CACHE_CONTROL = "no-store"


def is_for_one_person(response) -> bool:
    """Whether a response is for one person alone: it answers a logged-in user, a request
    with credentials or a token, or it sets a cookie (a session, a CSRF token, a login).
    A view that knows better (a picture whose URL names its content) sets its own
    Cache-Control, which is left alone."""
    if "Authorization" in request.headers or "Set-Cookie" in response.headers:
        return True
    if session.modified:  # the session cookie is written after this hook
        return True
    # Only a request that brought the session cookie can be logged in; reading the
    # session of one that did not would mark every public response `Vary: Cookie`.
    cookie = current_app.config["SESSION_COOKIE_NAME"]
    return cookie in request.cookies and "_user_id" in session


# --- The client's address --------------------------------------------------------------------


def client_address(value: str | None) -> str | None:
    """`value` written the standard way if it is an IP address, else None (unknown).

    What a proxy forwards may be anything the client sent; only a real address is kept, so
    that the logs, the sessions page and the database's 45 characters see nothing else.
    Zone ids (`fe80::1%eth0`) are local to a machine and never come from the internet.
    """
    if not value or "%" in value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


class ValidClientAddress:
    """WSGI middleware: REMOTE_ADDR is an IP address, or absent when it was not one."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        address = client_address(environ.get("REMOTE_ADDR"))
        if address is None:
            environ.pop("REMOTE_ADDR", None)
        else:
            environ["REMOTE_ADDR"] = address
        return self.wsgi_app(environ, start_response)


# --- The security log -------------------------------------------------------------------------

security_log = logging.getLogger("flaskblog.security")


def email_hash(email: str) -> str:
    """SHA-256 of an address as the site stores it: names an account without spelling it."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def log_event(
    event: str,
    *,
    user_id: int | None = None,
    email: str | None = None,
    level: int = logging.WARNING,
    **details,
) -> None:
    """Write one security event as one line of JSON: what, who, from where, when.

    An email address is written only as its hash. Never pass a password, token or cookie.
    """
    # Outside a request (a `flask users ...` command) there is no address or endpoint.
    in_request = has_request_context()
    record = {
        "event": event,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "ip": request.remote_addr if in_request else None,
        "method": request.method if in_request else None,
        # Not the path: a reset link's path holds its token.
        "endpoint": request.endpoint if in_request else None,
        "user_id": user_id,
        "email_sha256": email_hash(email) if email is not None else None,
        "request_id": g.get("request_id") if in_request else None,  # as the request's log line
        **details,
    }
    # The message is the JSON line itself; `fields` lets the JSON log format write the
    # event's keys at the top level instead of as a string inside a string.
    security_log.log(level, json.dumps(record, sort_keys=True), extra={"fields": record})
    if event in stored_events():
        keep_for_admins(record, in_request)


def stored_events() -> frozenset[str]:
    """The events kept in the database too (SecurityEvent.STORED)."""
    # Imported here: flaskblog.extensions imports this module, and the models import it.
    from flaskblog.models import SecurityEvent

    return SecurityEvent.STORED


def keep_for_admins(record: dict, in_request: bool) -> None:
    """Store an event admins should see (SecurityEvent). In a request it is written when the
    request ends, after the view's own commit, so that it neither commits the view's
    unfinished work nor vanishes with a view that commits nothing (a refused login).
    Outside a request (a command) it joins the session, to commit with the command's work."""
    from flaskblog.extensions import db
    from flaskblog.models import SecurityEvent

    if in_request:
        g.setdefault("security_events", []).append(record)
    else:
        db.session.add(SecurityEvent.from_record(record))


def store_security_events(error: BaseException | None = None) -> None:
    """teardown_request: write the request's stored events in a transaction of their own.

    Whatever the view left uncommitted is rolled back first (the session ends with the
    request anyway); old events are pruned at the same time. A database that cannot take
    them costs the events, never the response: the log line has been written already.
    """
    records = g.pop("security_events", None)
    if not records:
        return
    from flaskblog.extensions import db
    from flaskblog.models import SecurityEvent

    try:
        db.session.rollback()
        db.session.add_all(SecurityEvent.from_record(record) for record in records)
        SecurityEvent.prune()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        security_log.exception("Could not store %d security event(s)", len(records))


def current_user_id() -> int | None:
    """The logged-in user's id (never `get_id()`, which is their login token), else None."""
    return current_user.id if current_user.is_authenticated else None


# --- Rate-limit keys and lockouts ------------------------------------------------------------


def client_address_key() -> str:
    """Rate-limit key for the client's address; all unknown addresses share one count."""
    return request.remote_addr or "unknown-address"


def submitted_email_key() -> str:
    """Rate-limit key for the account a form names (login, reset): its email, hashed."""
    return "email:" + email_hash(request.form.get("email", ""))


def user_or_address_key() -> str:
    """Rate-limit key for a logged-in user's actions; the client's address for anyone else."""
    user_id = current_user_id()
    return f"user:{user_id}" if user_id is not None else client_address_key()


def log_address_lockout(limit: RequestLimit) -> None:
    """on_breach for the login limit per client address: a line in the security log."""
    email = request.form.get("email", "")
    log_event("login_locked", email=email, per="address", limit=str(limit.limit))


def in_words(seconds: int) -> str:
    """A wait as people say it: "1 second", "45 seconds", "3 minutes"."""
    if seconds >= 120:
        return ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))
    return ngettext("%(num)d second", "%(num)d seconds", seconds)
