"""Full-text search over public posts: FTS5 on SQLite, a tsvector on PostgreSQL.

The migrations build the index (the posts_search table, or posts.search_vector); the
models do not know it, so the queries here name it directly.
"""

import hashlib
import re

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy.dialects.postgresql import plainto_tsquery, ts_headline
from sqlalchemy.orm import defer, joinedload, with_expression

from flaskblog.caching import remembered
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
    (CANDIDATES): then `total` counts only the published posts among those.

    Its posts are read only when something asks for them: a page whose post cards are kept
    (caching.shared_fragment, under `key`) needs only the counts."""

    def __init__(self, items: list | None, page: int, per_page: int, total: int, *, more: bool):
        following = max(0, total - (page - 1) * per_page)  # from this page's first one on
        super().__init__(items, page, per_page, following, total)
        self.candidates, self.more = CANDIDATES, more
        self.marked: tuple[tuple[int, str, str], ...] = ()
        self.key = ""

    def __iter__(self):
        if self.items is None:
            self.items = _posts_by_id(self.marked)
        return iter(self.items)


def search_posts(words: list[str], page: int) -> Matches | None:
    """Page number `page` of the published posts holding every word (or a form of it),
    best match first, or None past the last page.

    A page found once is remembered with the cached pages (caching.remembered: its post ids,
    snippets and marked titles, the count) until anything they show changes; then its posts
    are read again, by id, when they are shown. So a reader who is logged in, whose page is
    never cached, costs the full search only for words nobody asked for since the last
    change. The page's `key` names it among the remembered searches.
    """
    per_page = current_app.config["POSTS_PER_PAGE"]
    found: list[Matches] = []

    def find() -> tuple[tuple[tuple[int, str, str], ...], int, bool]:
        found.append(_find(words, page, per_page))
        matches = found[0]
        return (
            tuple((post.id, post.search_snippet, post.search_title) for post in matches),
            matches.total,
            matches.more,
        )

    digest = hashlib.sha256(" ".join(words).encode()).hexdigest()[:32]
    key = f"search:{digest}:{page}:{per_page}"
    marked, total, more = remembered(key, find)
    if not marked and page > 1:
        return None
    matches = found[0] if found else Matches(None, page, per_page, total, more=more)
    matches.marked, matches.key = marked, key
    return matches


def _posts_by_id(marked: tuple[tuple[int, str, str], ...]) -> list[Post]:
    """These posts (id, snippet, marked title), still public, in this order, each with its
    snippet and marked title."""
    if not marked:
        return []
    snippets = {post_id: snippet for post_id, snippet, _ in marked}
    titles = {post_id: title for post_id, _, title in marked}
    order = {post_id: rank for rank, post_id in enumerate(snippets)}
    # Read by primary key. Public they were when found, and any change since has started a
    # new generation; checked again all the same, here rather than in SQL, where SQLite
    # would rather walk every published post in ix_posts_published than look up five ids.
    query = (
        db.select(Post)
        .where(Post.id.in_(snippets))
        .options(
            joinedload(Post.author),
            defer(Post.content),
            defer(Post.content_html),
            with_expression(Post.search_snippet, sa.case(snippets, value=Post.id)),
            with_expression(Post.search_title, sa.case(titles, value=Post.id)),
        )
        .order_by(sa.case(order, value=Post.id))
    )
    return [post for post in db.session.scalars(query) if post.is_public]


def _find(words: list[str], page: int, per_page: int) -> Matches:
    """The search itself (see search_posts), in one statement that starts from the
    candidates: the newest CANDIDATES posts the index finds, with their score (on SQLite
    read from the full-text index alone, whose own order is newest first, so it stops
    there). It is bounded by CANDIDATES or by a page, never by the number of posts, of
    matches or of words: it counts the published posts among the candidates (and the
    candidates), puts those in order of score, and cuts a snippet for the page's posts
    alone: a piece of each one's text with the matches between MATCH_START and MATCH_END
    (`highlighted_snippet` turns it into HTML).
    """
    if db.engine.dialect.name == "postgresql":
        candidates, snippet = _postgresql_candidates(words)
    else:
        candidates, snippet = _sqlite_candidates(words)
    public = Post.id.is_not(None)
    # The counts are taken over every candidate before the LIMIT picks the page; the
    # candidates that are not public sort last, and a page past the public ones drops them.
    ranked = (
        db.select(
            candidates.c.id,
            candidates.c.score,
            public.label("public"),
            sa.func.count(Post.id).over().label("published"),
            sa.func.count().over().label("found"),
        )
        .select_from(candidates.outerjoin(Post, (Post.id == candidates.c.id) & Post.is_public))
        .order_by(Post.id.is_(None), candidates.c.score, Post.published_at.desc(), Post.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("page_ids")
    )
    query = snippet(
        db.select(Post, ranked.c.public, ranked.c.published, ranked.c.found)
        .join(ranked, ranked.c.id == Post.id)
        .options(joinedload(Post.author), defer(Post.content), defer(Post.content_html))
        .order_by(ranked.c.score, Post.published_at.desc(), Post.id.desc())
    )
    rows = db.session.execute(query).all()
    published, found = (rows[0].published, rows[0].found) if rows else (0, 0)
    items = [row.Post for row in rows if row.public]
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
