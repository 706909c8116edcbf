"""The uploads blueprint: images writers put in their posts, uploaded from the editor and
served to everyone at a URL that names their content."""

from flask import Blueprint

bp = Blueprint("uploads", __name__)

from flaskblog.uploads import routes  # noqa: E402,F401  (registers the views on bp)
