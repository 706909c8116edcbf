"""CSRF protection for visitors without a session: OWASP's signed double-submit cookie.

Flask-WTF keeps a form's raw CSRF token in the session, so that any page with a form gave its
visitor a session cookie, and could be answered only by the whole Flask stack. Someone not
logged in whose session is empty gets instead:

- a visitor cookie: a random value (256 bits), HttpOnly, SameSite=Lax, Path=/, and in
  production Secure with a `__Host-` name (config.py), so that no script reads it and no
  subdomain or plain-http attacker can plant one; reused as long as the browser keeps it;
- in each form, a token signed with SECRET_KEY (its own salt) that binds a digest of that
  value to the moment it was made. Each is valid for WTF_CSRF_TIME_LIMIT seconds, as
  Flask-WTF's are, with the cookie it was made for and no other.

Another site can make the browser send the cookie, but can neither read it nor a page's token,
nor make a token for it without the key: the same guarantee a session token gives.

Any request from someone not logged in may use a visitor token (a session token works as
before): the login page's form and its passkey requests (passkeys.js sends the page's token
in X-CSRFToken, and the second of them already has a session, holding the passkey challenge),
and the other forms for visitors. A logged-in user's requests take session tokens only. A login
deletes the visitor cookie, as it drops the session's token (flaskblog.logins).

The front door (flaskblog.front_door) answers the kept login page with a fresh token and, for
a visitor without the cookie, a new cookie, before Flask runs: `door_page` needs no request.
"""

import hashlib
import hmac
import re
import secrets
from base64 import urlsafe_b64encode

from flask import current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf, same_origin, validate_csrf
from itsdangerous import BadData, SignatureExpired, TimestampSigner
from werkzeug.http import dump_cookie, parse_cookie
from wtforms.csrf.core import CSRF

from flaskblog.security import PRIVATE_CACHE_CONTROL

SALT = "visitor-csrf-token"
# Where a visitor's form page holds its CSRF token, in the copy kept for everyone; no page
# can contain it otherwise (Jinja never writes a NUL character).
TOKEN_PLACEHOLDER = "\x00csrf-token\x00"  # noqa: S105 (marks a place, holds no secret)
COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{43}\Z")  # secrets.token_urlsafe(32)


# --- Tokens and cookies, without a request (the front door uses them before Flask) ----------


def sign(secret_key: str, cookie_value: str) -> str:
    """A token for forms sent back with the visitor cookie `cookie_value`, made now."""
    return TimestampSigner(secret_key, salt=SALT).sign(_bound(cookie_value)).decode()


def token_problem(secret_key: str, token: str | None, cookie_value: str | None, max_age):
    """What is wrong with `token` (in Flask-WTF's words, for the security log), or None if it
    is ours, younger than `max_age` seconds (None: any age) and made for the visitor cookie
    `cookie_value`."""
    if not token:
        return "The CSRF token is missing."
    if not cookie_value or not COOKIE_VALUE.match(cookie_value):
        return "The visitor cookie is missing."
    try:
        bound = TimestampSigner(secret_key, salt=SALT).unsign(token, max_age=max_age)
    except SignatureExpired:
        return "The CSRF token has expired."
    except BadData:  # forged, tampered with, or not a token at all
        return "The CSRF token is invalid."
    if not hmac.compare_digest(bound, _bound(cookie_value)):
        return "The CSRF token is not for this visitor cookie."
    return None


def _bound(cookie_value: str) -> bytes:
    # A digest, so that a page (or a log of form bodies) never shows the cookie itself.
    return urlsafe_b64encode(hashlib.sha256(cookie_value.encode()).digest()).rstrip(b"=")


def visitor_cookie(config, cookie_header: str | None) -> str | None:
    """The visitor cookie's value in a Cookie header, if it has one shaped as ours are."""
    value = parse_cookie(cookie_header or "").get(config["VISITOR_COOKIE_NAME"])
    return value if value and COOKIE_VALUE.match(value) else None


