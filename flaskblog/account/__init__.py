"""The account blueprint: a logged-in user's own account: its name, address and picture,
password, logins on other devices, export and deletion."""

from flask import Blueprint

bp = Blueprint("account", __name__, template_folder="templates")

from flaskblog.account import routes  # noqa: E402,F401  (registers the views on bp)
