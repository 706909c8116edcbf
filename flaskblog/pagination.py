"""The pager of the site's HTML listings: one page of posts, without counting the listing.

`paginate` takes a page number and answers no HTTP error; a view reads the number with
`page_number()` and turns a page past the end into a 404:

    posts = paginate(Post.newest_first(), page_number()) or abort(404)
"""

from flask import abort, current_app, request
from sqlalchemy import func
from sqlalchemy.orm import defer, undefer

from flaskblog.extensions import db
from flaskblog.models import MAX_ID, Post


class Page:
    """One page of a listing, found without counting the listing: the query that reads the
    page also counts how many posts follow it, up to LOOKAHEAD pages' worth (index entries
    only), which tells the pager the next few page numbers and whether more lie beyond.

    `total` is known only when the caller counted it cheaply (the user page counts its
    author's posts along with the user); then the pager links the last page too.
    """

    # Pages after this one that the pager links by number (its right_current).
    LOOKAHEAD = 3

    def __init__(self, items: list, page: int, per_page: int, following: int, total=None):
        # following: posts from this page's first one on, counted up to the lookahead.
        self.items, self.page, self.per_page = items, page, per_page
        self.following, self.total = following, total

    def __iter__(self):
        return iter(self.items)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        if self.total is not None:
            return self.page < self.pages
        return self.following > self.per_page

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def last_is_known(self) -> bool:
        return self.total is not None or self.following <= self.per_page * (1 + self.LOOKAHEAD)

    @property
    def pages(self) -> int:
        """The last page there is, or the last one known to exist when `total` is unknown."""
        if self.total is not None:
            return max(1, -(-self.total // self.per_page))
        return max(self.page, self.page - 1 + -(-self.following // self.per_page))

    def iter_pages(self, *, left_edge=1, left_current=2, right_current=LOOKAHEAD, right_edge=1):
        """Page numbers to link, None where a gap goes, as Flask-SQLAlchemy's pager does;
        when the last page is not known, a gap ends the list instead of its number."""
        end = self.pages + 1
        left_end = min(1 + left_edge, end)
        yield from range(1, left_end)
        mid_start = max(left_end, self.page - left_current)
        mid_end = min(self.page + right_current + 1, end)
        if mid_start > left_end:
            yield None
        yield from range(mid_start, mid_end)
        if not self.last_is_known:
            yield None
            return
        right_start = max(mid_end, end - right_edge)
        if right_start > mid_end:
            yield None
        yield from range(right_start, end)


def parse_page(value: str) -> int | None:
    """The page number `value` names, however it is spelt (int() reads "01", "+1", " 1",
    "1_0", "１"), or None if it names none."""
    try:
        page = int(value)
    except ValueError:
        return None
    # Post ids are 32-bit, so no page lies beyond this one; a bigger number would
    # overflow the database's OFFSET (a 500) instead of being past the end (a 404).
    return page if 1 <= page <= MAX_ID else None


def page_number() -> int:
    """For a view: the page `?page=` names (1 if absent); 404 if it is not a page number."""
    page = parse_page(request.args.get("page", "1"))
    if page is None:
        abort(404)
    return page


def canonical_page_args() -> dict | None:
    """The request's query arguments with ?page= spelt as the pager spells it, when it is
    spelt otherwise ("01", "+1", " 1", "1_0", "１", twice; or "1", which the pager leaves
    out), else None: also when it is no page number at all, which the view answers with a
    404. Views that are cached send such requests on to that one spelling."""
    values = request.args.getlist("page")
    if not values:
        return None
    page = parse_page(values[0])
    if page is None or (values == [str(page)] and page > 1):
        return None
    arguments = request.args.to_dict(flat=False)
    if page == 1:
        del arguments["page"]
    else:
        arguments["page"] = [str(page)]
    return arguments


def paginate(query, page: int, *, total: int | None = None) -> Page | None:
    """Page number `page` of `query` (a select of Post), or None if it lies past the last
    page (page 1 always exists, empty or not). Views answer None with a 404.

    One statement: the page's post ids are picked from the listing's index alone (LIMIT
    and OFFSET over index entries, never over whole rows), then only those posts are read
    with their authors, pictures and comment counts. So page 2,000 costs about what page 1
    does, and nothing counts the whole listing (see Page).
    """
    per_page = current_app.config["POSTS_PER_PAGE"]
    ids = query.with_only_columns(Post.id).offset((page - 1) * per_page)
    on_page = ids.limit(per_page).subquery("page_ids")
    following = (
        db.select(func.count())
        .select_from(ids.limit(per_page * (1 + Page.LOOKAHEAD) + 1).subquery("following_ids"))
        .scalar_subquery()
    )
    # Listings show an excerpt, read from the start of the HTML (Post.opening_html), and a
    # reading time (Post.word_count): the Markdown, the HTML and the text stay in the database.
    listed = query.options(
        defer(Post.content),
        defer(Post.content_html),
        defer(Post.content_text),
        undefer(Post.opening_html),
        undefer(Post.word_count),
    )
    rows = db.session.execute(
        listed.join(on_page, on_page.c.id == Post.id).add_columns(following)
    ).all()
    if not rows and page > 1:
        return None
    return Page([post for post, _ in rows], page, per_page, rows[0][1] if rows else 0, total)


def paginate_rows(query, page: int, per_page: int) -> Page | None:
    """Page number `page` of any short, ordered `query` (a post's revisions), `per_page` to
    a page, or None past the last page, as paginate answers. Two statements: the page's
    rows, and how many rows follow its start up to the lookahead."""
    start = query.offset((page - 1) * per_page)
    items = list(db.session.scalars(start.limit(per_page)).unique())
    if not items and page > 1:
        return None
    lookahead = start.limit(per_page * (1 + Page.LOOKAHEAD) + 1).subquery("following_rows")
    following = db.session.scalar(db.select(func.count()).select_from(lookahead))
    return Page(items, page, per_page, following)
