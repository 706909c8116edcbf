"""The auth blueprint: signing up, confirming an address, logging in and out, resetting a
forgotten password."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")

from flaskblog.auth import routes  # noqa: E402,F401  (registers the views on bp)
