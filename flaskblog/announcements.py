"""Telling an author's followers of a new post, without making the author wait.

Publishing only hands the post's id to the background queue (flaskblog.mailqueue.run_later):
the request costs the same with 100,000 followers as with none, and the queue's worker
writes the notifications, a batch of followers at a time (models.notification.announce).

A scheduled post becomes public by itself when its time comes (Post.is_public): no request
happens then to queue anything. `flask notifications announce`, run every few minutes by
cron or Heroku Scheduler, announces the posts whose time has come. Each post is announced
once (its PostAnnouncement row), however often it is published, swept or retried.
"""

from flaskblog.extensions import db
from flaskblog.mailqueue import run_later
from flaskblog.models import Post
from flaskblog.models.notification import announce, posts_to_announce


def announce_later(post: Post) -> None:
    """Queue telling the followers of `post`'s author about it, if it is public now (a
    scheduled post is announced by the sweep once its time comes)."""
    if post.is_public:
        run_later(announce_post, post.id, what=f"announcement of post {post.id}")


def announce_post(post_id: int) -> int | None:
    """The background job: announce the post if it still exists and is public."""
    post = db.session.get(Post, post_id)
    return announce(post) if post is not None else None


def announce_due() -> tuple[int, int]:
    """Announce every post whose time has come and that is not announced yet: (posts,
    notifications made)."""
    posts = told = 0
    for post in posts_to_announce():
        made = announce(post)
        if made is not None:
            posts, told = posts + 1, told + made
    return posts, told
