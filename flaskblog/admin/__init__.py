"""The admin console: a dashboard, and every account with what admins may do to it."""

from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")

from flaskblog.admin import routes  # noqa: E402,F401  (registers the views on bp)
