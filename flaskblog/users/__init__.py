"""The users blueprint: public profiles and pictures, admins' actions on accounts, and the
`flask users ...` commands (bp.cli, group "users")."""

from flask import Blueprint

bp = Blueprint("users", __name__, template_folder="templates")

from flaskblog.users import cli, routes  # noqa: E402,F401  (register the commands and views on bp)
