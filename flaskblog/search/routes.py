"""Views for searching posts."""

from flask import abort, render_template, request
from flask_babel import format_number
from flask_babel import gettext as _

from flaskblog.caching import cached_for_anonymous
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
    results = None
    if words:
        results = search_posts(words, page_number()) or abort(404)
    return render_template(
        "search/search.html",
        title=_("Search: %(query)s", query=excerpt(query, 60)) if query else _("Search"),
        query=query,
        results=results,
        highlighted_snippet=highlighted_snippet,
        highlighted_title=highlighted_title,
        format_number=format_number,
    )
