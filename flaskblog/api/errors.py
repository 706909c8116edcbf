"""Errors under /api: always JSON, `{"error": {"code", "message", "details"}}`, whatever raised
them (a view, webargs' validation, Werkzeug's routing, the rate limiter, a crash).

The JSON itself comes from flaskblog/json_errors.py, which the site's own error handlers
(flaskblog/errors/handlers.py) call for every path under /api/, so there is one handler per
exception for the whole app and the HTML pages stay as they were. Here: the errors a view
raises on purpose.
"""

from werkzeug.exceptions import HTTPException

from flaskblog.json_errors import API_PREFIX  # noqa: F401  (the API's modules read it here)


class ApiError(HTTPException):
    """An error a view raises on purpose, with its own message and details."""

    def __init__(
        self,
        code: int,
        message: str,
        details: dict | None = None,
        headers: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.details = details or {}
        self.extra_headers = headers or {}


def unauthorized(
    message: str, scheme: str = "Bearer", error: str | None = None, details: dict | None = None
) -> ApiError:
    """A 401 that tells the client which credentials to send (RFC 6750 for Bearer)."""
    challenge = f'{scheme} realm="flaskblog API"'
    if error:
        challenge += f', error="{error}"'
    return ApiError(401, message, details, headers={"WWW-Authenticate": challenge})
