"""Who gets a notification: never about oneself, never by or for a disabled account, never of
a kind the reader turned off; and the unread count the header shows."""

from flaskblog.extensions import db
from flaskblog.models import Notification, NotificationSettings, User, utcnow
from flaskblog.models.notification import FOLLOWER, MENTION, POST, count_unread, notify


def made(app) -> list[tuple[int, str, int]]:
    with app.app_context():
        rows = db.session.execute(
            db.select(Notification.user_id, Notification.kind, Notification.actor_id)
        ).all()
        return [tuple(row) for row in rows]


def notify_and_commit(app, recipient_id: int, kind: str, actor_id: int) -> bool:
    with app.app_context():
        made_one = notify(db.session.get(User, recipient_id), kind, db.session.get(User, actor_id))
        db.session.commit()
        return made_one is not None


def test_a_reader_is_notified_of_a_new_follower(app, make_user):
    alice, bob = make_user("alice"), make_user("bob")

    assert notify_and_commit(app, alice, FOLLOWER, bob)
    assert made(app) == [(alice, FOLLOWER, bob)]


def test_nobody_is_notified_about_themselves(app, make_user):
    alice = make_user("alice")

    assert not notify_and_commit(app, alice, MENTION, alice)
    assert made(app) == []


def test_disabled_accounts_neither_notify_nor_are_notified(app, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    with app.app_context():
        db.session.get(User, bob).disabled_at = utcnow()
        db.session.commit()

    assert not notify_and_commit(app, alice, FOLLOWER, bob)
    assert not notify_and_commit(app, bob, FOLLOWER, alice)
    assert made(app) == []


def test_a_kind_turned_off_is_not_made_and_the_others_still_are(app, make_user):
    alice, bob = make_user("alice"), make_user("bob")
    with app.app_context():
        db.session.add(NotificationSettings(user_id=alice, notify_followers=False))
        db.session.commit()

    assert not notify_and_commit(app, alice, FOLLOWER, bob)
    assert notify_and_commit(app, alice, POST, bob)
    assert made(app) == [(alice, POST, bob)]


def test_without_a_settings_row_every_kind_is_on_and_the_digest_off(app, make_user):
    alice = make_user("alice")
    with app.app_context():
        settings = NotificationSettings.of(db.session.get(User, alice))

        assert settings.digest == "off"
        assert all(settings.wants(kind) for kind in ("comment", "reply", "follower", "post"))
        assert db.session.get(NotificationSettings, alice) is None


def test_the_unread_count_counts_only_the_readers_unread_ones(app, make_user):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    for actor in (bob, carol):
        notify_and_commit(app, alice, FOLLOWER, actor)
    notify_and_commit(app, bob, FOLLOWER, alice)
    with app.app_context():
        first = db.session.scalars(db.select(Notification).where(Notification.user_id == alice))
        next(iter(first)).read_at = utcnow()
        db.session.commit()

        assert count_unread(db.session.get(User, alice)) == 1
        assert count_unread(db.session.get(User, bob)) == 1
