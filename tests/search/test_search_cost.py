"""What a search costs: bounded by the page it shows, not by the number of posts, of matches
or of words. A search reads at most CANDIDATES matches (the newest) from the full-text index
alone, ranks those and reads one page of posts; it says "more than" when it stopped there.
Anonymous searches are cached under the one spelling of their words, and searching is rate
limited per address."""

import json

import pytest

from flaskblog.extensions import db
from flaskblog.search import queries
from tests.helpers import factories
from tests.helpers.factories import add_posts
from tests.helpers.pages import page_text, templates_rendered, titles_on
from tests.helpers.queries import database_work, statements_run

PER_PAGE = 5


@pytest.fixture
def few_candidates(monkeypatch):
    """Searches stop at 10 matches (the site's 1,000 would need thousands of posts)."""
    monkeypatch.setattr(queries, "CANDIDATES", 10, raising=False)
    return 10


def walruses(make_user, make_posts, count: int) -> None:
    author = make_user(f"author{count}")
    make_posts(author, count, title="Walrus {n}", content="A walrus with whiskers, number {n}.")


def search_work(app, client, query: str = "walrus whiskers") -> int:
    with database_work(app) as work:
        response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert len(titles_on(response)) == PER_PAGE
    return work[0]


def dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def test_a_search_with_more_matches_than_it_reads_says_more(
    client, make_user, make_posts, few_candidates
):
    walruses(make_user, make_posts, 14)

    response = client.get("/search?q=walrus")

    assert "More than 10 posts found for “walrus”" in page_text(response)
    # The newest ten, best first: all alike here, so newest first.
    assert titles_on(response) == [f"Walrus {n}" for n in (14, 13, 12, 11, 10)]
    assert titles_on(client.get("/search?q=walrus&page=2")) == [
        f"Walrus {n}" for n in (9, 8, 7, 6, 5)
    ]
    assert client.get("/search?q=walrus&page=3").status_code == 404


def test_a_search_costs_the_same_for_ten_times_the_matches(
    app, client, make_user, make_posts, few_candidates
):
    """SQLite: the work, counted in virtual machine steps, does not grow with the matches,
    and no plan scans posts. PostgreSQL: the costly functions (ranking every match, cutting
    a snippet out of a post) run on at most CANDIDATES rows and on one page of rows."""
    walruses(make_user, make_posts, 20)
    few = search_work(app, client) if dialect(app) == "sqlite" else None
    walruses(make_user, make_posts, 180)

    if few is not None:
        with statements_run(app, with_parameters=True) as captured:
            many = search_work(app, client)
        # Counted, not timed: before the bound, ten times the matches cost about ten times.
        assert many < 2 * few, (few, many)
        assert_sqlite_plans_read_posts_by_id(app, captured)
    else:
        with statements_run(app, with_parameters=True) as captured:
            assert len(titles_on(client.get("/search?q=walrus whiskers"))) == PER_PAGE
        assert_postgresql_ranks_only_candidates(app, captured, few_candidates)


def assert_sqlite_plans_read_posts_by_id(app, captured) -> None:
    ranked = [(sql, p) for sql, p in captured if "bm25(" in sql]
    assert ranked, captured
    for sql, params in ranked:
        with app.app_context():
            plan = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            details = [row[3] for row in plan]
        # No scan of posts: the index finds the matches, posts are read by id.
        assert "SCAN posts" not in details, details
        assert any(d.startswith("SCAN posts_search VIRTUAL TABLE") for d in details), details


def assert_postgresql_ranks_only_candidates(app, captured, candidates: int) -> None:
    ranked = [(sql, p) for sql, p in captured if "ts_rank(" in sql or "ts_headline(" in sql]
    assert ranked, captured
    for sql, params in ranked:
        with app.app_context():
            connection = db.session.connection()
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = connection.exec_driver_sql(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in rows)
            db.session.rollback()
        # The matches come from the GIN index (or, newest first, from the primary key
        # when the planner expects a common word): never from reading every post.
        assert "Seq Scan on posts" not in plan, plan
        assert "ix_posts_search_vector" in plan or "using pk_posts on posts" in plan, plan
        for node in postgresql_plan_nodes(app, sql, params):
            rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
            output = json.dumps(node.get("Output", []))
            if "ts_headline(" in output:
                assert rows <= PER_PAGE, node
            if "ts_rank(" in output:
                assert rows <= candidates, node


def postgresql_plan_nodes(app, sql: str, params) -> list[dict]:
    with app.app_context():
        connection = db.session.connection()
        rows = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, VERBOSE, FORMAT JSON) {sql}", params)
        [[plan]] = rows.all()
        db.session.rollback()
    nodes, todo = [], [plan[0]["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo.extend(node.get("Plans", ()))
    return nodes


def test_a_search_is_one_statement_and_its_tags(app, client, make_user, make_posts):
    """The count, the ranking and the snippets in one statement: the candidates are read
    from the index once, not once for the count and again for the page."""
    walruses(make_user, make_posts, 12)

    with statements_run(app) as statements:
        assert len(titles_on(client.get("/search?q=walrus"))) == PER_PAGE

    assert len(statements) == 2
    assert sum("bm25(" in sql or "ts_rank(" in sql for sql in statements) == 1


# Cache and rate limit


def test_an_anonymous_search_is_cached_under_its_words_only(build_app):
    app = build_app(CACHE_TYPE="SimpleCache")
    add_posts(app, factories.make_user(app, "alice"), 2, title="Walrus {n}")
    client = app.test_client()

    def pages_rendered_for(query: str) -> tuple[int, int]:
        """(search pages rendered, statements run) for one search."""
        with templates_rendered(app) as rendered, statements_run(app) as statements:
            response = client.get("/search", query_string={"q": query})
        assert response.status_code == 200
        assert titles_on(response) == ["Walrus 2", "Walrus 1"]
        return rendered.count("search/search.html"), len(statements)

    assert pages_rendered_for("walrus")[1] > 0
    assert pages_rendered_for("walrus") == (0, 0)
    # Other spellings of the same words are rendered for themselves (the page shows the
    # query as typed), around the remembered results and their kept cards: no statement.
    assert pages_rendered_for("  walrus!! ") == (1, 0)
    assert pages_rendered_for("  walrus!! ") == (1, 0)


def test_searching_is_rate_limited_per_address(build_app):
    app = build_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()

    answers = [client.get(f"/search?q=word{n}").status_code for n in range(31)]

    assert answers[:30] == [200] * 30
    assert answers[30] == 429
    other = app.test_client()
    assert other.get("/search?q=w", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
