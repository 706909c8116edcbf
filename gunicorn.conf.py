"""gunicorn's settings for serving flaskblog in production (the Procfile's `web` line).

This file is read by gunicorn, before and apart from the app: it reads the few variables the
platform sets for the server itself (PORT, WEB_CONCURRENCY, FORWARDED_ALLOW_IPS) straight from
the environment, as gunicorn's own defaults do. config.py, the app's only reader of the
environment, is not loaded here and knows nothing of the server.
"""

import multiprocessing
import os
import tempfile

# The platform names the port (Heroku sets PORT); 8000 when run by hand.
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Sync workers, one request at a time each. The platform sets WEB_CONCURRENCY to what fits
# its memory; otherwise the usual 2 x cores + 1, capped at 9 so that a big host does not
# open more database connections (a pool per worker) than a small PostgreSQL plan allows.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 9))

# The app writes one structured line per request (method, path, status, duration, user,
# request id); gunicorn's access log would only repeat it in another format.
accesslog = None
errorlog = "-"

# A worker stuck on one request this long is killed and replaced; Heroku's router has given
# up on the request after 30 seconds anyway.
timeout = 30
# On SIGTERM (deploys, restarts, scaling down) workers may finish the requests in flight for
# this long; the platform sends SIGKILL 30 seconds after SIGTERM, so stop a little before.
graceful_timeout = 25

# X-Forwarded-For and X-Forwarded-Proto are trusted in one place only: the app's ProxyFix,
# for PROXY_HOPS hops (flaskblog.security; one on Heroku, for its router). gunicorn keeps its own
# default of trusting them from this machine alone, so it never acts on a header a client
# sent through the router.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Off: each worker builds the app itself after the fork, so no database connection, Redis
# connection or mail thread is made in the master and shared across processes, and a worker
# that cannot start (exit status 4, see config.CannotStart) stops gunicorn with its reason.
preload_app = False

# Heartbeat files in memory: a slow container disk would otherwise make idle workers look
# stuck and get them killed. gunicorn creates them with mkstemp, private to its user.
if os.path.isdir("/dev/shm"):  # noqa: S108
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# No runtime control socket: nobody runs gunicornc on a dyno, and several instances on one
# host would otherwise all claim the same socket path in the home directory.
control_socket_disable = True

# /metrics adds up every worker's counts (prometheus-client's multiprocess mode): each worker
# writes its own files in one directory, PROMETHEUS_MULTIPROC_DIR, which must be set before
# the workers import the app. Set here, when gunicorn starts, to a new empty directory unless
# the environment names one (emptied then: counts from a previous run would be added).


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        directory = tempfile.mkdtemp(prefix="flaskblog-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    # A dead worker's gauges (connections open, in use) no longer count; its counters do.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
