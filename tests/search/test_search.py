"""Searching posts: full-text matches (stemmed, best first, published only), a snippet
with the matches highlighted, an index that follows every change, and any input at all
giving a page rather than an error."""

import re
from html import unescape

import pytest
from sqlalchemy import text

from flaskblog.extensions import db
from flaskblog.search.queries import MAX_WORDS
from tests.helpers.factories import add_comments, tag_posts
from tests.helpers.pages import page_text, titles_on
from tests.helpers.queries import queries_for

SNIPPET = re.compile(r'<p class="post__excerpt search-result__snippet">(.*?)</p>', re.DOTALL)
SEARCH_BOX = re.compile(r'<form class="search-form"[^>]*>.*?<input id="search-q"[^>]*>', re.DOTALL)
NOTHING_FOUND = "Nothing found for"


def search(client, query: str, page: int | None = None):
    """GET the search page for `query` as typed (the client encodes it)."""
    args = {"q": query} if page is None else {"q": query, "page": page}
    return client.get("/search", query_string=args)


def snippets_on(response) -> list[str]:
    """The HTML of each result's snippet, top to bottom."""
    return SNIPPET.findall(response.get_data(as_text=True))


def query_in_search_box(response) -> str:
    """What the page's search form holds, as the user sees it."""
    box = SEARCH_BOX.search(response.get_data(as_text=True))
    assert box, "no search form on the page"
    value = re.search(r'value="([^"]*)"', box.group(0))
    return unescape(value.group(1)) if value else ""


def write_post(forms, title: str, content: str, *, draft: bool = False) -> int:
    """Write a post through the editor as the logged-in user; returns its id."""
    button = {"save_draft": "Save draft"} if draft else {"submit": "Publish"}
    response = forms.submit("/post/new", {"title": title, "content": content, **button})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.match(r"/post/(\d+)", response.headers["Location"]).group(1))


