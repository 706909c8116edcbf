"""The listings' pager on its own: a page number in, a page (or None past the end) out,
with no request and no HTTP error of its own."""

import pytest

from flaskblog.models import Post
from flaskblog.pagination import paginate


@pytest.fixture
def twelve_posts(make_user, make_posts):
    return make_posts(make_user("alice"), 12)


def titles(page) -> list[str]:
    return [post.title for post in page]


def test_a_page_holds_its_posts_newest_first_and_knows_its_neighbours(app, twelve_posts):
    with app.app_context():
        page = paginate(Post.newest_first(), 2)

    assert titles(page) == ["Post 7", "Post 6", "Post 5", "Post 4", "Post 3"]
    assert (page.prev_num, page.next_num, page.pages) == (1, 3, 3)
    assert list(page.iter_pages()) == [1, 2, 3]


def test_a_page_past_the_last_is_none_not_an_error(app, twelve_posts):
    with app.app_context():
        assert paginate(Post.newest_first(), 4) is None
        assert paginate(Post.newest_first(), 4, total=12) is None


def test_the_first_page_of_an_empty_listing_exists(app):
    with app.app_context():
        page = paginate(Post.newest_first(), 1)

    assert titles(page) == []
    assert (page.has_prev, page.has_next, page.pages) == (False, False, 1)
