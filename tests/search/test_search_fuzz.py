"""Fuzzing the search query builder: whatever anyone types (operators, quotes, any Unicode
but NUL, thousands of characters), the words are at most MAX_WORDS, the database answers
(on SQLite nothing typed is ever read as FTS5 syntax; PostgreSQL reads plain words), the
page is a 200, and what is found is what the query's plain words find."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from flaskblog.search.queries import MAX_WORDS, canonical_query, search_posts, search_words
from tests.helpers.pages import titles_on

# What FTS5 and tsquery read as syntax, and words the posts hold.
SYNTAX = [
    '"',
    "'",
    "*",
    "^",
    ":",
    "(",
    ")",
    "{",
    "}",
    "-",
    "+",
    "&",
    "|",
    "!",
    "<->",
    ":*",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(",
    "title:",
    "content_text:",
    "posts_search:",
    "\\",
    "%",
    "_",
    ";",
    "--",
    "\u200b",
    "\u202e",
    "\x02",
    "\x03",
    "\ue000",
]
# Any character a URL can carry: no NUL (refused before any view) and no lone surrogate,
# which has no UTF-8 form (bytes that are not UTF-8 are the form fuzzing's).
CHARACTERS = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
WORDS = ["walrus", "seals", "penguin", "dusk", "tusks", "ice", "Walrus", "WALRUS"]
pieces = st.one_of(
    st.sampled_from(SYNTAX),
    st.sampled_from(WORDS),
    st.text(CHARACTERS, max_size=20),
)
queries = st.one_of(
    st.text(CHARACTERS, max_size=200),
    st.lists(pieces, max_size=40).map(" ".join),
    st.lists(pieces, max_size=40).map("".join),
    st.builds(lambda piece, n: piece * n, pieces, st.integers(1, 500)),
)
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(query=queries)
@example(query='"walrus')
@example(query="NEAR(walrus seals, 2)")
@example(query="walrus:* & !seals")
@example(query="\x02walrus\x03")
@example(query="walrus " * 300)
def test_any_query_gives_plain_words_that_the_database_answers(app, zoo, query):
    words = search_words(query)

    assert len(words) <= MAX_WORDS
    assert all(word and '"' not in word for word in words)
    assert canonical_query(canonical_query(query)) == canonical_query(query)
    if words:
        with app.app_context():
            found = search_posts(words, 1)
            plain = search_posts(search_words(" ".join(words)), 1)
        assert [post.id for post in found] == [post.id for post in plain]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=queries)
@example(query="' OR 1=1 --")
@example(query="{title content_text}: walrus")
def test_any_query_gives_a_page(client, zoo, query):
    response = client.get("/search", query_string={"q": query})

    assert response.status_code == 200
    plain = client.get("/search", query_string={"q": canonical_query(query)})
    assert titles_on(response) == titles_on(plain)
