"""Views for searching posts."""

from flask import abort, render_template, request

from flaskblog.pagination import page_number, paginate
from flaskblog.rendering import excerpt
from flaskblog.search import bp
from flaskblog.search.queries import (
    count_matches,
    highlighted_snippet,
    matching_posts,
    search_words,
)


@bp.route("/search")
def search():
    query = request.args.get("q", "").strip()
    words = search_words(query)
    results = None
    if words:
        total = count_matches(words)
        found = paginate(matching_posts(words), page_number(), total=total, from_index=False)
        results = found or abort(404)
    return render_template(
        "search/search.html",
        title=f"Search: {excerpt(query, 60)}" if query else "Search",
        query=query,
        results=results,
        highlighted_snippet=highlighted_snippet,
    )
