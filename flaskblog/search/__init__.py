"""The search blueprint: full-text search over published posts."""

from flask import Blueprint

bp = Blueprint("search", __name__, template_folder="templates")

from flaskblog.search import routes  # noqa: E402,F401  (registers the views on bp)
