"""The main blueprint: the home page and the about page."""

from flask import Blueprint

bp = Blueprint("main", __name__, template_folder="templates")

from flaskblog.main import routes  # noqa: E402,F401  (registers the views on bp)
