"""What search engines may keep of the search page: the form, with its own description and
one address, but never a page of results (endless, and the dearest page to serve)."""

import pytest

from tests.helpers.pages import head_tags, head_value


def robots(response) -> list[str]:
    return [tag["content"] for tag in head_tags(response) if tag.get("name") == "robots"]


@pytest.mark.parametrize("url", ["/search", "/search?q=", "/search?page=3"])
def test_the_search_form_is_indexable_under_one_address(client, url):
    response = client.get(url)

    assert robots(response) == []
    assert head_value(response, "rel", "canonical", "href") == "http://flaskblog.test/search"
    description = head_value(response, "name", "description")
    assert description == "Search every post on flaskblog by the words in it."


@pytest.mark.parametrize("query", ["walrus", "nothing-matches-this"])
def test_a_page_of_results_is_kept_out_of_search_engines(client, zoo, query):
    response = client.get("/search", query_string={"q": query})

    assert robots(response) == ["noindex"]
    assert not [tag for tag in head_tags(response) if tag.get("rel") == "canonical"]
