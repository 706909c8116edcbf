"""`flask users purge` deletes spam accounts in bulk, with everything they wrote, and says
how much: only accounts matching every filter given, never an admin, never with no filter,
and a dry run that names them and deletes nothing."""

from datetime import UTC, datetime, timedelta

import pytest

from flaskblog.extensions import db
from flaskblog.models import Avatar, Comment, Post, SecurityEvent, User
from tests.helpers.factories import add_comments, set_joined


@pytest.fixture
def users(app):
    """`users("purge", "--unconfirmed")` runs `flask users purge --unconfirmed`."""
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["users", *args])


@pytest.fixture
def spammers(app, make_user, make_posts) -> dict[str, int]:
    """Who is there: an old regular with posts, two new unconfirmed spammers (one with a post,
    a comment and a picture), a new confirmed reader, and a new unconfirmed admin."""
    people = {
        "regular": make_user("regular"),
        "spam1": make_user("spam1", confirmed=False),
        "spam2": make_user("spam2", confirmed=False),
        "reader": make_user("reader"),
        "boss": make_user("boss", admin=True, confirmed=False),
    }
    set_joined(app, people["regular"], datetime.now(UTC) - timedelta(days=30))
    regular_posts = make_posts(people["regular"], 2)
    make_posts(people["spam1"], 1, title="Buy now {n}")
    add_comments(app, regular_posts[0], people["spam1"], 1)
    with app.app_context():
        db.session.get(User, people["spam1"]).set_avatar(b"picture")
        db.session.commit()
    return people


def remaining(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(db.select(User.username)))


def count(app, model) -> int:
    with app.app_context():
        return len(db.session.scalars(db.select(model)).all())


def test_with_no_filter_it_refuses_to_run(app, users, spammers):
    result = users("purge")

    assert result.exit_code == 2
    assert "Refusing to purge every account" in result.output
    assert len(remaining(app)) == 5


def test_a_dry_run_names_the_accounts_and_deletes_nothing(app, users, spammers):
    result = users("purge", "--unconfirmed", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "Dry run: would delete 2 accounts, 1 post, 1 comment." in result.output
    assert "  spam1\n" in result.output and "  spam2\n" in result.output
    assert "boss" not in result.output
    assert len(remaining(app)) == 5
    assert count(app, SecurityEvent) == 0


def test_unconfirmed_accounts_go_with_their_posts_comments_and_pictures(
    app, users, spammers, security_log
):
    result = users("purge", "--unconfirmed")

    assert result.exit_code == 0, result.output
    assert "Deleted 2 accounts, 1 post, 1 comment." in result.output
    assert remaining(app) == {"regular", "reader", "boss"}
    assert count(app, Post) == 2 and count(app, Comment) == 0 and count(app, Avatar) == 0
    [line] = [event for event in security_log() if event["event"] == "users_purged"]
    assert line["accounts"] == 2 and line["operator"] == "flask users purge"
    with app.app_context():
        [stored] = db.session.scalars(db.select(SecurityEvent)).all()
        assert stored.event == "users_purged" and stored.facts["posts"] == 1


def test_since_keeps_older_accounts(app, users, spammers):
    result = users("purge", "--since", "7d")

    assert result.exit_code == 0, result.output
    assert remaining(app) == {"regular", "boss"}


def test_since_takes_a_date(app, users, spammers):
    since = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()

    assert users("purge", "--since", since).exit_code == 0
    assert remaining(app) == {"regular", "boss"}


def test_max_posts_keeps_those_who_wrote_more(app, users, spammers):
    result = users("purge", "--max-posts", "0", "--since", "7d")

    assert result.exit_code == 0, result.output
    assert "Deleted 2 accounts, 0 posts, 0 comments." in result.output
    assert remaining(app) == {"regular", "spam1", "boss"}


def test_filters_combine(app, users, spammers):
    users("purge", "--unconfirmed", "--max-posts", "0")

    assert remaining(app) == {"regular", "spam1", "reader", "boss"}


def test_admins_are_never_purged(app, users, spammers):
    users("purge", "--max-posts", "100")

    assert remaining(app) == {"boss"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "use a date such as 2026-12-01"),
        (["--max-posts", "-1"], "-1 is not in the range x>=0"),
        (["--max-posts", "many"], "'many' is not a valid integer"),
    ],
)
def test_bad_filters_are_refused_with_a_message(app, users, spammers, args, message):
    result = users("purge", *args)

    assert result.exit_code == 2
    assert message in result.output
    assert len(remaining(app)) == 5


def test_nothing_matching_deletes_nothing(app, users, spammers):
    result = users("purge", "--since", "2999-01-01")

    assert result.exit_code == 0
    assert "Deleted 0 accounts, 0 posts, 0 comments." in result.output
    assert len(remaining(app)) == 5


def test_the_other_account_commands_are_on_the_record_too(app, users, spammers):
    users("disable", "spam1")
    users("enable", "spam1")
    users("promote", "reader")

    with app.app_context():
        events = db.session.scalars(db.select(SecurityEvent).order_by(SecurityEvent.id)).all()
        assert [(event.event, event.facts["by"]) for event in events] == [
            ("admin_user_disabled", "command line"),
            ("admin_user_enabled", "command line"),
            ("admin_user_promoted", "command line"),
        ]
