"""Who is calling: a bearer token from the Authorization header, never the session cookie.

A browser that is logged in to the site sends its cookie to /api too; the API does not
look at it, so another site cannot make that browser write through the API (and the API
needs no CSRF token).
"""

import functools

from flask import g, request

from flaskblog.api.errors import ApiError, unauthorized
from flaskblog.models import ApiToken, User
from flaskblog.security import client_address_key

BODY_METHODS = ("POST", "PUT", "PATCH")
BEARER_SECURITY = [{"bearerAuth": []}]
BASIC_SECURITY = [{"basicAuth": []}]
# Asking for a token for an account with two-factor login: the code goes in this header.
OTP_HEADER = "X-OTP"
# Longer than any code: a 6-digit one, or a recovery code with its hyphens.
OTP_MAX_LENGTH = 40
OTP_PARAMETER = {
    "in": "header",
    "name": OTP_HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": OTP_MAX_LENGTH},
    "description": (
        "Only for an account with two-factor login, where it is required: the 6-digit code "
        "the authenticator app shows now, or an unused recovery code. Each code is accepted "
        "once; without it, or with a wrong or used one, the answer is a 401 naming X-OTP. "
        f"Longer than {OTP_MAX_LENGTH} characters it is a 400, whatever the account."
    ),
}


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer ...` header, if there is one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def token_in_use() -> ApiToken | None:
    """The live token this request carries, or None (looked up once per request)."""
    if "api_token" not in g:
        token = bearer_token()
        g.api_token = ApiToken.find(token) if token else None
    return g.api_token


def api_user() -> User | None:
    """The user the request's token belongs to. A request that sends a token must send a
    good one: a bad or expired token is a 401 even where none is needed."""
    if bearer_token() is None:
        return None
    token = token_in_use()
    if token is None:
        raise unauthorized("The token is invalid or has expired.", error="invalid_token")
    return token.user


def token_required(view, *, multipart: bool = False):
    """Views that act for someone: a 401 without a live bearer token, then a 415 for a body
    that is not JSON (or not multipart/form-data, for an upload with `multipart=True`); the
    user is `g.user`. Runs before the body is read and validated."""

    @functools.wraps(view)
    def with_token(*args, **kwargs):
        user = api_user()
        if user is None:
            raise unauthorized("Send a token: `Authorization: Bearer <token>`.")
        if request.method in BODY_METHODS:
            if multipart and request.mimetype != "multipart/form-data":
                raise ApiError(415, "Send the file as `multipart/form-data`.")
            if not multipart and not request.is_json:
                raise ApiError(415, "Send the body as JSON, with `Content-Type: application/json`.")
        g.user = user
        return view(*args, **kwargs)

    return with_token


def token_required_for_upload(view):
    """token_required for a view that takes a file: its body is multipart/form-data."""
    return token_required(view, multipart=True)


def confirmed(user: User) -> None:
    """Writing posts needs a confirmed email address, as on the site."""
    if not user.is_confirmed:
        raise ApiError(
            403,
            "Please confirm your email address before you post: follow the link we sent to "
            f"{user.email}.",
            {"reason": "email_not_confirmed"},
        )


# --- Rate-limit keys (the limiter asks before the view runs) ---------------------------------


def token_user_key() -> str:
    """Writes are counted per user, whichever token (or address) they come from."""
    token = token_in_use() if bearer_token() else None
    return f"api-user:{token.user_id}" if token is not None else client_address_key()
