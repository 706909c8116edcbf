"""`flask seed --users N --posts M`: a populated demo site in seconds.

Demo accounts are the users whose address ends in @demo.example.com; they all share one
password, printed by the command. The numbers are what the demo should hold, so running the
command again with the same numbers adds nothing, and with bigger ones tops the demo up to
them (new users; new posts shared among all demo users). Nothing is ever deleted or changed.

Rows go in with executemany-style bulk inserts, chunk by chunk. Those skip the models' hooks,
so this module fills in what the hooks would: a post's slug, and its HTML and plain text
rendered by flaskblog.rendering exactly as the site renders them. Bodies come from a pool
rendered once each, so the cost of Markdown does not grow with the number of posts. The
search index follows by itself (triggers on SQLite, a generated column on PostgreSQL).
"""

import time

import click
from flask.cli import with_appcontext
from sqlalchemy import func, text

from flaskblog.extensions import db
from flaskblog.models import Comment, User, utcnow
from flaskblog.seed.social import (
    add_bookmarks,
    add_digest_choices,
    add_follows_and_notifications,
    add_messages_and_blocks,
    add_replies,
)
from flaskblog.seed.writing import (
    CHUNK,
    DEMO_DOMAIN,
    DEMO_PASSWORD,
    Added,
    DemoWriter,
    add_posts,
    add_users,
    demo_post_count,
    demo_users,
)

__all__ = ["DEMO_DOMAIN", "DEMO_PASSWORD", "seed_command"]


@click.command("seed")
@click.option("--users", default=25, show_default=True, type=click.IntRange(min=0),
              help="How many demo users the site should have.")  # fmt: skip
@click.option("--posts", default=250, show_default=True, type=click.IntRange(min=0),
              help="How many posts (drafts included) the demo users should have.")  # fmt: skip
@click.option("--random-seed", type=int, help="Makes the same content again (random otherwise).")
@with_appcontext
def seed_command(users: int, posts: int, random_seed: int | None) -> None:
    """Fill the site with demo users, posts, tags, comments and what readers do with them.

    Tops the demo up to USERS users and POSTS posts: a second run with the same numbers
    adds nothing. Demo users share one password, printed at the end.
    """
    started = time.perf_counter()
    writer = DemoWriter(random_seed)
    now = utcnow()
    have_users = len(demo_users())
    if posts > demo_post_count() and max(users, have_users) == 0:
        raise click.UsageError("Posts need authors: ask for at least one user (--users).")
    added = Added(users=add_users(writer, users - have_users, now))
    want_posts = posts - demo_post_count()

    def progress(done: int) -> None:
        if want_posts > CHUNK:
            click.echo(f"  {done:,} of {want_posts:,} posts", err=True)

    comments_before = db.session.scalar(db.select(func.coalesce(func.max(Comment.id), 0)))
    posts_added = add_posts(writer, want_posts, now, progress)
    if posts_added.posts:
        refresh_statistics()  # the steps below query the new rows
    add_digest_choices()
    added.posts, added.drafts, added.comments = (
        posts_added.posts,
        posts_added.drafts,
        posts_added.comments + add_replies(writer, comments_before, now),
    )
    follows, notifications = add_follows_and_notifications(writer, now)
    bookmarks = add_bookmarks(writer, now)
    talk = add_messages_and_blocks(writer, now)
    if added.users or added.posts:
        refresh_statistics()
    seconds = time.perf_counter() - started
    if not (added.users or added.posts):
        click.echo(f"The demo already has {users:,} users and {posts:,} posts: nothing added.")
    else:
        click.echo(
            f"Added {added.users:,} users and {added.posts:,} posts ({added.drafts:,} drafts) "
            f"with {added.comments:,} comments in {seconds:.1f} s."
        )
    if follows or bookmarks or notifications:
        click.echo(
            f"Added {follows:,} follows, {bookmarks:,} bookmarks and "
            f"{notifications:,} notifications."
        )
    if talk.conversations:
        click.echo(
            f"Added {talk.conversations:,} conversations with {talk.messages:,} private "
            f"messages, and {talk.blocks:,} blocks."
        )
    example = db.session.scalar(
        db.select(User.email).where(User.email.endswith("@" + DEMO_DOMAIN)).order_by(User.id)
    )
    if example:
        click.echo(f"Demo users log in with their email (e.g. {example}) and the password:")
        click.echo(f"  {DEMO_PASSWORD}")


def refresh_statistics() -> None:
    """Give the query planner the new rows' statistics, as after any bulk load. SQLite keeps
    none until ANALYZE runs: without them it guesses, and for a reader following a few
    authors it walked every post newest first (11 ms on 20,000 posts) instead of reading
    those authors' posts (0.03 ms). PostgreSQL's autovacuum would get there in a while."""
    db.session.execute(text("ANALYZE"))
    db.session.commit()
