"""The health blueprint: liveness and readiness checks for load balancers and orchestrators."""

from flask import Blueprint

bp = Blueprint("health", __name__)

from flaskblog.health import routes  # noqa: E402,F401  (registers the views on bp)
