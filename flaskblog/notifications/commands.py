"""`flask notifications announce`: tell followers of the scheduled posts whose time came."""

import click

from flaskblog.announcements import announce_due
from flaskblog.notifications import bp


@bp.cli.command("announce")
def announce_command() -> None:
    """Tell the followers of each post that became public since it was scheduled (and of
    any post whose queued announcement was lost). Run it every few minutes (cron, Heroku
    Scheduler): a scheduled post's followers hear of it at the next run."""
    posts, told = announce_due()
    click.echo(
        f"Announced {posts} post{'' if posts == 1 else 's'}: "
        f"{told} notification{'' if told == 1 else 's'} made."
    )
