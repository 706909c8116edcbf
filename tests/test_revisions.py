"""A post's history (flaskblog.revisions): recording keeps every revision of the last 30
days and the last of each day before, within a bound per post, never touching the pending
revision, in a couple of statements; restoring a draft applies the revision and records
the restore, restoring a published post only makes it the pending revision."""

from datetime import UTC, datetime, timedelta

import pytest

from flaskblog import revisions
from flaskblog.extensions import db
from flaskblog.models import Post, Revision, User
from tests.helpers.factories import add_revisions, tag_posts

NOW = datetime.now(UTC)


def days_ago(days: float, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


def record_a_save(app, post_id: int) -> None:
    with app.app_context():
        post = db.session.get(Post, post_id)
        revisions.record(post, post.author, "save")
        db.session.commit()


def kept(app, post_id: int) -> list[tuple[str, bool]]:
    """(content, pending) of the post's revisions, oldest first."""
    with app.app_context():
        return [
            (revision.content, revision.is_pending)
            for revision in db.session.scalars(
                db.select(Revision)
                .where(Revision.post_id == post_id)
                .order_by(Revision.created_at, Revision.id)
            )
        ]


@pytest.fixture
def post_id(alices_post):
    return alices_post


def test_every_revision_of_the_last_30_days_is_kept(app, post_id):
    add_revisions(app, post_id, [days_ago(29, hours=n) for n in range(10, 0, -1)])

    record_a_save(app, post_id)

    contents = [content for content, _ in kept(app, post_id)]
    assert contents == [f"Version {n}." for n in range(1, 11)] + ["Alice wrote this."]


def test_before_30_days_only_the_last_revision_of_each_day_is_kept(app, post_id):
    # Three a day, at 09:00, 12:00 and 15:00 UTC, 40 and 35 days ago.
    times = [
        datetime.combine((NOW - timedelta(days=days)).date(), datetime.min.time(), UTC)
        + timedelta(hours=hour)
        for days in (40, 35)
        for hour in (9, 12, 15)
    ]
    add_revisions(app, post_id, times)

    record_a_save(app, post_id)

    contents = [content for content, _ in kept(app, post_id)]
    assert contents == ["Version 3.", "Version 6.", "Alice wrote this."]


def test_a_post_keeps_at_most_100_revisions_dropping_the_oldest(app, post_id):
    add_revisions(app, post_id, [days_ago(2, hours=-n / 10) for n in range(120)])

    record_a_save(app, post_id)

    contents = [content for content, _ in kept(app, post_id)]
    assert len(contents) == Revision.MAX_PER_POST == 100
    assert contents[0] == "Version 22."  # 1 to 21 were the oldest
    assert contents[-1] == "Alice wrote this."


def test_a_post_keeps_at_most_a_million_characters_of_revisions(app, post_id):
    big = "x" * 50_000 + " {n}"
    add_revisions(app, post_id, [days_ago(1, hours=-n / 10) for n in range(30)], content=big)

    record_a_save(app, post_id)

    contents = [content for content, _ in kept(app, post_id)]
    assert sum(map(len, contents)) <= Revision.MAX_CHARACTERS
    assert len(contents) == 20  # the new save and the 19 newest of 50,00x characters
    assert contents[0].endswith(" 12")


def test_the_pending_revision_is_never_pruned(app, post_id):
    add_revisions(app, post_id, [days_ago(400)], content="Pending text.", pending=True)
    add_revisions(app, post_id, [days_ago(1, hours=-n / 10) for n in range(120)])

    record_a_save(app, post_id)

    assert ("Pending text.", True) in kept(app, post_id)
    assert len(kept(app, post_id)) == Revision.MAX_PER_POST + 1


def test_recording_prunes_in_two_statements_besides_the_insert(app, post_id, count_queries):
    add_revisions(app, post_id, [days_ago(40 + n) for n in range(150)])
    with app.app_context():
        post = db.session.get(Post, post_id)
        # The editor has the post's author and tags loaded already.
        author, _ = post.author, post.tags
        with count_queries() as statements:
            revisions.record(post, author, "save")
        db.session.commit()

    pruning = [sql for sql in statements if not sql.lstrip().upper().startswith("INSERT")]
    assert len(pruning) == 2, pruning
    assert len(kept(app, post_id)) == Revision.MAX_PER_POST


def test_restoring_a_draft_applies_the_revision_and_records_the_restore(app, make_user, alice):
    [draft_id] = make_posts_draft(app, alice)
    tag_posts(app, [draft_id], "old")
    [revision_id] = add_revisions(app, draft_id, [days_ago(3)], content="The first version.")
    with app.app_context():
        post = db.session.get(Post, draft_id)
        post.title, post.content, post.tags = "Rewritten", "All new.", []
        revision = db.session.get(Revision, revision_id)

        restored = revisions.restore(post, revision, db.session.get(User, alice))
        db.session.commit()

        assert restored.kind == "restore"
        assert (post.title, post.content, [tag.name for tag in post.tags]) == (
            "A draft",
            "The first version.",
            ["old"],
        )
        # Again: nothing changes and nothing more is recorded.
        assert revisions.restore(post, revision, post.author) is None
        db.session.commit()
    assert [content for content, _ in kept(app, draft_id)] == [
        "The first version.",
        "The first version.",
    ]


def test_restoring_a_published_post_only_makes_the_revision_pending(app, post_id):
    [revision_id] = add_revisions(app, post_id, [days_ago(3)], content="An older text.")
    with app.app_context():
        post = db.session.get(Post, post_id)
        revision = db.session.get(Revision, revision_id)

        pending = revisions.restore(post, revision, post.author)
        db.session.commit()
        again = revisions.restore(post, revision, post.author)
        db.session.commit()

        assert post.content == "Alice wrote this."  # what readers see stays
        assert (pending.kind, pending.is_pending, pending.content) == (
            "restore",
            True,
            "An older text.",
        )
        assert again is None
        assert revisions.pending_for(post).id == pending.id


def test_save_pending_takes_a_kind_and_defaults_to_autosave(app, post_id):
    with app.app_context():
        post = db.session.get(Post, post_id)
        first = revisions.save_pending(post, post.author, content="Typing...")
        assert first.kind == "autosave"
        second = revisions.save_pending(post, post.author, kind="restore", content="Restored.")
        db.session.commit()
        assert (second.id, second.kind, second.content) == (first.id, "restore", "Restored.")


def make_posts_draft(app, user_id: int) -> list[int]:
    from tests.helpers.factories import add_posts

    return add_posts(app, user_id, 1, title="A draft", content="Draft text.", published=False)
