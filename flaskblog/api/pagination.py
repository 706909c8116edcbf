"""The API's pages: items plus where the client is and where to go next.

The site's HTML listings have their own pager (flaskblog.pagination); this one takes
the page size from the client and answers with links instead of a rendered pager.
"""

from flask import request, url_for

from flaskblog.api.errors import ApiError
from flaskblog.extensions import db


def paginate(query, page: int, per_page: int) -> dict:
    """Page `page` of `query` as the PostPageSchema shows it; past the last page is a 404."""
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    if page > 1 and page > pagination.pages:
        raise ApiError(
            404,
            f"There is no page {page}: there are {pagination.pages} of {per_page} items.",
            {"pages": pagination.pages},
        )

    def link(number: int | None) -> str | None:
        if number is None:
            return None
        args = {**request.view_args, "page": number, "per_page": per_page}
        return url_for(request.endpoint, **args, _external=True)

    return {
        "items": pagination.items,
        "page": page,
        "per_page": per_page,
        "pages": pagination.pages,
        "total": pagination.total,
        "links": {
            "self": link(page),
            "next": link(pagination.next_num),
            "prev": link(pagination.prev_num),
        },
    }
