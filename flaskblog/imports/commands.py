"""`flask import wxr FILE --author USERNAME` and `flask import markdown PATH --author
USERNAME`: imports from the command line, with the same rules as from the browser."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from flaskblog.imports import sources
from flaskblog.imports.core import import_entries
from flaskblog.imports.entries import ImportRefused
from flaskblog.models import User

author_option = click.option(
    "--author", "username", required=True, help="The account the posts will belong to."
)
dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Say what would be imported; store nothing."
)


@click.group("import")
def import_group() -> None:
    """Bring posts in from a WordPress export or Markdown files."""


@import_group.command("wxr")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@author_option
@dry_run_option
@click.option(
    "--media",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A copy of the old site's wp-content/uploads, for the pictures the posts show.",
)
@with_appcontext
def import_wxr(file: Path, username: str, dry_run: bool, media: Path | None) -> None:
    """Import a WordPress export (WXR) FILE for an account."""
    _run(username, dry_run, lambda: sources.wxr_file(file, media))


@import_group.command("markdown")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@author_option
@dry_run_option
@with_appcontext
def import_markdown(path: Path, username: str, dry_run: bool) -> None:
    """Import a folder or zip of Markdown files with YAML front matter (PATH) for an account."""
    _run(username, dry_run, lambda: sources.markdown_path(path))


def _run(username: str, dry_run: bool, read) -> None:
    user = User.by_username(username)
    if user is None:
        raise click.ClickException(f"There is no account named {username!r}.")
    try:
        entries, skipped = read()
        summary = import_entries(user, entries, skipped=skipped, dry_run=dry_run)
    except ImportRefused as error:
        raise click.ClickException(str(error)) from None
    for line in summary.lines():
        click.echo(line)
