"""The messages blueprint: private conversations between two readers, and the unread count
in the header."""

from flask import Blueprint

bp = Blueprint("messages", __name__, template_folder="templates")

from flaskblog.messages import routes  # noqa: E402,F401  (register the views on bp)
