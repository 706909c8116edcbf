"""Imports started from the browser, run off the request path by the same queue as the
account emails (flaskblog.mailqueue, MAIL_QUEUE): "rq" queues them in Redis for `flask
mail-worker`, "thread" gives them to a thread of this process (one of their own, so that
emails never wait behind an import), "immediate" runs them before answering (the tests).

A job says where it is (queued, running, done, failed) and ends with the import's summary.
The import itself is one transaction: a job that fails has imported nothing, and one that
is run again (say, after a worker died) skips what it had already imported.
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from flask import Flask, current_app, has_app_context

from flaskblog import mailqueue
from flaskblog.extensions import db
from flaskblog.imports import sources
from flaskblog.imports.core import import_entries
from flaskblog.imports.entries import ImportRefused, Summary
from flaskblog.models import ImportJob, User, utcnow
from flaskblog.words import N_, said

import_log = logging.getLogger("flaskblog.imports")
# Seconds an import may run in the RQ worker before it is stopped (and rolled back).
JOB_TIMEOUT = 30 * 60
# A job still queued or running this long after it was queued has lost its worker (a
# process that died cannot say so), or it would have ended: with time to wait in the
# queue, four times what an import may run. Counted from when it was queued, the one
# time a job records before it ends.
GIVE_UP_AFTER = timedelta(seconds=4 * JOB_TIMEOUT)


def start(job: ImportJob) -> None:
    """Hand the (committed) job to the configured queue."""
    mode = current_app.config["MAIL_QUEUE"]
    if mode == "immediate":
        run(job.id)
    elif mode == "thread":
        app = current_app._get_current_object()
        _thread_pool(app).submit(_run_in_thread, app, job.id)
    else:
        _enqueue(job)


def run(job_id: int) -> None:
    """Read the job's file, import it for its owner, and record the outcome."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.is_finished:
        return
    job.state = "running"
    db.session.commit()
    data, filename, user_id = job.data or b"", job.filename, job.user_id
    state = "done"
    try:
        entries, skipped = sources.upload(filename, data)
        summary = import_entries(db.session.get(User, user_id), entries, skipped=skipped)
    except ImportRefused as error:
        state, summary = "failed", Summary(error=error.sentence)
    except Exception:
        import_log.exception("Import job %s failed", job_id)
        db.session.rollback()
        state = "failed"
        summary = Summary(
            error=said(N_("Something went wrong reading that file: nothing was imported."))
        )
    job = db.session.get(ImportJob, job_id)
    job.finish(state, summary.to_dict())
    db.session.commit()
    import_log.info("Import job %s %s", job_id, state)


def give_up_if_stalled(job: ImportJob) -> None:
    """Mark `job` failed, saying so, if it has waited or run longer than any import does,
    so that its page stops waiting for a worker that is gone."""
    if job.is_finished or utcnow() - job.created_at < GIVE_UP_AFTER:
        return
    import_log.warning(
        "Import job %s given up: still %s after %s", job.id, job.state, GIVE_UP_AFTER
    )
    stalled = said(
        N_(
            "The import stopped without finishing, perhaps because the server restarted. "
            "Upload the file again: posts it had already imported are skipped."
        )
    )
    job.finish("failed", Summary(error=stalled).to_dict())
    db.session.commit()


def _thread_pool(app: Flask) -> ThreadPoolExecutor:
    state = app.extensions.setdefault("import_queue", {})
    if "pool" not in state:
        state["pool"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flaskblog-import")
    return state["pool"]


def drain(app: Flask, timeout: float = 60) -> None:
    """Wait until the import thread has finished every job handed to it so far."""
    pool = app.extensions.get("import_queue", {}).get("pool")
    if pool is not None:
        pool.submit(lambda: None).result(timeout=timeout)


def _run_in_thread(app: Flask, job_id: int) -> None:
    with app.app_context():
        try:
            run(job_id)
        finally:
            db.session.remove()


def _enqueue(job: ImportJob) -> None:
    from redis.exceptions import RedisError

    try:
        mailqueue.rq_queue().enqueue(
            run_job, job.id, job_timeout=JOB_TIMEOUT, description=f"import job {job.id}"
        )
    except RedisError:
        import_log.exception("Could not queue import job %s", job.id)
        refusal = said(N_("The import could not be queued: try again."))
        job.finish("failed", Summary(error=refusal).to_dict())
        db.session.commit()


def run_job(job_id: int) -> None:
    """The RQ job: run inside the worker's app context (or a new app's)."""
    if has_app_context():
        run(job_id)
        return
    from flaskblog import create_app

    with create_app().app_context():
        run(job_id)
