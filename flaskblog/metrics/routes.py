"""GET /metrics: the counts of every worker, for Prometheus (or anything that reads its format).

Shown only to a scraper that sends `Authorization: Bearer <METRICS_TOKEN>` or whose address
(the client's, as PROXY_HOPS finds it) is in METRICS_ALLOW_FROM; with neither set the page
does not exist (404). Never rate limited, cached or given a session.
"""

import hmac
import ipaddress

from flask import abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from flaskblog.extensions import limiter
from flaskblog.instruments import LATENCY
from flaskblog.mailqueue import rq_counts
from flaskblog.metrics import bp


@bp.route("/metrics")
@limiter.exempt
def metrics():
    token = current_app.config["METRICS_TOKEN"]
    networks = current_app.config["METRICS_ALLOW_FROM"]
    if not token and not networks:
        abort(404)
    if not (presents_token(token) or comes_from(networks)):
        response = current_app.response_class("Metrics need the metrics token.\n", 401)
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = REGISTRY
    if current_app.config["METRICS_MULTIPROCESS_DIR"]:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    body = generate_latest(Scrape(registry))
    return current_app.response_class(body, content_type=CONTENT_TYPE_LATEST)


def presents_token(token: str | None) -> bool:
    if not token or request.authorization is None or request.authorization.type != "bearer":
        return False
    return hmac.compare_digest((request.authorization.token or "").encode(), token.encode())


def comes_from(networks: list) -> bool:
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


class Scrape:
    """What one scrape shows: the registry's figures, the request counts read from the
    latency histogram, and the RQ mail queue's figures read from Redis (none without RQ)."""

    def __init__(self, registry) -> None:
        self.registry = registry

    def collect(self):
        for family in self.registry.collect():
            yield family
            if family.name == LATENCY._name:
                yield request_counts(family)
        counts = rq_counts(current_app)
        if counts is not None:
            waiting, failed = counts
            yield GaugeMetricFamily(
                "flaskblog_mail_queue_depth", "Emails waiting in the RQ mail queue.", value=waiting
            )
            yield GaugeMetricFamily(
                "flaskblog_mail_queue_failed",
                "Emails that failed every retry, kept in RQ's failed registry for a day.",
                value=failed,
            )


def request_counts(latency) -> CounterMetricFamily:
    """flaskblog_requests_total{endpoint, status}: the latency histogram's counts."""
    counts = CounterMetricFamily(
        "flaskblog_requests",
        "Requests answered, by endpoint and status.",
        labels=["endpoint", "status"],
    )
    for sample in latency.samples:
        if sample.name.endswith("_count"):
            counts.add_metric([sample.labels["endpoint"], sample.labels["status"]], sample.value)
    return counts
