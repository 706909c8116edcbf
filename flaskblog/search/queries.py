"""Full-text search over published posts: FTS5 on SQLite, a tsvector on PostgreSQL.

The migrations build the index (the posts_search table, or posts.search_vector); the
models do not know it, so the queries here name it directly.
"""

import re

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.dialects.postgresql import plainto_tsquery, ts_headline
from sqlalchemy.orm import joinedload, with_expression

from flaskblog.extensions import db
from flaskblog.models import Post

MAX_WORDS = 20
_WORD = re.compile(r"\w+")

# The database marks each match with these; they become <mark> only after the snippet is
# escaped, so nothing written in a post can open a tag of its own.
MATCH_START, MATCH_END = "\x02", "\x03"
_MARKED = re.compile(f"{MATCH_START}([^{MATCH_START}{MATCH_END}]*){MATCH_END}")

# About as long as a listing's 300-character excerpt.
SNIPPET_TOKENS = 40
TITLE_WEIGHT, TEXT_WEIGHT = 10.0, 1.0
HEADLINE_OPTIONS = f'StartSel="{MATCH_START}", StopSel="{MATCH_END}", MinWords=20, MaxWords=40'
# PostgreSQL's headline parser drops whatever looks like an HTML tag ("x<y and y>z" would
# lose "<y and y>"); posts hold plain text, so "<" stands in as this until it is done.
LESS_THAN_STAND_IN = "\ue000"

_fts = sa.table("posts_search", sa.column("rowid"))
_fts_table = sa.literal_column("posts_search")
_search_vector = sa.literal_column("posts.search_vector")


def search_words(query: str) -> list[str]:
    """The words of what someone typed (at most MAX_WORDS): punctuation and operators go."""
    return _WORD.findall(query)[:MAX_WORDS]


def matching_posts(words: list[str]) -> sa.Select:
    """Published posts holding every word (or a form of it), best match first.

    Each post's `search_snippet` is a piece of its text with the matches between
    MATCH_START and MATCH_END; `highlighted_snippet` turns it into HTML.
    """
    if db.engine.dialect.name == "postgresql":
        query = _postgresql_matches(words)
    else:
        query = _sqlite_matches(words)
    return query.where(Post.is_published).options(joinedload(Post.author))


def count_matches(words: list[str]) -> int:
    """How many published posts `matching_posts(words)` finds (the search page says so)."""
    query = matching_posts(words).with_only_columns(sa.func.count(Post.id)).order_by(None)
    return db.session.scalar(query)


def _sqlite_matches(words: list[str]) -> sa.Select:
    # Each word becomes an FTS5 string ("\w+" holds no quote), so nothing typed is read
    # as FTS5 syntax; strings side by side must all match.
    match = " ".join(f'"{word}"' for word in words)
    snippet = sa.func.snippet(_fts_table, 1, MATCH_START, MATCH_END, "", SNIPPET_TOKENS)
    return (
        db.select(Post)
        .join(_fts, _fts.c.rowid == Post.id)
        .where(_fts_table.op("MATCH")(match))
        .options(with_expression(Post.search_snippet, snippet))
        .order_by(  # bm25 is lower for a better match
            sa.func.bm25(_fts_table, TITLE_WEIGHT, TEXT_WEIGHT),
            Post.published_at.desc(),
            Post.id.desc(),
        )
    )


def _postgresql_matches(words: list[str]) -> sa.Select:
    tsquery = plainto_tsquery("english", " ".join(words))
    text = sa.func.replace(Post.content_text, "<", LESS_THAN_STAND_IN)
    headline = ts_headline("english", text, tsquery, HEADLINE_OPTIONS)
    snippet = sa.func.replace(headline, LESS_THAN_STAND_IN, "<")
    return (
        db.select(Post)
        .where(_search_vector.op("@@")(tsquery))
        .options(with_expression(Post.search_snippet, snippet))
        .order_by(  # the title is weighted A, the text B
            sa.func.ts_rank(_search_vector, tsquery).desc(),
            Post.published_at.desc(),
            Post.id.desc(),
        )
    )


def highlighted_snippet(post: Post) -> Markup:
    """A search result's snippet as HTML: escaped, matches in <mark>, "…" where it is cut."""
    snippet = (post.search_snippet or "").strip()
    html = _MARKED.sub(r"<mark>\1</mark>", str(escape(snippet)))
    # A post may hold the marker characters itself: an unpaired one is dropped.
    html = html.replace(MATCH_START, "").replace(MATCH_END, "")
    plain = snippet.replace(MATCH_START, "").replace(MATCH_END, "")
    if plain and not post.content_text.startswith(plain):
        html = "… " + html
    if plain and not post.content_text.endswith(plain):
        html += " …"
    # Escaped above; only <mark> was added. (Bandit calls this check B704, ruff S704.)
    return Markup(html)  # noqa: S704  # nosec B704
