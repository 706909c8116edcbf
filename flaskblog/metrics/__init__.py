"""The metrics blueprint: GET /metrics in Prometheus's text format, for a scraper that holds
METRICS_TOKEN or comes from METRICS_ALLOW_FROM (docs/SECURITY.md, "Metrics"). What is
counted is in flaskblog/instruments.py."""

from flask import Blueprint

bp = Blueprint("metrics", __name__)

from flaskblog.metrics import routes  # noqa: E402,F401  (registers the view on bp)
