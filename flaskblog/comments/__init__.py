"""The comments blueprint: readers' replies under posts."""

from flask import Blueprint

bp = Blueprint("comments", __name__, template_folder="templates")

from flaskblog.comments import routes  # noqa: E402,F401  (registers the views on bp)
