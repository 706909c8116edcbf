"""Filling the page cache: every spelling of a page's URL that the site answers with the
same page would be a cached copy of its own ("?page=01", "?page=+1", a fullwidth "１", the
arguments in another order). Each page number has one spelling, the pager's: any other is
sent on to it before the cache is consulted, so the cache holds one copy per page."""

import pytest

from flaskblog.extensions import cache
from tests.helpers import factories

# Unicode digits that Python's int() reads: fullwidth, Arabic-Indic, Devanagari.
SPELLINGS_OF_TWO = ["02", "002", "+2", " 2", "2 ", "%EF%BC%92", "%D9%A2", "%E0%A5%A8", "0_2"]
SPELLINGS_OF_ONE = ["1", "01", "+1", "%EF%BC%91", "0001"]


@pytest.fixture
def cached_app(build_app):
    """An app with a page cache, and alice with three pages of posts."""
    app = build_app(CACHE_TYPE="SimpleCache")
    factories.add_posts(app, factories.make_user(app, "alice"), 12)
    return app


def cached_pages(app) -> int:
    with app.app_context():
        return sum(1 for key in cache.cache._cache if key.startswith("page:"))


@pytest.mark.parametrize("spelling", SPELLINGS_OF_TWO)
@pytest.mark.parametrize("listing", ["/", "/user/alice", "/search?q=post&"])
def test_another_spelling_of_a_page_number_is_sent_to_the_pagers(
    client, alice, make_posts, listing, spelling
):
    make_posts(alice, 12)
    separator = "" if listing.endswith("&") else "?"

    response = client.get(f"{listing}{separator}page={spelling}")

    assert response.status_code == 301
    expected = listing.rstrip("&") + ("&" if "?" in listing else "?") + "page=2"
    assert response.headers["Location"] == expected


@pytest.mark.parametrize("spelling", SPELLINGS_OF_ONE)
def test_the_first_page_is_the_listing_itself(client, alice, make_posts, spelling):
    make_posts(alice, 12)

    response = client.get(f"/user/alice?page={spelling}")

    assert response.status_code == 301
    assert response.headers["Location"] == "/user/alice"


def test_the_pager_links_the_first_page_without_a_number(client, alice, make_posts):
    make_posts(alice, 12)

    html = client.get("/?page=2").get_data(as_text=True)

    assert 'href="/" rel="prev"' in html
    assert "?page=1" not in html


def test_the_cache_holds_one_copy_of_a_page_however_it_is_spelt(cached_app):
    client = cached_app.test_client()
    assert client.get("/?page=2").status_code == 200
    assert client.get("/").status_code == 200
    assert cached_pages(cached_app) == 2

    for spelling in SPELLINGS_OF_TWO + SPELLINGS_OF_ONE:
        assert client.get(f"/?page={spelling}").status_code in (200, 301)
    for url in ("/?page=2&page=3", "/?page=2&x=1", "/?page=%32"):
        assert client.get(url).status_code in (200, 301)

    assert cached_pages(cached_app) == 2
