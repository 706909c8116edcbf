"""JSON errors: `{"error": {"code", "message", "details"}}`, for every path under /api/.

The site's error handlers (flaskblog/errors/handlers.py) call `json_error` for those paths,
whatever raised the error (an API view's ApiError, webargs' validation, Werkzeug's routing, the
rate limiter, a crash), so there is one handler per exception for the whole app and the HTML
pages stay as they were.
"""

from http import HTTPStatus

from flask import jsonify, request
from werkzeug.exceptions import HTTPException, Unauthorized

API_PREFIX = "/api/"
# Pages' scripts that read JSON answers, errors too: the editor's image upload, and the
# passkey ceremonies' options and login (adding a passkey shares its URL with the page).
JSON_PATHS = frozenset(
    {"/post/images", "/account/passkeys/options", "/login/passkey/options", "/login/passkey"}
)

# Machine-readable codes; a status not listed gets its reason phrase in snake_case.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
}
# What people read when the code that raised the error gave no reason of its own.
MESSAGES = {
    400: "The request could not be understood.",
    401: "A valid token is needed: send `Authorization: Bearer <token>`.",
    403: "You may not do that.",
    404: "There is nothing here.",
    405: "This address does not take that method.",
    413: "The request body is too large.",
    415: "Send the body as JSON, with `Content-Type: application/json`.",
    422: "Some fields are not valid: see details.",
    429: "Too many requests in a short time. Please wait and try again.",
    500: "Something went wrong on our side. Please try again later.",
}


def is_api_request() -> bool:
    """Whether this request is for the JSON API (or a page script's JSON endpoint), which
    answers errors in JSON."""
    return request.path.startswith(API_PREFIX) or request.path in JSON_PATHS


def json_error(error: HTTPException, message: str | None = None):
    """The JSON response for `error`, keeping its status and its headers (Allow, Retry-After...)."""
    status = error.code or 500
    details = getattr(error, "details", None) or validation_details(error)
    if message is None:
        message = MESSAGES.get(status) or error.description or HTTPStatus(status).phrase
        if error.description != type(error).description:
            # A reason of its own (an ApiError's message, an abort(code, "reason")) says it best.
            message = error.description
    code = CODES.get(status) or HTTPStatus(status).phrase.lower().replace(" ", "_")
    response = jsonify(error={"code": code, "message": message, "details": details})
    response.status_code = status
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    if isinstance(error, Unauthorized) and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = 'Bearer realm="flaskblog API"'
    response.headers.update(getattr(error, "extra_headers", {}))
    return response


def validation_details(error: HTTPException) -> dict:
    """webargs' messages, per field: {"title": ["..."]}, whatever part of the request held it.

    webargs nests them by location ({"json": {...}, "query": {...}}); a client fixes fields,
    not locations, and no field name is used in two places.
    """
    messages = (getattr(error, "data", None) or {}).get("messages") or {}
    details: dict = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            details.update(fields)
        else:
            details[location] = fields  # the body as a whole: "Invalid JSON body."
    return details
