"""The digest blueprint: `flask digest send`, the email that collects a reader's unread
notifications, and the one-click unsubscribe link it carries."""

from flask import Blueprint

bp = Blueprint("digest", __name__, template_folder="templates")

from flaskblog.digest import commands, routes  # noqa: E402,F401  (register on bp)
