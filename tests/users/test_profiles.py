"""Each author's public page: /user/<username>."""

import re
from datetime import UTC, datetime

import pytest

from tests.helpers.factories import set_joined, set_profile
from tests.helpers.pages import page_text, titles_on


def test_user_page_lists_five_posts_newest_first(make_user, make_posts, client):
    alice = make_user("alice")
    bob = make_user("bob")
    make_posts(alice, 7, title="Alice post {n}")
    make_posts(bob, 3, title="Bob post {n}")

    first = client.get("/user/alice")
    second = client.get("/user/alice?page=2")

    assert first.status_code == second.status_code == 200
    assert "Posts by alice" in page_text(first)
    assert "7 posts" in page_text(first)
    assert titles_on(first) == [f"Alice post {n}" for n in (7, 6, 5, 4, 3)]
    assert titles_on(second) == ["Alice post 2", "Alice post 1"]
    assert 'href="/user/alice?page=2"' in page_text(first)


def test_user_page_is_found_regardless_of_case(make_user, make_posts, client):
    alice = make_user("Alice")
    make_posts(alice, 1, title="Hello")

    response = client.get("/user/aLiCe")

    assert response.status_code == 200
    assert "Posts by Alice" in page_text(response)
    assert titles_on(response) == ["Hello"]


def test_user_page_of_a_user_without_posts_says_so(make_user, client):
    make_user("alice")

    response = client.get("/user/alice")

    assert response.status_code == 200
    assert "alice has not posted anything yet." in page_text(response)


@pytest.mark.parametrize("username", ["nobody", "a" * 21, "a" * 500, ".."])
def test_user_page_of_an_unknown_user_is_404(make_user, client, username):
    make_user("alice")

    response = client.get(f"/user/{username}")

    assert response.status_code == 404
    assert "Page not found" in page_text(response)


@pytest.mark.parametrize("page", ["3", "0", "-1", "abc", "99999999999999999999"])
def test_user_page_outside_its_pages_is_404(make_user, make_posts, client, page):
    alice = make_user("alice")
    make_posts(alice, 7)

    response = client.get(f"/user/alice?page={page}")

    assert response.status_code == 404


# --- The profile: bio, website, join date, post count, feed ----------------------------------


def test_the_profile_shows_bio_website_join_date_post_count_feed_and_follows(
    app, make_user, make_posts, client
):
    alice = make_user("alice")
    make_posts(alice, 2)
    set_profile(app, alice, about_me="Birds.\nSea.", website="https://alice.example.com/")
    set_joined(app, alice, datetime(2025, 3, 4, 10, 0, tzinfo=UTC))

    text = client.get("/user/alice").get_data(as_text=True)

    assert '<p class="profile__about">Birds.\nSea.</p>' in text
    assert (
        '<a href="https://alice.example.com/" rel="nofollow ugc me">https://alice.example.com/</a>'
        in text
    )
    assert re.search(
        r'Joined <time datetime="2025-03-04T10:00:00Z"[^>]*>March 4, 2025 \(UTC\)</time>', text
    )
    assert "<p>2 posts</p>" in text
    assert re.search(r'<a class="feed-link" href="/user/alice/feed.xml">', text)
    assert '<a href="/user/alice/followers">0 followers</a>' in text
    assert '<a href="/user/alice/following">0 following</a>' in text
    assert 'class="avatar avatar--large"' in text


def test_a_profile_without_bio_or_website_shows_neither(make_user, client):
    make_user("alice")

    text = client.get("/user/alice").get_data(as_text=True)

    assert "profile__about" not in text and "profile__website" not in text
    assert "<p>0 posts</p>" in text


def test_a_bio_is_shown_as_plain_text(app, make_user, client):
    alice = make_user("alice")
    set_profile(app, alice, about_me='<script>alert(1)</script><b onclick="x()">hi</b>')

    text = client.get("/user/alice").get_data(as_text=True)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b onclick=" in text
    assert "<script>alert" not in text


def test_a_profile_speaks_german(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 2)

    page = page_text(client.get("/user/alice", headers={"Accept-Language": "de"}))

    assert '<h1 class="profile__name">Beiträge von alice</h1>' in page
    assert "<p>2 Beiträge</p>" in page
    assert "0 Follower</a>" in page
