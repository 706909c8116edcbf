"""The passkeys blueprint: a user's passkeys (WebAuthn) on their account, and logging in
with one instead of a password."""

from flask import Blueprint

bp = Blueprint("passkeys", __name__, template_folder="templates")

from flaskblog.passkeys import routes  # noqa: E402,F401  (registers the views on bp)
