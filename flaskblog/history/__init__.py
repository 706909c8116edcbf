"""The history blueprint: a post's revisions, a revision's differences from the post, and
restoring one (the revisions themselves are kept by flaskblog.revisions)."""

from flask import Blueprint

bp = Blueprint("history", __name__, template_folder="templates")

from flaskblog.history import routes  # noqa: E402,F401  (registers the views on bp)
