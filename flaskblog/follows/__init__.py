"""The follows blueprint: following writers, the feed of the ones you follow, follower
lists, and bookmarks of posts."""

from flask import Blueprint

bp = Blueprint("follows", __name__, template_folder="templates")

from flaskblog.follows import routes  # noqa: E402,F401  (register the views on bp)
