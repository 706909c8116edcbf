"""What the site counts for /metrics (the metrics blueprint), in Prometheus's terms.

What is measured, and where:
- every request, by endpoint and status: a count and a latency histogram (an after_request
  hook here, from the start time flaskblog.logs notes first thing);
- the page cache's hits and misses (flaskblog.caching);
- the mail queue: emails waiting and failed deliveries (flaskblog.mailqueue);
- the database pool: connections open and in use (SQLAlchemy's pool events).

Under gunicorn each worker counts apart; prometheus-client's multiprocess mode adds them up
when PROMETHEUS_MULTIPROC_DIR names a directory they share (gunicorn.conf.py sets one up).
Recording a request costs a few microseconds: a dictionary look-up and one histogram
observation (a write to a memory-mapped file under gunicorn).
"""

import time

from flask import Flask, g, request
from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import event
from sqlalchemy.pool import Pool

# Buckets for a server-rendered site: a cache hit takes a millisecond, a page with queries
# tens, a login (bcrypt) a few hundred; past 5 s is a hang.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

# Per endpoint and status. The request counts, flaskblog_requests_total, are this histogram's
# _count, given under their own name by /metrics: one write per request instead of two.
LATENCY = Histogram(
    "flaskblog_request_duration_seconds",
    "Time from the first hook to the response, by endpoint and status.",
    ["endpoint", "status"],
    buckets=LATENCY_BUCKETS,
)
PAGE_CACHE_HITS = Counter("flaskblog_page_cache_hits", "Anonymous pages served from the cache.")
PAGE_CACHE_MISSES = Counter(
    "flaskblog_page_cache_misses", "Anonymous pages the cache did not hold (rendered)."
)
MAIL_FAILURES = Counter(
    "flaskblog_mail_failures",
    "Emails that could not be queued or delivered, by stage.",
    ["stage"],
)
# Emails waiting in this process's mail thread (MAIL_QUEUE=thread); with RQ the queue's
# length is read from Redis when /metrics is asked.
MAIL_THREAD_WAITING = Gauge(
    "flaskblog_mail_thread_waiting",
    "Emails handed to the web processes' mail threads and not yet sent.",
    multiprocess_mode="livesum",
)
DB_CONNECTIONS_OPEN = Gauge(
    "flaskblog_db_connections_open",
    "Database connections open in the pools of the live processes.",
    multiprocess_mode="livesum",
)
DB_CONNECTIONS_IN_USE = Gauge(
    "flaskblog_db_connections_in_use",
    "Database connections checked out of the pools (serving a request) right now.",
    multiprocess_mode="livesum",
)


def init_app(app: Flask) -> None:
    """Count every request of `app`."""
    app.after_request(record_request)


# The histogram's child for each (endpoint, status) seen: finding it through .labels() costs
# more than recording the request.
_latency_by_label: dict[tuple[str, str], Histogram] = {}


def record_request(response):
    started = g.get("request_started")
    if started is not None:
        observe(request.endpoint, response.status_code, time.perf_counter() - started)
    return response


def observe(endpoint: str | None, status: int, seconds: float) -> None:
    """Count a request and its time (also for the cache hits flaskblog.front_door answers)."""
    label = (endpoint or "none", str(status))  # "none": no route
    child = _latency_by_label.get(label)
    if child is None:
        child = _latency_by_label[label] = LATENCY.labels(*label)
    child.observe(seconds)


@event.listens_for(Pool, "connect")
def _connection_opened(dbapi_connection, connection_record) -> None:
    DB_CONNECTIONS_OPEN.inc()


@event.listens_for(Pool, "close")
def _connection_closed(dbapi_connection, connection_record) -> None:
    DB_CONNECTIONS_OPEN.dec()


@event.listens_for(Pool, "checkout")
def _connection_taken(dbapi_connection, connection_record, connection_proxy) -> None:
    DB_CONNECTIONS_IN_USE.inc()


@event.listens_for(Pool, "checkin")
def _connection_returned(dbapi_connection, connection_record) -> None:
    DB_CONNECTIONS_IN_USE.dec()
