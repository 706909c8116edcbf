"""The errors blueprint: the site's error pages."""

from flask import Blueprint

bp = Blueprint("errors", __name__, template_folder="templates")

from flaskblog.errors import handlers  # noqa: E402,F401  (registers the handlers on bp)
