"""The JSON API, /api/v1: tokens, posts and users for apps and scripts (docs/API.md).

flask-smorest builds it: marshmallow schemas (schemas.py) validate what comes in, shape
what goes out, and are the source of the OpenAPI document at /api/v1/openapi.json.
"""

import json
from typing import NoReturn

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint
from webargs.flaskparser import FlaskParser, abort
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from flaskblog.api.errors import API_PREFIX, ApiError
from flaskblog.api.schemas import ErrorSchema
from flaskblog.extensions import csrf


class JsonBodyParser(FlaskParser):
    """webargs' parser, answering every JSON body it cannot read with a 400, not a crash.

    webargs turns malformed JSON (json.JSONDecodeError) into "Invalid JSON body.", but
    json.loads raises other errors too: RecursionError for arrays or objects nested about a
    thousand deep, and ValueError for an integer of more than 4,300 digits (Python's limit
    on converting digits to int, against quadratic-time conversion).
    """

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError:
            self._unreadable("The JSON body is nested too deeply.")
        except ValueError as error:
            if isinstance(error, json.JSONDecodeError):
                raise  # webargs' own answer
            self._unreadable("A number in the JSON body has too many digits.")

    @staticmethod
    def _unreadable(message: str) -> NoReturn:
        abort(400, messages={"json": [message]})

    def load_files(self, req, schema):
        # A multipart upload's schema (POST /images) takes its file and its text fields
        # together, as one multipart/form-data body in the OpenAPI document.
        return MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = JsonBodyParser()


bp = ApiBlueprint(
    "api",
    __name__,
    description="Posts and users as JSON. Reading is open; writing needs a bearer token.",
    template_folder="templates",  # /api/docs, the one page for people
)


class JsonApi(Api):
    """flask-smorest's Api, minus its app-wide error handler.

    That handler would answer every HTTP error of the whole site, HTML pages included, with
    JSON; the site's handlers (flaskblog/errors) answer /api with our JSON errors instead.
    """

    ERROR_SCHEMA = ErrorSchema
    # Each operation lists its own errors (flaskblog/api/routes.py): no catch-all.
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self) -> None:
        pass


api = JsonApi(
    spec_kwargs={
        "info": {
            "description": "The flaskblog JSON API. Errors are always "
            '`{"error": {"code", "message", "details"}}`. See docs/API.md.'
        },
    }
)

# What a browser on an allowed origin may send and read (CORS).
CORS_ALLOW_HEADERS = "Authorization, Content-Type"
CORS_EXPOSE_HEADERS = (
    "Location, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)
CORS_ALLOW_METHODS = "GET, POST, PATCH, DELETE"


def init_app(app: Flask) -> None:
    """Register the API on `app`: its routes, the OpenAPI document, /api/docs and CORS."""
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.components.security_scheme("basicAuth", {"type": "http", "scheme": "basic"})
    from flaskblog.api import history, me, routes, uploads  # noqa: F401  (views register on bp)

    # Token-only: no cookie authenticates here, so there is no cross-site request to forge.
    csrf.exempt(bp)
    api.register_blueprint(bp, url_prefix="/api/v1")
    app.add_url_rule("/api/docs", endpoint="api_docs", view_func=docs_page)

    origins = frozenset(app.config["CORS_ORIGINS"])
    max_body = app.config["API_MAX_BODY_BYTES"]
    max_upload = app.config["MAX_CONTENT_LENGTH"]

    @app.before_request
    def limit_api_body() -> None:
        # Posts are at most 50,000 characters: a JSON body never needs the 5 MB that
        # picture uploads do. Only the image upload does.
        if request.path.startswith(API_PREFIX):
            limit = max_upload if request.endpoint == "api.upload_image" else max_body
            request.max_content_length = limit
            if (request.content_length or 0) > limit:
                raise ApiError(413, f"The body may be at most {limit} bytes.")

    @app.after_request
    def allow_cross_origin(response):
        origin = request.headers.get("Origin")
        if request.path.startswith(API_PREFIX):
            response.vary.add("Origin")
            if origin in origins:
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
                if request.method == "OPTIONS":
                    response.headers["Access-Control-Allow-Methods"] = CORS_ALLOW_METHODS
                    response.headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
                    response.headers["Access-Control-Max-Age"] = "600"
        return response


def docs_page():
    """A readable page of the OpenAPI document, in the site's layout, language and theme
    (api/templates/api/docs.html; static/js/api-docs.js lays the document out)."""
    return render_template("api/docs.html", title=_("API reference"))