def edit_post(forms, post_id: int, title: str, content: str, *, draft: bool = False) -> None:
    """Change a post through the editor as its logged-in author."""
    button = {"unpublish": "Unpublish"} if draft else {"submit": "Publish"}
    response = forms.submit(
        f"/post/{post_id}/update", {"title": title, "content": content, **button}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


# The search page itself


@pytest.mark.parametrize("url", ["/search", "/search?q=", "/search?q=+++", "/search?page=3"])
def test_without_a_query_the_page_is_just_the_search_form(client, zoo, url):
    response = client.get(url)

    assert response.status_code == 200
    assert query_in_search_box(response) == ""
    assert "<article" not in response.get_data(as_text=True)
    assert NOTHING_FOUND not in page_text(response)


def test_the_page_title_and_search_box_show_the_query(client, zoo):
    response = search(client, "  walrus  ")

    assert "<title>Search: walrus · flaskblog</title>" in page_text(response)
    assert query_in_search_box(response) == "walrus"


def test_a_long_query_is_shortened_in_the_page_title(client, zoo):
    query = "walrus " + "word " * 100

    response = search(client, query)

    title = re.search(r"<title>(.*?)</title>", page_text(response)).group(1)
    assert title.startswith("Search: walrus word")
    assert title.endswith("… · flaskblog")
    assert len(title) < 100
    assert query_in_search_box(response) == query.strip()


def test_results_show_like_any_listing(app, client, make_user, make_posts):
    alice, bob = make_user("alice"), make_user("bob")
    (post_id,) = make_posts(alice, 1, title="Walrus watching", content="Tusks " * 450)
    tag_posts(app, [post_id], "arctic", "animals")
    add_comments(app, post_id, bob, 2)

    response = search(client, "walrus")

    assert titles_on(response) == ["Walrus watching"]
    html = response.get_data(as_text=True)
    assert 'class="post__author" href="/user/alice"' in html
    assert re.findall(r'rel="tag">([a-z-]+)</a>', html) == ["animals", "arctic"]
    assert "3 min read" in html
    assert ">2 comments</a>" in html
    assert f'class="post__more" href="/post/{post_id}/walrus-watching"' in html


# Finding


def test_finds_posts_by_a_word_of_the_title(client, zoo):
    assert titles_on(search(client, "parade")) == ["Penguin parade"]


def test_finds_posts_by_a_word_of_the_text(client, zoo):
    assert titles_on(search(client, "waddle")) == ["Penguin parade"]


def test_finds_whatever_the_case(client, zoo):
    assert titles_on(search(client, "PENGUIN Dusk")) == ["Penguin parade"]


def test_every_word_must_match(client, zoo):
    assert titles_on(search(client, "seals rocks")) == ["Seals"]
    response = search(client, "seals penguin")
    assert titles_on(response) == []
    assert f"{NOTHING_FOUND} “seals penguin”" in page_text(response)


@pytest.mark.parametrize("query", ["run", "runs", "running", "RUNNING"])
def test_finds_other_forms_of_a_word(client, make_user, make_posts, query):
    alice = make_user("alice")
    make_posts(alice, 1, title="Mornings", content="Running in the rain is fun.")
    make_posts(alice, 1, title="Evenings", content="I read a book.")

    assert titles_on(search(client, query)) == ["Mornings"]


def test_a_word_nobody_wrote_finds_nothing_politely(client, zoo):
    response = search(client, "xylophone")

    assert response.status_code == 200
    assert titles_on(response) == []
    assert f"{NOTHING_FOUND} “xylophone”" in page_text(response)


def test_a_title_match_outranks_a_mention_in_the_text(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 1, title="Kayak trip", content="We paddled along the coast all day.")
    # Written later, so it would come first if results were only sorted by date.
    make_posts(
        alice, 1, title="Weekend notes", content="Saturday we hiked; Sunday we hired a kayak."
    )

    assert titles_on(search(client, "kayak")) == ["Kayak trip", "Weekend notes"]


def test_equally_good_matches_come_newest_first(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 3, title="Walrus {n}", content="Walrus number {n}.")

    assert titles_on(search(client, "walrus")) == ["Walrus 3", "Walrus 2", "Walrus 1"]


# Drafts


def test_drafts_are_never_found_not_even_by_their_author(client, auth, forms, make_user):
    make_user("alice")
    auth.login()
    write_post(forms, "Zeppelin plans", "A secret airship.", draft=True)
    write_post(forms, "Airports", "No zeppelin landed today.")

    response = search(client, "zeppelin")

    assert titles_on(response) == ["Airports"]
    auth.logout()
    assert titles_on(search(client, "zeppelin")) == ["Airports"]


def test_a_draft_is_found_once_published_and_not_once_taken_back(client, auth, forms, make_user):
    make_user("alice")
    auth.login()
    post_id = write_post(forms, "Zeppelin plans", "A secret airship.", draft=True)

    edit_post(forms, post_id, "Zeppelin plans", "A secret airship.")
    assert titles_on(search(client, "airship")) == ["Zeppelin plans"]

    edit_post(forms, post_id, "Zeppelin plans", "A secret airship.", draft=True)
    assert titles_on(search(client, "airship")) == []


# The index follows every change


def test_a_new_post_is_found_at_once(client, auth, forms, make_user):
    make_user("alice")
    auth.login()
    write_post(forms, "Fresh bread", "Sourdough needs patience.")

    assert titles_on(search(client, "sourdough")) == ["Fresh bread"]


def test_an_edited_post_is_found_by_its_new_words_only(client, auth, forms, make_user):
    make_user("alice")
    auth.login()
    post_id = write_post(forms, "Fresh bread", "Sourdough needs patience.")

    edit_post(forms, post_id, "Pizza night", "Mozzarella melts quickly.")

    assert titles_on(search(client, "sourdough")) == []
    assert titles_on(search(client, "bread")) == []
    assert titles_on(search(client, "mozzarella")) == ["Pizza night"]
    assert titles_on(search(client, "pizza")) == ["Pizza night"]


def test_a_deleted_post_is_no_longer_found(client, auth, forms, make_user):
    make_user("alice")
    auth.login()
    post_id = write_post(forms, "Fresh bread", "Sourdough needs patience.")
    write_post(forms, "More bread", "Rye, this time.")

    response = forms.submit(f"/post/{post_id}/delete", page=f"/post/{post_id}")

    assert response.status_code == 302
    assert titles_on(search(client, "bread")) == ["More bread"]
    assert titles_on(search(client, "sourdough")) == []


def test_the_database_keeps_the_index_even_for_rows_written_without_the_app(app, client, make_user):
    alice = make_user("alice")
    with app.app_context():
        db.session.execute(
            text(
                "INSERT INTO posts (title, slug, content, content_html, content_text,"
                " is_published, date_posted, published_at, user_id)"
                " VALUES ('Imported', 'imported', 'Narwhal tusk', '<p>Narwhal tusk</p>',"
                " 'Narwhal tusk', :yes, :now, :now, :alice)"
            ),
            {"yes": True, "now": "2026-01-01 00:00:00+00:00", "alice": alice},
        )
        db.session.commit()
    assert titles_on(search(client, "narwhal")) == ["Imported"]

    with app.app_context():
        db.session.execute(text("UPDATE posts SET content_text = 'Beluga song'"))
        db.session.commit()
    assert titles_on(search(client, "narwhal")) == []
    assert titles_on(search(client, "beluga")) == ["Imported"]


# Snippets


def test_the_snippet_highlights_the_matching_words(client, zoo):
    [snippet] = snippets_on(search(client, "whiskers tusk"))

    assert snippet == "<mark>Tusks</mark>, <mark>whiskers</mark> and a nap on the ice."


def test_the_snippet_is_the_text_around_the_match_in_a_long_post(client, make_user, make_posts):
    alice = make_user("alice")
    before = " ".join(f"early{n}" for n in range(80))
    after = " ".join(f"late{n}" for n in range(80))
    make_posts(alice, 1, title="Long", content=f"{before} a walrus appears {after}")

    [snippet] = snippets_on(search(client, "walrus"))

    assert snippet.startswith("… ")
    assert snippet.endswith(" …")
    assert "<mark>walrus</mark>" in snippet
    assert "early0 " not in snippet
    assert "late79" not in snippet
    assert 100 < len(snippet) < 600


def test_a_title_match_shows_the_start_of_the_text(client, zoo):
    [snippet] = snippets_on(search(client, "parade"))

    assert snippet == "They waddle to the sea at dusk."


def test_the_snippet_escapes_html_written_in_the_post(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(
        alice,
        1,
        title="Escaping",
        content="Never <script>alert(1)</script> & never x<y and y>z, the walrus said.",
    )

    response = search(client, "walrus")

    [snippet] = snippets_on(response)
    assert snippet == (
        "Never &lt;script&gt;alert(1)&lt;/script&gt; &amp; never x&lt;y and y&gt;z,"
        " the <mark>walrus</mark> said."
    )
    assert "<script>alert" not in response.get_data(as_text=True)


def test_marker_characters_in_a_post_leave_the_markup_balanced(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 1, title="Odd", content="Odd \x02 bytes \x03 near a walrus \x03 here \x02.")

    [snippet] = snippets_on(search(client, "walrus"))

    assert "<mark>walrus</mark>" in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>")
    assert re.fullmatch(r"(<mark>[^<]*</mark>|[^<])*", snippet)
    assert "\x02" not in snippet
    assert "\x03" not in snippet


# Any input at all


HOSTILE_QUERIES = [
    '"',
    "'",
    '""',
    '"walrus',
    "'; DROP TABLE posts; --",
    "' OR 1=1 --",
    "walrus OR seals",
    "OR",
    "AND",
    "NOT",
    "NOT walrus",
    "walrus AND OR NOT",
    "NEAR",
    "NEAR(walrus seals, 2)",
    "NEAR(",
    "*",
    "walrus*",
    "^",
    "^walrus",
    ":",
    "title:walrus",
    "content_text:walrus",
    "posts_search:walrus",
    "{title content_text}: walrus",
    "(",
    ")",
    "((walrus)",
    "-walrus",
    "walrus + seals",
    "walrus & seals | !penguin",
    "walrus <-> seals",
    "walrus:*",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\\",
    "%",
    "_",
    "%_%",
    "&amp;",
    "&#0;",
    "\u200b",
    "\u202ewalrus",
    "e\u0301",
    "морж",
    "海象",
    "🦭",
    "walrus🦭seals",
    "🦭" * 300,
    "a" * 1000,
    "é" * 1000,
    "x" * 5000,
    "walrus " * 300,
    " ".join(f"w{n}" for n in range(200)),
    "the a an of",
    "?!...",
    "\t\r\n",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_any_query_gives_a_page_not_an_error(client, zoo, query):
    response = search(client, query)

    assert response.status_code == 200
    assert query_in_search_box(response) == query.strip()
    found = titles_on(response)
    if query.strip():
        assert found or f"{NOTHING_FOUND} “" in page_text(response)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert "<img src=x" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    ['"walrus"', "walrus*", "^walrus", "(walrus)", "-walrus", "walrus!!!", "¿walrus?", "[walrus]"],
)
def test_search_syntax_is_read_as_plain_words(client, zoo, query):
    assert titles_on(search(client, query)) == ["Walrus watching", "Seals"]


@pytest.mark.parametrize("query", ["?!...", "***", "🦭🦭", "-- ;"])
def test_a_query_without_words_finds_nothing_politely(client, zoo, query):
    response = search(client, query)

    assert response.status_code == 200
    assert titles_on(response) == []
    assert f"{NOTHING_FOUND} “{query}”" in page_text(response)


def test_words_past_the_eighth_are_left_out(client, zoo):
    # No post holds both words: "penguin" would find nothing if it counted.
    query = "walrus " * MAX_WORDS + "penguin"
    assert MAX_WORDS == 8

    assert titles_on(search(client, query)) == ["Walrus watching", "Seals"]


# Pages


def test_results_come_five_a_page_with_a_pager_that_keeps_the_query(client, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 12, title="Walrus {n}", content="Walrus number {n}.")
    make_posts(alice, 3, title="Penguin {n}", content="Penguin number {n}.")

    pages = [search(client, "walrus", page) for page in (None, 2, 3)]

    assert [titles_on(page) for page in pages] == [
        [f"Walrus {n}" for n in (12, 11, 10, 9, 8)],
        [f"Walrus {n}" for n in (7, 6, 5, 4, 3)],
        ["Walrus 2", "Walrus 1"],
    ]
    html = pages[0].get_data(as_text=True)
    assert 'href="/search?page=2&amp;q=walrus" rel="next"' in html
    assert 'href="/search?page=3&amp;q=walrus"' in html
    assert "12 posts found for “walrus”" in page_text(pages[0])


def test_the_pager_of_results_best_first_says_previous_and_next_not_newer_and_older(
    client, make_user, make_posts
):
    make_posts(make_user("alice"), 12, title="Walrus {n}", content="Walrus number {n}.")

    html = search(client, "walrus", 2).get_data(as_text=True)

    assert 'rel="prev">Previous results</a>' in html
    assert 'rel="next">Next results</a>' in html
    assert "Newer" not in html and "Older" not in html
    home = client.get("/?page=2").get_data(as_text=True)
    assert 'rel="prev">Newer</a>' in home and 'rel="next">Older</a>' in home


def test_title_matches_are_marked_as_the_snippet_matches_are(client, zoo):
    html = search(client, "walrus").get_data(as_text=True)

    titles = re.findall(r'<h2 class="post__title"><a href="[^"]+">(.*?)</a></h2>', html)
    assert titles == ["<mark>Walrus</mark> watching", "Seals"]
    # Stemmed as the index stems: "parades" marks "parade".
    parade = search(client, "parades").get_data(as_text=True)
    assert "Penguin <mark>parade</mark>" in parade


def test_a_title_is_escaped_before_its_matches_are_marked(client, make_user, make_posts):
    make_posts(make_user("alice"), 1, title="<b>Walrus</b> & co", content="About a walrus.")

    html = search(client, "walrus").get_data(as_text=True)

    assert "&lt;b&gt;<mark>Walrus</mark>&lt;/b&gt; &amp; co" in html


def test_the_two_search_landmarks_have_names_of_their_own(client):
    html = client.get("/search").get_data(as_text=True)

    names = re.findall(r'<form [^>]*role="search" aria-label="([^"]+)"', html)
    assert sorted(names) == ["Search posts", "Site search"]


@pytest.mark.parametrize("page", ["4", "0", "-1", "two", str(2**31), str(2**63)])
def test_a_page_that_is_not_there_is_404(client, make_user, make_posts, page):
    alice = make_user("alice")
    make_posts(alice, 12, title="Walrus {n}", content="Walrus number {n}.")

    response = client.get(f"/search?q=walrus&page={page}")

    assert response.status_code == 404


def test_results_page_runs_the_same_queries_for_one_or_five_results(
    app, client, make_user, make_posts, count_queries
):
    alice = make_user("alice")
    [first] = make_posts(alice, 1, title="Walrus {n}")
    tag_posts(app, [first], "arctic")
    make_posts(alice, 3, title="Penguin {n}")
    one = queries_for(client, count_queries, "/search?q=walrus")

    for n in range(4):
        author = make_user(f"author{n}")
        posts = make_posts(author, 1, title=f"Walrus by author{n}")
        tag_posts(app, posts, f"tag{n}", "arctic")
        add_comments(app, posts[0], alice, n + 1)
    assert len(titles_on(search(client, "walrus"))) == 5
    five = queries_for(client, count_queries, "/search?q=walrus")

    assert one == five


def test_results_are_counted_in_spanish(client, zoo):
    one = page_text(client.get("/search?q=penguin", headers={"Accept-Language": "es"}))
    two = page_text(client.get("/search?q=walrus", headers={"Accept-Language": "es"}))
    none = page_text(client.get("/search?q=zebra", headers={"Accept-Language": "es"}))

    assert "1 entrada encontrada para «penguin», la mejor coincidencia primero." in one
    assert "2 entradas encontradas para «walrus», las mejores coincidencias primero." in two
    assert "No se encontró nada para «zebra»." in none
