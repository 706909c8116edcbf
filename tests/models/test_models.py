"""The models' rules, checked against the database itself: UTC timestamps, unique names and
emails, foreign keys and cascades, who may edit a post, logging in and reset tokens."""

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask_login import AnonymousUserMixin
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from flaskblog.extensions import db
from flaskblog.models import RESET_SALT, Avatar, Post, User, UTCDateTime
from tests.helpers.factories import PASSWORD

INDIA = timezone(timedelta(hours=5, minutes=30))


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def insert_user(username: str, email: str) -> None:
    """Insert a user row with a plain INSERT, bypassing every form and model check."""
    db.session.execute(
        db.insert(User).values(username=username, email=email, password_hash="x" * 60)
    )
    db.session.commit()


# Timestamps


def test_timestamps_come_back_as_aware_utc(app, make_user):
    alice = make_user("alice")
    written = datetime(2026, 1, 1, 12, 0, tzinfo=INDIA)
    with app.app_context():
        db.session.add(Post(title="T", content="C", user_id=alice, date_posted=written))
        db.session.commit()

    with app.app_context():
        post = db.session.scalar(db.select(Post))
        user = db.session.get(User, alice)
        assert post.date_posted == written
        assert post.date_posted.tzinfo is UTC
        assert post.date_posted.hour == 6 and post.date_posted.minute == 30
        assert user.created_at.tzinfo is UTC
        assert abs(datetime.now(UTC) - user.created_at) < timedelta(minutes=5)


def test_timestamps_are_stored_in_utc(app, make_user):
    alice = make_user("alice")
    with app.app_context():
        post = Post(title="T", content="C", user_id=alice)
        post.date_posted = datetime(2026, 1, 1, 12, 0, tzinfo=INDIA)
        db.session.add(post)
        db.session.commit()
        raw = db.session.execute(text("SELECT date_posted FROM posts")).scalar_one()

    if isinstance(raw, str):  # SQLite keeps text without a zone: it must already be UTC
        assert raw.startswith("2026-01-01 06:30:00")
    else:  # PostgreSQL keeps the instant (timestamptz)
        assert raw == datetime(2026, 1, 1, 6, 30, tzinfo=UTC)


def test_naive_timestamps_are_refused(app, make_user):
    alice = make_user("alice")
    with app.app_context():
        db.session.add(
            Post(title="T", content="C", user_id=alice, date_posted=datetime(2026, 1, 1))
        )
        with pytest.raises(StatementError, match="naive datetimes are ambiguous"):
            db.session.commit()
        db.session.rollback()
        assert count(Post) == 0

    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), None)


# Unique usernames and emails, enforced by the database


@pytest.mark.parametrize("second", ["ALICE", "alice", "aLiCe"])
def test_database_refuses_a_username_differing_only_in_case(app, second):
    with app.app_context():
        insert_user("Alice", "one@example.com")
        with pytest.raises(IntegrityError):
            insert_user(second, "two@example.com")
        db.session.rollback()
        assert db.session.scalars(db.select(User.username)).all() == ["Alice"]


def test_different_usernames_are_fine(app):
    with app.app_context():
        insert_user("Alice", "one@example.com")
        insert_user("Alicia", "two@example.com")
        assert count(User) == 2


def test_database_refuses_a_second_account_with_the_same_email(app):
    with app.app_context():
        insert_user("alice", "same@example.com")
        with pytest.raises(IntegrityError):
            insert_user("bob", "same@example.com")
        db.session.rollback()
        assert count(User) == 1


def test_users_are_found_by_email_and_username_regardless_of_case(app, make_user):
    alice = make_user("Alice", email="alice@example.com")
    with app.app_context():
        assert User.by_email("  ALICE@Example.com ").id == alice
        assert User.by_username("aLICE").id == alice
        assert User.by_email("nobody@example.com") is None
        assert User.by_username("nobody") is None


# Foreign keys and cascades


