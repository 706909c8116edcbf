"""The posts blueprint: writing, reading, editing and deleting posts, and their comments."""

from flask import Blueprint

bp = Blueprint("posts", __name__, template_folder="templates")

from flaskblog.posts import commands, editor, routes  # noqa: E402,F401  (register views and commands on bp)
