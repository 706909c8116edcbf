"""Where a reader goes after a post: the same author's previous and next posts, and posts
that share its tags. One statement each, whatever the post, so a post page costs a fixed
number of queries; both read only what a link needs (title, slug, date), and give it as a
PostLink: plain values, the same for every reader, which the post page keeps with the
cached pages (flaskblog.caching.remembered) rather than asking the database every time."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, tuple_, union_all
from sqlalchemy.orm import load_only, raiseload

from flaskblog.extensions import db
from flaskblog.models.post import Post
from flaskblog.models.tag import post_tags

RELATED_POSTS = 3
# Related posts are picked among the newest posts with any of the tags, at most this many
# tag links: the cost stays bounded however popular a tag is.
RELATED_CANDIDATES = 500


@dataclass(frozen=True)
class PostLink:
    """What a link to another post shows: enough for post_url, its title and its date."""

    id: int
    title: str
    slug: str
    published_at: datetime

    @classmethod
    def to(cls, post: Post) -> "PostLink":
        return cls(post.id, post.title, post.slug, post.published_at)


@dataclass
class Neighbours:
    """The author's public posts just before (older) and just after (newer) a post."""

    older: PostLink | None = None
    newer: PostLink | None = None


def _links_only():
    # Nothing else of these posts is shown, and nothing else may be loaded by accident.
    return (load_only(Post.id, Post.title, Post.slug, Post.published_at), raiseload("*"))


def neighbours(post: Post) -> Neighbours:
    """The same author's public posts just older and just newer than `post` (a public
    post), in the order of their author's listing: two steps down ix_posts_author_published."""
    position = tuple_(Post.published_at, Post.id)
    here = tuple_(post.published_at, post.id)
    by_author = db.select(Post.id).where(Post.user_id == post.user_id, Post.is_public)
    older = by_author.where(position < here).order_by(Post.published_at.desc(), Post.id.desc())
    newer = by_author.where(position > here).order_by(Post.published_at, Post.id)
    # Each side a subquery of its own: SQLite allows no LIMIT in a UNION's parts.
    older, newer = older.limit(1).subquery("older"), newer.limit(1).subquery("newer")
    ids = union_all(db.select(older.c.id), db.select(newer.c.id))
    found = Neighbours()
    for other in db.session.scalars(
        db.select(Post).where(Post.id.in_(ids)).options(*_links_only())
    ):
        if (other.published_at, other.id) < (post.published_at, post.id):
            found.older = PostLink.to(other)
        else:
            found.newer = PostLink.to(other)
    return found


def related_posts(post: Post, limit: int = RELATED_POSTS) -> list[PostLink]:
    """Up to `limit` public posts sharing tags with `post`, those sharing the most first,
    then the newest; none for a post without tags."""
    its_tags = [tag.id for tag in post.tags]  # loaded with the post for its page
    if not its_tags:
        return []
    # The newest links of each tag, read backwards down ix_post_tags_tag_id_post_id and
    # stopped at the limit; of those, the newest overall. The same as the newest links of
    # all its tags, without sorting every link of a tag that a fifth of the posts have.
    newest_of_each = [
        db.select(
            db.select(post_tags.c.post_id)
            .where(post_tags.c.tag_id == tag_id, post_tags.c.post_id != post.id)
            .order_by(post_tags.c.post_id.desc())
            .limit(RELATED_CANDIDATES)
            .subquery(f"tag{n}")
        )
        for n, tag_id in enumerate(its_tags)
    ]
    links = union_all(*newest_of_each).subquery("links")
    candidates = (
        db.select(links.c.post_id)
        .order_by(links.c.post_id.desc())
        .limit(RELATED_CANDIDATES)
        .subquery("candidates")
    )
    shared = (
        db.select(candidates.c.post_id, func.count().label("shared"))
        .group_by(candidates.c.post_id)
        .subquery("shared")
    )
    found = db.session.scalars(
        db.select(Post)
        .join(shared, shared.c.post_id == Post.id)
        .where(Post.is_public)
        .order_by(shared.c.shared.desc(), Post.published_at.desc(), Post.id.desc())
        .limit(limit)
        .options(*_links_only())
    )
    return [PostLink.to(other) for other in found]


def links_from(post: Post) -> tuple[Neighbours, list[PostLink]]:
    """Where a reader goes after `post`: its neighbours and its related posts (none for a
    post that is not public: a draft has no place in its author's listing yet)."""
    if not post.is_public:
        return Neighbours(), []
    return neighbours(post), related_posts(post)
