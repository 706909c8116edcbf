"""The feeds blueprint: Atom feeds, the sitemap and robots.txt."""

from flask import Blueprint

bp = Blueprint("feeds", __name__, template_folder="templates")

from flaskblog.feeds import routes  # noqa: E402,F401  (registers the views on bp)
