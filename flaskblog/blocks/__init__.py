"""The blocks blueprint: blocking and unblocking readers, and the list of those you blocked."""

from flask import Blueprint

bp = Blueprint("blocks", __name__, template_folder="templates")

from flaskblog.blocks import routes  # noqa: E402,F401  (register the views on bp)
