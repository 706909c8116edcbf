"""Full-text search over public posts: FTS5 on SQLite, a tsvector on PostgreSQL.

The migrations build the index (the posts_search table, or posts.search_vector); the
models do not know it, so the queries here name it directly.
"""

import re

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy.dialects.postgresql import plainto_tsquery, ts_headline
from sqlalchemy.orm import defer, joinedload, with_expression

from flaskblog.extensions import db
from flaskblog.models import Post
from flaskblog.pagination import Page

# Every word is one more list of matches for the database to walk; people search with a few.
MAX_WORDS = 8
# A search reads at most this many matches (the newest), ranks those and shows the best
# first: its cost is bounded whatever the words and however many posts hold them. A search
# with more matches says "more than" this many.
CANDIDATES = 1000
_WORD = re.compile(r"\w+")

# The database marks each match with these; they become <mark> only after the snippet is
# escaped, so nothing written in a post can open a tag of its own.
MATCH_START, MATCH_END = "\x02", "\x03"
_MARKED = re.compile(f"{MATCH_START}([^{MATCH_START}{MATCH_END}]*){MATCH_END}")

# About as long as a listing's 300-character excerpt.
SNIPPET_TOKENS = 40
TITLE_WEIGHT, TEXT_WEIGHT = 10.0, 1.0
HEADLINE_OPTIONS = f'StartSel="{MATCH_START}", StopSel="{MATCH_END}", MinWords=20, MaxWords=40'
# The whole title, every match marked.
TITLE_HEADLINE_OPTIONS = f'StartSel="{MATCH_START}", StopSel="{MATCH_END}", HighlightAll=true'
# PostgreSQL's headline parser drops whatever looks like an HTML tag ("x<y and y>z" would
# lose "<y and y>"); posts hold plain text, so "<" stands in as this until it is done.
LESS_THAN_STAND_IN = "\ue000"

_fts = sa.table("posts_search", sa.column("rowid"))
_fts_table = sa.literal_column("posts_search")
_search_vector = sa.literal_column("posts.search_vector")


def search_words(query: str) -> list[str]:
    """The words of what someone typed (at most MAX_WORDS): punctuation and operators go."""
    return _WORD.findall(query)[:MAX_WORDS]


def canonical_query(query: str) -> str:
    """The one spelling of a query that finds what `query` finds: its words, one space apart.
    (The page shows the query as typed, so only this spelling may be a cached page.)"""
    return " ".join(search_words(query))


class Matches(Page):
    """One page of search results. `more` when the search stopped at `candidates` matches
    (CANDIDATES): then `total` counts only the published posts among those."""

    def __init__(self, items: list, page: int, per_page: int, total: int, *, more: bool):
        super().__init__(items, page, per_page, len(items), total)
        self.candidates, self.more = CANDIDATES, more


