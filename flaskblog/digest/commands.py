"""`flask digest send --period daily|weekly`: run by Heroku Scheduler or cron."""

import click
from flask import current_app

from flaskblog.digest import bp
from flaskblog.digest.sending import PERIODS, send_digests


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@bp.cli.command("send")
@click.option(
    "--period",
    type=click.Choice(sorted(PERIODS)),
    required=True,
    help="Which readers: those who chose a daily or a weekly digest.",
)
def send_command(period: str) -> None:
    """Email each reader who chose a PERIOD digest their unread notifications since their
    last one. Safe to run again: a reader whose digest went out less than a period ago (a
    few hours of slack aside) gets nothing, and an empty digest is never sent."""
    if not current_app.config.get("SERVER_NAME"):
        raise click.ClickException(
            "SERVER_NAME is not set: the digest's links need the site's address "
            "(e.g. SERVER_NAME=blog.example.com)."
        )
    run = send_digests(period)
    click.echo(
        f"Sent {plural(len(run.sent), f'{period} digest')}; "
        f"{plural(run.empty, 'reader')} had nothing new to read."
    )
    if run.failed:
        raise click.ClickException(
            f"{plural(len(run.failed), 'digest')} could not be handed to the mail queue "
            "(see the mail log); they go out on the next run."
        )