def test_database_refuses_a_post_by_a_missing_user(app):
    with app.app_context():
        db.session.add(Post(title="Orphan", content="No author", user_id=4242))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert count(Post) == 0


def test_database_refuses_an_avatar_of_a_missing_user(app):
    with app.app_context():
        db.session.add(Avatar(user_id=4242, digest="0" * 16, image=b"webp"))
        with pytest.raises(IntegrityError):
            db.session.commit()


def give_user_posts_and_avatar(app, make_user, make_posts) -> tuple[int, int]:
    alice, bob = make_user("alice"), make_user("bob")
    make_posts(alice, 3)
    make_posts(bob, 2)
    with app.app_context():
        db.session.get(User, alice).set_avatar(b"alice's picture")
        db.session.get(User, bob).set_avatar(b"bob's picture")
        db.session.commit()
    return alice, bob


def test_deleting_a_user_deletes_their_posts_and_picture(app, make_user, make_posts):
    alice, bob = give_user_posts_and_avatar(app, make_user, make_posts)

    with app.app_context():
        db.session.delete(db.session.get(User, alice))
        db.session.commit()

    with app.app_context():
        assert db.session.scalars(db.select(Post.user_id).distinct()).all() == [bob]
        assert count(Post) == 2
        assert db.session.scalars(db.select(Avatar.user_id)).all() == [bob]


def test_deleting_a_user_row_in_sql_cascades_too(app, make_user, make_posts):
    """An admin deleting straight in the database leaves nothing behind either."""
    alice, bob = give_user_posts_and_avatar(app, make_user, make_posts)

    with app.app_context():
        db.session.execute(text("DELETE FROM users WHERE id = :id"), {"id": alice})
        db.session.commit()
        assert db.session.scalars(db.select(Post.user_id).distinct()).all() == [bob]
        assert db.session.scalars(db.select(Avatar.user_id)).all() == [bob]


# Posts


def test_only_the_author_can_edit_a_post(app, make_user, make_posts):
    alice, bob = make_user("alice"), make_user("bob")
    (post_id,) = make_posts(alice)

    with app.app_context():
        post = db.session.get(Post, post_id)
        assert post.can_edit(db.session.get(User, alice)) is True
        assert post.can_edit(db.session.get(User, bob)) is False
        assert post.can_edit(AnonymousUserMixin()) is False


def test_newest_first_orders_by_date_then_id(app, make_user, make_posts):
    alice, bob = make_user("alice"), make_user("bob")
    make_posts(alice, 2, title="Alice {n}")
    make_posts(bob, 2, title="Bob {n}")

    with app.app_context():
        everyone = db.session.scalars(Post.newest_first()).all()
        bobs = db.session.scalars(Post.newest_first(db.session.get(User, bob))).all()

    assert [post.title for post in everyone] == ["Bob 2", "Alice 2", "Bob 1", "Alice 1"]
    assert [post.title for post in bobs] == ["Bob 2", "Bob 1"]


# Passwords and logging in


def test_authenticate_needs_the_right_email_and_password(app, make_user):
    alice = make_user("alice")

    with app.app_context():
        assert User.authenticate("alice@example.com", PASSWORD).id == alice
        assert User.authenticate(" Alice@Example.COM ", PASSWORD).id == alice
        assert User.authenticate("alice@example.com", PASSWORD.upper()) is None
        assert User.authenticate("alice@example.com", "") is None
        assert User.authenticate("nobody@example.com", PASSWORD) is None


def test_long_passwords_count_in_full(app):
    long_password = "p" * 72 + "the rest counts too"
    with app.app_context():
        user = User(username="alice", email="alice@example.com")
        user.set_password(long_password)

        assert user.check_password(long_password)
        assert not user.check_password("p" * 72)
        assert user.password_hash != long_password


# Reset tokens


