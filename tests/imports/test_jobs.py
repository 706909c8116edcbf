"""Import jobs whose worker is gone: left queued or running for longer than any import
takes, they are marked failed when their pages are looked at, and say why."""

import pytest

from flaskblog.extensions import db
from flaskblog.imports import jobs
from flaskblog.models import ImportJob, Post, utcnow
from tests.helpers.pages import page_text
from tests.helpers.wxr import sample_wxr

STALLED = "The import stopped without finishing, perhaps because the server restarted."


def left_job(app, user_id: int, state: str, age) -> str:
    """A job of the user's, queued `age` ago and left in `state`; its handle."""
    with app.app_context():
        job = ImportJob(
            user_id=user_id,
            filename="my-blog.xml",
            state=state,
            data=sample_wxr(),
            created_at=utcnow() - age,
        )
        db.session.add(job)
        db.session.commit()
        return job.handle


def job_state(app, handle: str) -> tuple[str, bytes | None]:
    with app.app_context():
        job = db.session.scalar(db.select(ImportJob).where(ImportJob.handle == handle))
        return job.state, job.data


@pytest.mark.parametrize("state", ["queued", "running"])
def test_a_job_left_behind_by_its_worker_fails_with_the_reason_on_its_page(
    app, logged_in_alice, client, state
):
    handle = left_job(app, logged_in_alice, state, jobs.GIVE_UP_AFTER)

    response = client.get(f"/account/import/{handle}")

    text = page_text(response)
    assert "Nothing was imported." in text and STALLED in text
    assert "Upload the file again: posts it had already imported are skipped." in text
    assert 'http-equiv="refresh"' not in text
    assert job_state(app, handle) == ("failed", None)


def test_a_job_given_up_is_not_run_if_its_worker_comes_back(app, logged_in_alice, client):
    handle = left_job(app, logged_in_alice, "queued", 2 * jobs.GIVE_UP_AFTER)
    client.get(f"/account/import/{handle}")

    with app.app_context():
        job_id = db.session.scalar(db.select(ImportJob.id).where(ImportJob.handle == handle))
        jobs.run(job_id)
        assert db.session.scalar(db.select(db.func.count(Post.id))) == 0
    assert job_state(app, handle)[0] == "failed"


def test_a_job_within_its_time_keeps_waiting(app, logged_in_alice, client):
    handle = left_job(app, logged_in_alice, "queued", jobs.GIVE_UP_AFTER / 2)

    text = page_text(client.get(f"/account/import/{handle}"))

    assert "Waiting to start" in text and STALLED not in text
    assert job_state(app, handle)[0] == "queued"


def test_the_import_page_lists_a_job_left_behind_as_failed(app, logged_in_alice, client):
    handle = left_job(app, logged_in_alice, "running", jobs.GIVE_UP_AFTER)

    text = page_text(client.get("/account/import"))

    assert "my-blog.xml" in text and ": failed" in text and ": running" not in text
    assert job_state(app, handle)[0] == "failed"