def set_cookie_header(config, value: str) -> str:
    """The Set-Cookie header that gives a visitor cookie (a browser session's); an empty
    `value` deletes it."""
    return dump_cookie(
        config["VISITOR_COOKIE_NAME"],
        value,
        max_age=None if value else 0,
        expires=None if value else 0,
        path="/",
        secure=config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def door_page(config, cookie_header: str | None, body: bytes) -> tuple[bytes, str | None]:
    """A kept form page (`body` holds TOKEN_PLACEHOLDER) for the visitor sending
    `cookie_header`: with a fresh token for their cookie, and the Set-Cookie header giving
    them one if they have none yet (else None)."""
    value = visitor_cookie(config, cookie_header)
    new = value is None
    if new:
        value = secrets.token_urlsafe(32)
    token = sign(config["SECRET_KEY"], value)
    body = body.replace(TOKEN_PLACEHOLDER.encode(), token.encode())
    return body, set_cookie_header(config, value) if new else None


# --- In Flask --------------------------------------------------------------------------------


def init_app(app) -> None:
    """Forms and templates get `csrf_token()` (after Flask-WTF, whose context processor it
    replaces); responses get the visitor cookie their tokens were made for."""
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})
    app.after_request(_send_visitor_cookie)


def csrf_token() -> str:
    """This request's CSRF token: a visitor token for someone not logged in whose session is
    empty (none is made for them), else Flask-WTF's session token."""
    if "visitor_csrf_token" in g:
        return g.visitor_csrf_token
    if current_user.is_authenticated or session:
        return generate_csrf()
    value = visitor_cookie(current_app.config, request.headers.get("Cookie"))
    if value is None:
        value = g.new_visitor_cookie = secrets.token_urlsafe(32)
    g.visitor_csrf_token = sign(current_app.config["SECRET_KEY"], value)
    return g.visitor_csrf_token


def token_place_marked(html: str) -> str:
    """`html` with this request's CSRF token where it stands replaced by TOKEN_PLACEHOLDER:
    a copy to keep for every reader it is otherwise the same for."""
    return html.replace(csrf_token(), TOKEN_PLACEHOLDER)


def token_put_in(html: str) -> str:
    """A copy kept by `token_place_marked`, with this request's CSRF token in its place (a
    copy without a place asks for no token, so gives no visitor a cookie)."""
    return html.replace(TOKEN_PLACEHOLDER, csrf_token()) if TOKEN_PLACEHOLDER in html else html


def made_visitor_token() -> bool:
    """Whether this request's forms carry a visitor token."""
    return "visitor_csrf_token" in g


def forget_visitor() -> None:
    """At a login: the visitor cookie is deleted, and tokens made for it so far are refused."""
    g.pop("visitor_csrf_token", None)
    g.pop("new_visitor_cookie", None)
    g.forget_visitor_cookie = current_app.config["VISITOR_COOKIE_NAME"] in request.cookies


def _send_visitor_cookie(response):
    config = current_app.config
    if "new_visitor_cookie" in g:
        response.headers.add("Set-Cookie", set_cookie_header(config, g.new_visitor_cookie))
    elif g.get("forget_visitor_cookie"):
        response.headers.add("Set-Cookie", set_cookie_header(config, ""))
    if made_visitor_token():  # the page is this visitor's: no shared cache may keep it
        response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    return response


def sent_token_problem(token: str | None) -> str | None:
    """What is wrong with `token`, sent with this request, as a visitor token (see
    `token_problem`); None if it is valid for the request's cookie and nobody is logged in."""
    if current_user.is_authenticated:
        return "A logged-in user's request needs a session token."
    config = current_app.config
    return token_problem(
        config["SECRET_KEY"],
        token,
        request.cookies.get(config["VISITOR_COOKIE_NAME"]),
        config.get("WTF_CSRF_TIME_LIMIT", 3600),
    )


def _session_has_token() -> bool:
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in session


class VisitorCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRFProtect, which also accepts a visitor token."""

    def protect(self, apply_exemptions=False):
        """Validate CSRF on the current request (see CSRFProtect.protect)."""
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return super().protect(apply_exemptions)
        problem = sent_token_problem(self._get_csrf_token())
        if problem is not None:
            try:
                return super().protect(apply_exemptions)
            except CSRFError as error:
                if current_user.is_authenticated or _session_has_token():
                    raise
                # Flask-WTF would say only "The CSRF session token is missing."
                raise CSRFError(problem) from error
        # Flask-WTF's own check over https, which a visitor's request passes too.
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True


class VisitorOrSessionCSRF(CSRF):
    """WTForms' CSRF for the site's forms: `csrf_token()`'s token, and either kind accepted
    (when CSRFProtect has not checked the request already)."""

    def setup_form(self, form):
        self.meta = form.meta
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field):
        return csrf_token()

    def validate_csrf_token(self, form, field):
        if g.get("csrf_valid", False) or sent_token_problem(field.data) is None:
            return
        validate_csrf(
            field.data, self.meta.csrf_secret, self.meta.csrf_time_limit, self.meta.csrf_field_name
        )