def test_reset_token_names_its_user(app, make_user):
    alice = make_user("alice")
    make_user("bob")

    with app.app_context():
        token = db.session.get(User, alice).get_reset_token()
        assert User.verify_reset_token(token).id == alice


def test_reset_token_is_single_use(app, make_user):
    alice = make_user("alice")
    with app.app_context():
        user = db.session.get(User, alice)
        token = user.get_reset_token()
        user.set_password("a brand new password")
        db.session.commit()

    with app.app_context():
        assert User.verify_reset_token(token) is None
        fresh = db.session.get(User, alice).get_reset_token()
        assert User.verify_reset_token(fresh).id == alice


def test_reset_token_expires_after_thirty_minutes(app, make_user, monkeypatch):
    alice = make_user("alice")
    with app.app_context():
        token = db.session.get(User, alice).get_reset_token()
        now = int(time.time())

        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + 29 * 60)
        assert User.verify_reset_token(token).id == alice

        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: now + 31 * 60)
        assert User.verify_reset_token(token) is None


def test_reset_token_of_a_deleted_user_is_refused(app, make_user):
    alice = make_user("alice")
    with app.app_context():
        user = db.session.get(User, alice)
        token = user.get_reset_token()
        db.session.delete(user)
        db.session.commit()

        assert User.verify_reset_token(token) is None


def forged(app, payload, secret=None, salt=RESET_SALT) -> str:
    return URLSafeTimedSerializer(secret or app.config["SECRET_KEY"], salt=salt).dumps(payload)


def payload(token: str) -> dict:
    """What a token says (unchecked): its user and the digest of their security stamp."""
    return URLSafeTimedSerializer("unused").loads_unsafe(token)[1]


@pytest.mark.parametrize(
    "make_token",
    [
        lambda app, good, user_id: good[:-2] + ("BB" if good.endswith("AA") else "AA"),
        lambda app, good, user_id: "not-a-token",
        lambda app, good, user_id: "",
        lambda app, good, user_id: forged(app, payload(good), secret="another"),
        lambda app, good, user_id: forged(app, {"user": user_id, "stamp": "0" * 16}),
        lambda app, good, user_id: forged(app, {"user": user_id}),
        lambda app, good, user_id: forged(app, ["user", user_id]),
        lambda app, good, user_id: forged(app, {**payload(good), "user": "one"}),
        lambda app, good, user_id: forged(app, payload(good), salt="other-salt"),
    ],
    ids=[
        "tampered",
        "garbage",
        "empty",
        "other-secret",
        "wrong-stamp",
        "missing-field",
        "not-a-dict",
        "bad-user-id",
        "other-salt",
    ],
)
def test_bad_reset_tokens_are_refused(app, make_user, make_token):
    alice = make_user("alice")
    with app.app_context():
        good = db.session.get(User, alice).get_reset_token()

        assert User.verify_reset_token(make_token(app, good, alice)) is None
        assert User.verify_reset_token(good).id == alice


def test_a_token_signed_like_ours_is_accepted(app, make_user):
    """The forging helper above makes real tokens: only what each case changes is refused."""
    alice = make_user("alice")
    with app.app_context():
        stamp = db.session.get(User, alice)._stamp_for(RESET_SALT)

        assert User.verify_reset_token(forged(app, {"user": alice, "stamp": stamp})).id == alice


# Pictures


def test_a_new_picture_replaces_the_old_one_under_a_new_digest(app, make_user):
    alice = make_user("alice")
    with app.app_context():
        user = db.session.get(User, alice)
        assert user.avatar is None

        user.set_avatar(b"first picture")
        db.session.commit()
        first_digest, first_updated = user.avatar.digest, user.avatar.updated_at
        assert len(first_digest) == Avatar.DIGEST_LENGTH

        user.set_avatar(b"second picture")
        db.session.commit()
        assert user.avatar.digest != first_digest
        assert user.avatar.updated_at >= first_updated
        assert count(Avatar) == 1
        assert db.session.get(Avatar, alice).image == b"second picture"
