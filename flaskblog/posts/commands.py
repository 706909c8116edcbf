"""`flask posts ...`: maintenance of stored posts from the command line."""

import click

from flaskblog.extensions import db
from flaskblog.models import Post
from flaskblog.posts import bp

DEFAULT_BATCH_SIZE = 200


@bp.cli.command("rerender")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Posts read and committed at a time.",
)
def rerender_command(batch_size: int) -> None:
    """Render every stored post again (after the renderer changed: code highlighting, the
    opening paragraph that excerpts show), a batch at a time."""
    changed = total = last_id = 0
    while True:
        batch = db.session.scalars(
            db.select(Post).where(Post.id > last_id).order_by(Post.id).limit(batch_size)
        ).all()
        if not batch:
            break
        changed += sum(post.rerender() for post in batch)
        total += len(batch)
        last_id = batch[-1].id
        db.session.commit()
        db.session.expunge_all()  # a batch at a time in memory too
    click.echo(f"Re-rendered {total} post{'' if total == 1 else 's'}: {changed} changed.")
