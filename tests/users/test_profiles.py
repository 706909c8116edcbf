"""Each author's public page: /user/<username>."""

import pytest

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
