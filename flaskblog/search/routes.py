"""Views for searching posts."""

from flask import render_template, request

from flaskblog.pagination import paginate
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
    results = (
        paginate(matching_posts(words), total=count_matches(words), from_index=False)
        if words
        else None
    )
    return render_template(
        "search/search.html",
        title=f"Search: {excerpt(query, 60)}" if query else "Search",
        query=query,
        results=results,
        highlighted_snippet=highlighted_snippet,
    )