def search_posts(words: list[str], page: int) -> Matches | None:
    """Page number `page` of the published posts holding every word (or a form of it),
    best match first, or None past the last page. Both statements start from the
    candidates: the newest CANDIDATES posts the index finds, with their score (on SQLite
    read from the full-text index alone, whose own order is newest first, so it stops
    there). Each is bounded by CANDIDATES or by a page, never by the number of posts, of
    matches or of words:

    - the count of the published posts among the candidates (and of the candidates);
    - one page of those in order of score, each post with a snippet: a piece of its text
      with the matches between MATCH_START and MATCH_END (`highlighted_snippet` turns it
      into HTML), cut for the page's posts alone.
    """
    per_page = current_app.config["POSTS_PER_PAGE"]
    if db.engine.dialect.name == "postgresql":
        candidates, snippet = _postgresql_candidates(words)
    else:
        candidates, snippet = _sqlite_candidates(words)
    found, published = db.session.execute(
        db.select(sa.func.count(candidates.c.id), sa.func.count(Post.id)).select_from(
            candidates.outerjoin(Post, (Post.id == candidates.c.id) & Post.is_public)
        )
    ).one()
    ranked = (
        db.select(candidates.c.id, candidates.c.score)
        .join(Post, Post.id == candidates.c.id)
        .where(Post.is_public)
        .order_by(candidates.c.score, Post.published_at.desc(), Post.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("page_ids")
    )
    query = snippet(
        db.select(Post)
        .join(ranked, ranked.c.id == Post.id)
        .options(joinedload(Post.author), defer(Post.content), defer(Post.content_html))
        .order_by(ranked.c.score, Post.published_at.desc(), Post.id.desc())
    )
    items = list(db.session.scalars(query))
    if not items and page > 1:
        return None
    return Matches(items, page, per_page, published, more=found >= CANDIDATES)


def _sqlite_candidates(words: list[str]):
    # Each word becomes an FTS5 string ("\w+" holds no quote), so nothing typed is read
    # as FTS5 syntax; strings side by side must all match.
    match = " ".join(f'"{word}"' for word in words)
    candidates = (
        db.select(
            _fts.c.rowid.label("id"),
            # bm25 is lower for a better match
            sa.func.bm25(_fts_table, TITLE_WEIGHT, TEXT_WEIGHT).label("score"),
        )
        .where(_fts_table.op("MATCH")(match))
        .order_by(_fts.c.rowid.desc())
        .limit(CANDIDATES)
        .subquery("candidates")
    )

    def with_snippet(query: sa.Select) -> sa.Select:
        # snippet() exists only in a query that matches the index itself: the page's few
        # rows are looked up in it by rowid.
        snippet = sa.func.snippet(_fts_table, 1, MATCH_START, MATCH_END, "", SNIPPET_TOKENS)
        title = sa.func.highlight(_fts_table, 0, MATCH_START, MATCH_END)
        return (
            query.join(_fts, _fts.c.rowid == Post.id)
            .where(_fts_table.op("MATCH")(match))
            .options(
                with_expression(Post.search_snippet, snippet),
                with_expression(Post.search_title, title),
            )
        )

    return candidates, with_snippet


def _postgresql_candidates(words: list[str]):
    tsquery = plainto_tsquery("english", " ".join(words))
    # The newest matches, then their score: each a subquery with a LIMIT, which keeps the
    # planner from merging it into the next one (where it would rank every post, or every
    # match, before picking the page), so that only CANDIDATES posts are ranked.
    newest = (
        db.select(Post.id)
        .where(_search_vector.op("@@")(tsquery))
        .order_by(Post.id.desc())
        .limit(CANDIDATES)
        .subquery("newest")
    )
    candidates = (
        db.select(
            Post.id.label("id"),
            # The title is weighted A, the text B; higher is better, so it is negated.
            (-sa.func.ts_rank(_search_vector, tsquery)).label("score"),
        )
        .join(newest, newest.c.id == Post.id)
        .limit(CANDIDATES)
        .subquery("candidates")
    )

    def headline(column, options: str):
        text = sa.func.replace(column, "<", LESS_THAN_STAND_IN)
        marked = ts_headline("english", text, tsquery, options)
        return sa.func.replace(marked, LESS_THAN_STAND_IN, "<")

    def with_snippet(query: sa.Select) -> sa.Select:
        return query.options(
            with_expression(Post.search_snippet, headline(Post.content_text, HEADLINE_OPTIONS)),
            with_expression(Post.search_title, headline(Post.title, TITLE_HEADLINE_OPTIONS)),
        )

    return candidates, with_snippet


def _marked_html(text: str) -> str:
    # Escaped first; only then do the database's markers become <mark>. A post may hold the
    # marker characters itself: an unpaired one is dropped.
    html = _MARKED.sub(r"<mark>\1</mark>", str(escape(text)))
    return html.replace(MATCH_START, "").replace(MATCH_END, "")


def highlighted_title(post: Post) -> Markup:
    """A search result's title as HTML: escaped, the words that matched in <mark>."""
    if post.search_title is None:
        return escape(post.title)
    # Escaped in _marked_html; only <mark> was added. (Bandit B704, ruff S704.)
    return Markup(_marked_html(post.search_title))  # noqa: S704  # nosec B704


def highlighted_snippet(post: Post) -> Markup:
    """A search result's snippet as HTML: escaped, matches in <mark>, "…" where it is cut."""
    snippet = (post.search_snippet or "").strip()
    html = _marked_html(snippet)
    plain = snippet.replace(MATCH_START, "").replace(MATCH_END, "")
    if plain and not post.content_text.startswith(plain):
        html = "… " + html
    if plain and not post.content_text.endswith(plain):
        html += " …"
    # Escaped above; only <mark> was added. (Bandit calls this check B704, ruff S704.)
    return Markup(html)  # noqa: S704  # nosec B704
