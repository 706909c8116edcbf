"""Reading listing pages, and giving posts tags, comments and drafts straight in the
database, for the tests of every page that lists posts (home, user, tag, drafts)."""

import re
from datetime import UTC, datetime

from conftest import add_posts

from flaskblog.extensions import db
from flaskblog.models import Comment, Post, Tag

LISTED_TITLE = re.compile(r'<h2 class="post__title"><a href="/post/\d+/[a-z0-9-]+">(.*?)</a></h2>')


def titles_on(response) -> list[str]:
    """The post titles of a listing page, top to bottom."""
    return LISTED_TITLE.findall(response.get_data(as_text=True))


def tag_posts(app, post_ids: list[int], *names: str) -> None:
    """Give each of these posts these tags (created where missing)."""
    with app.app_context():
        tags = Tag.named(list(names))
        for post_id in post_ids:
            db.session.get(Post, post_id).tags = tags
        db.session.commit()


def add_comments(app, post_id: int, user_id: int, count: int) -> None:
    """`count` comments by one user under one post."""
    with app.app_context():
        db.session.add_all(
            Comment(body=f"Comment {n}", post_id=post_id, user_id=user_id)
            for n in range(1, count + 1)
        )
        db.session.commit()


def make_drafts(app, user_id: int, count: int = 1, title="Draft {n}", content="Draft {n} text."):
    """`count` never-published drafts by a user, one minute apart, the last one newest."""
    start = datetime(2026, 2, 1, tzinfo=UTC)
    return add_posts(app, user_id, count, title, content, published=False, start=start)


def queries_for(client, count_queries, url: str) -> int:
    """How many SQL statements one GET of `url` runs (after checking that it is a 200)."""
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)
