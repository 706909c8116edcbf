"""The users blueprint: accounts, logging in and out, profile pictures and password resets."""

from flask import Blueprint

bp = Blueprint("users", __name__, template_folder="templates")

from flaskblog.users import routes  # noqa: E402,F401  (registers the views on bp)
