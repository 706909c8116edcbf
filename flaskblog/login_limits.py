"""How many password guesses an account gets, on the site and the API alike, and why an
attacker who spends them cannot lock the owner out: known devices.

Every failed login for an account, from the login form or from POST /api/v1/tokens, spends
one shared budget (ACCOUNT_GUESSES), counted per account address as User.by_email finds it,
whatever its spelling. Once it is spent, logins from unknown browsers are refused for a while.
A browser that has logged in to the account before holds a signed "known device" cookie bound
to the account and its security stamp; its attempts spend a budget of that device's own
(DEVICE_GUESSES) instead, so the owner's browser still gets in while strangers' guesses pile up.
Successful logins spend nothing. Each client address also has its own limits, on each view.

The code asked after a correct password for an account with two-factor login has a budget
of its own per account (SECOND_FACTOR_GUESSES), which a known device does not lift.
"""

import hashlib
import hmac
import secrets

from flask import after_this_request, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from flaskblog import logins  # a module: logins calls back into this one
from flaskblog.extensions import limiter
from flaskblog.models import User
from flaskblog.security import client_address_key, email_hash, log_event

ACCOUNT_GUESSES = "5/minute;20/hour"
DEVICE_GUESSES = "5/minute;20/hour"

DEVICE_COOKIE_DAYS = 365
DEVICE_SALT = "known-device"


# --- Who is trying: the account named, and the device if it has logged in to it before -------


def submitted_email() -> str:
    """The address a login names: the form's email field, or the API's HTTP Basic user."""
    if request.authorization is not None and request.authorization.type == "basic":
        return request.authorization.username or ""
    return request.form.get("email", "")


def account_binding(user: User) -> str:
    """Changes with the user's security stamp (a new password, a reset, a new address, "sign
    out everywhere else", disabling), so a device cookie from before is no longer a known
    device."""
    key = current_app.config["SECRET_KEY"].encode()
    bound = f"{user.id}:{user.security_stamp}".encode()
    return hmac.new(key, bound, hashlib.sha256).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def _device_cookie() -> dict | None:
    """The request's known-device cookie, if it is one this site signed and not too old."""
    value = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    if not value:
        return None
    try:
        data = _serializer().loads(value, max_age=DEVICE_COOKIE_DAYS * 24 * 60 * 60)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def known_device() -> str | None:
    """The id of this device if it has logged in before to the account the login names
    (with its current password); None for any other browser or script. Looked up once."""
    if "known_device" not in g:  # once per request: both limits ask
        cookie = _device_cookie()
        user = User.by_email(submitted_email()) if cookie else None
        bound = user is not None and hmac.compare_digest(
            str(cookie.get("account", "")), account_binding(user)
        )
        g.known_device = str(cookie.get("device")) if bound else None
    return g.known_device


def remember_device(user: User) -> None:
    """After a successful login, mark this browser (or cookie-keeping client) as a known
    device of `user`, keeping its device id if it had one."""
    cookie = _device_cookie() or {}
    device = str(cookie.get("device") or secrets.token_urlsafe(16))
    value = _serializer().dumps({"device": device, "account": account_binding(user)})

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            current_app.config["DEVICE_COOKIE_NAME"],
            value,
            max_age=DEVICE_COOKIE_DAYS * 24 * 60 * 60,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
        return response


# --- The limits, shared by the login form and the API's token endpoint ------------------------


def account_key() -> str:
    """Rate-limit key for the account a login names, however its address is spelled."""
    return "login-account:" + email_hash(submitted_email())


def device_key() -> str:
    """Rate-limit key for the known device trying (only asked when there is one)."""
    return "login-device:" + (known_device() or "none")


def login_failed(response) -> bool:
    """Only failures spend a budget: the site answers a good login with a redirect, the
    API with 201. (Checked before the view and counted after it, so requests running at
    the same moment may each pass: at most one more per worker.)"""
    return response.status_code not in (201, 302)


def log_lockout(per: str):
    """on_breach for a login budget: a line in the security log saying whose was spent."""

    def on_breach(limit) -> None:
        log_event("login_locked", email=submitted_email(), per=per, limit=str(limit.limit))

    return on_breach


# Decorators for both views: the same scope means the same counts, whichever view spends them.
account_guesses = limiter.shared_limit(
    ACCOUNT_GUESSES,
    scope="login-account",
    key_func=account_key,
    methods=["POST"],
    exempt_when=lambda: known_device() is not None,
    deduct_when=login_failed,
    on_breach=log_lockout("account"),
)
device_guesses = limiter.shared_limit(
    DEVICE_GUESSES,
    scope="login-device",
    key_func=device_key,
    methods=["POST"],
    exempt_when=lambda: known_device() is None,
    deduct_when=login_failed,
    on_breach=log_lockout("device"),
)


# --- The second step: codes for an account with two-factor login ----------------------------

# Per account a pending login names (the password was right): a code has a million values,
# three of which pass at any moment, so 20 guesses an hour give an attacker who holds the
# password about one chance in 16,000 a day.
SECOND_FACTOR_GUESSES = "5/minute;20/hour"


def pending_account_key() -> str:
    """Rate-limit key for the account whose login waits for a code (the signed session
    names it); the client's address when there is none."""
    user_id = logins.pending_user_id()
    return f"login-2fa:{user_id}" if user_id is not None else "login-2fa:" + client_address_key()


def second_factor_failed(response) -> bool:
    """A wrong code shows the form again; a right one (or an expired login) redirects."""
    return response.status_code != 302


def log_second_factor_lockout(limit) -> None:
    log_event("login_2fa_locked", user_id=logins.pending_user_id(), limit=str(limit.limit))


second_factor_guesses = limiter.limit(
    SECOND_FACTOR_GUESSES,
    key_func=pending_account_key,
    methods=["POST"],
    deduct_when=second_factor_failed,
    on_breach=log_second_factor_lockout,
)
