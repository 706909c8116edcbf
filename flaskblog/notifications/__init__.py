"""The notifications blueprint: a reader's notifications and how they want to be told, and
`flask notifications announce` for scheduled posts whose time has come."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, template_folder="templates")

from flaskblog.notifications import commands, routes  # noqa: E402,F401  (register on bp)
