"""Readers follow writers: following and unfollowing, the follower lists and counts."""

import pytest
from sqlalchemy.exc import IntegrityError

from flaskblog.extensions import db
from flaskblog.models import Follow, User
from tests.helpers.pages import flashes, page_text


@pytest.fixture
def bob(make_user) -> int:
    return make_user("bob")


def follow(forms, username: str, action: str = "follow"):
    return forms.submit(f"/user/{username}/{action}", page="/")


def followed_pairs(app) -> set[tuple[int, int]]:
    with app.app_context():
        rows = db.session.execute(db.select(Follow.follower_id, Follow.followed_id)).all()
        return {tuple(row) for row in rows}


def disable(app, user_id: int) -> None:
    with app.app_context():
        db.session.get(User, user_id).disable()
        db.session.commit()


def test_following_twice_makes_one_follow_and_unfollowing_twice_none(
    app, logged_in_alice, bob, forms, client
):
    first, second = follow(forms, "bob"), follow(forms, "bob")

    assert first.status_code == second.status_code == 302
    assert first.location == "/user/bob"
    assert followed_pairs(app) == {(logged_in_alice, bob)}
    assert "1 follower" in page_text(client.get("/user/bob"))
    assert "Unfollow bob" in page_text(client.get("/user/bob"))

    follow(forms, "bob", "unfollow")
    response = follow(forms, "bob", "unfollow")

    assert response.status_code == 302
    assert followed_pairs(app) == set()
    assert "Follow bob" in page_text(client.get("/user/bob"))


def test_following_yourself_is_refused_with_a_message(app, logged_in_alice, forms, client):
    response = follow(forms, "alice")

    assert followed_pairs(app) == set()
    assert flashes(client.get(response.location)) == [("warning", "You cannot follow yourself.")]


def test_a_self_follow_cannot_be_stored(app, alice):
    with app.app_context():
        db.session.add(Follow(follower_id=alice, followed_id=alice))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_following_a_missing_user_is_a_404(logged_in_alice, forms):
    assert follow(forms, "nobody").status_code == 404


def test_following_a_disabled_user_is_refused(app, logged_in_alice, bob, forms, client):
    disable(app, bob)

    response = follow(forms, "bob")

    assert response.status_code == 302
    assert followed_pairs(app) == set()
    assert "disabled" in flashes(client.get(response.location))[0][1]


def test_follow_is_post_only_and_needs_csrf_and_a_login(app, alice, bob, auth, forms, client):
    assert "/login" in forms.submit("/user/bob/follow", page="/login").location
    auth.login()

    assert client.get("/user/bob/follow").status_code == 405
    assert client.post("/user/bob/follow").status_code == 400  # no CSRF token
    assert followed_pairs(app) == set()


def test_follower_lists_are_paginated_and_leave_out_disabled_users(app, make_user, bob, client):
    from flaskblog.follows.routes import USERS_PER_PAGE

    ids = [make_user(f"reader{n:02}") for n in range(USERS_PER_PAGE + 2)]
    with app.app_context():
        db.session.add_all(Follow(follower_id=i, followed_id=bob) for i in ids)
        db.session.add(Follow(follower_id=bob, followed_id=ids[0]))
        db.session.commit()
    disable(app, ids[1])

    first = page_text(client.get("/user/bob/followers"))
    second = client.get("/user/bob/followers?page=2")
    profile = page_text(client.get("/user/bob"))

    assert second.status_code == 200
    assert client.get("/user/bob/followers?page=3").status_code == 404
    shown = first + page_text(second)
    assert "reader00" in shown and "reader02" in shown and "reader01" not in shown
    assert f"{USERS_PER_PAGE + 1} followers" in profile
    assert "1 following" in profile
    assert "reader00" in page_text(client.get("/user/bob/following"))


def test_profile_counts_cost_a_bounded_number_of_queries(
    app, make_user, bob, client, count_queries
):
    def profile_queries() -> int:
        with count_queries() as statements:
            assert client.get("/user/bob").status_code == 200
        return len(statements)

    few = profile_queries()
    with app.app_context():
        for n in range(5):
            db.session.add(Follow(follower_id=make_user(f"fan{n}"), followed_id=bob))
        db.session.commit()

    assert profile_queries() == few


def test_your_own_profile_shows_your_counts_and_no_follow_button(app, logged_in_alice, bob, client):
    with app.app_context():
        db.session.add(Follow(follower_id=bob, followed_id=logged_in_alice))
        db.session.commit()

    text = page_text(client.get("/user/alice"))

    assert "1 follower" in text and "0 following" in text
    assert "Follow alice" not in text
