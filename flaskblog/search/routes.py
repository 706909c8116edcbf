"""Views for searching posts."""

from flask import abort, render_template, request
from flask_babel import format_number
from flask_babel import gettext as _

from flaskblog.caching import cached_for_anonymous, shared_fragment
from flaskblog.extensions import limiter
from flaskblog.pagination import page_number
from flaskblog.rendering import excerpt
from flaskblog.search import bp
from flaskblog.search.queries import (
    canonical_query,
    highlighted_snippet,
    highlighted_title,
    search_posts,
    search_words,
)


@bp.route("/search")
# A person searches a few times a minute; a script asking for thousands is stopped.
@limiter.limit("30/minute;300/hour")
@cached_for_anonymous(key_args={"q": canonical_query})
def search():
    query = request.args.get("q", "").strip()
    words = search_words(query)
    results = cards = None
    if words:
        results = search_posts(words, page_number()) or abort(404)
        cards = shared_fragment(results.key, lambda: result_cards(results))
    return render_template(
        "search/search.html",
        title=_("Search: %(query)s", query=excerpt(query, 60)) if query else _("Search"),
        query=query,
        searched=bool(words),
        results=results,
        cards=cards,
        format_number=format_number,
    )


def result_cards(results) -> str:
    """A page of results' post cards, their matches marked: the same whoever searches."""
    return render_template(
        "search/_cards.html",
        results=results,
        highlighted_snippet=highlighted_snippet,
        highlighted_title=highlighted_title,
    )
