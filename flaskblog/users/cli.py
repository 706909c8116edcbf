"""`flask users ...`: create admins, promote, disable and enable accounts, turn off someone's
two-factor login, list everyone, purge spam accounts in bulk."""

import re
from datetime import UTC, datetime, timedelta

import click
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from flaskblog import account_actions
from flaskblog.extensions import db
from flaskblog.models import Post, User, utcnow
from flaskblog.user_fields import NewAccountFields
from flaskblog.users import bp


def checked(field: str, value: str, hint: str | None = None, **other: str) -> str:
    """`value` as the registration form cleans it, if the form accepts it for `field`; else a
    BadParameter with the form's message (click shows it, and asks again after a prompt).

    So accounts made here follow exactly the sign-up page's rules for names, addresses
    and passwords, a name's uniqueness included. Whether an address is taken, which the
    page never tells, an operator may know: `create_admin` checks it.
    """
    form = NewAccountFields(formdata=MultiDict({field: value, **other}), meta={"csrf": False})
    form.validate()
    if form.errors.get(field):
        raise click.BadParameter(" ".join(form.errors[field]), param_hint=hint)
    return form[field].data


def get_user(username: str) -> User:
    """The user called `username` (any case), or an error that names it."""
    user = User.by_username(username)
    if user is None:
        raise click.ClickException(f"There is no user called {username!r}.")
    return user


@bp.cli.command("create-admin")
@click.argument("email")
@click.option("--username", help="The new admin's username (asked for when left out).")
def create_admin(email: str, username: str | None) -> None:
    """Create an admin account for EMAIL.

    Asks for the username (unless given) and the password, with the sign-up page's rules;
    the address counts as confirmed.
    """
    # Checked here, in the app context, not in click callbacks (which can run before it).
    email = checked("email", email, hint="'EMAIL'")
    if User.by_email(email) is not None:
        raise click.BadParameter("That email is already registered.", param_hint="'EMAIL'")
    if username is None:
        username = click.prompt("Username", value_proc=lambda value: checked("username", value))
    else:
        username = checked("username", username, hint="'--username'")
    password = click.prompt(
        "Password",
        hide_input=True,
        confirmation_prompt=True,
        value_proc=lambda value: checked("password", value, confirm_password=value),
    )
    user = User(username=username, email=email, is_admin=True, confirmed_at=utcnow())
    user.set_password(password)
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as error:  # someone signed up with the name or address just now
        db.session.rollback()
        raise click.ClickException("That username or email was just taken; try again.") from error
    click.echo(f"Created admin {user.username} <{user.email}>.")


@bp.cli.command("promote")
@click.argument("username")
def promote(username: str) -> None:
    """Make USERNAME an admin."""
    user = get_user(username)
    if user.is_admin:
        click.echo(f"{user.username} is already an admin.")
        return
    message = account_actions.promote_user(None, user)
    db.session.commit()
    click.echo(message)


@bp.cli.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Stop USERNAME from logging in.

    Every login the account has ends at once; its posts stay up.
    """
    user = get_user(username)
    if not user.is_active:
        click.echo(f"{user.username} is already disabled.")
        return
    message = account_actions.disable_user(None, user)
    db.session.commit()
    click.echo(message)


@bp.cli.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Let USERNAME log in again."""
    user = get_user(username)
    if user.is_active:
        click.echo(f"{user.username} is not disabled.")
        return
    message = account_actions.enable_user(None, user)
    db.session.commit()
    click.echo(message)


@bp.cli.command("reset-2fa")
@click.argument("username")
def reset_2fa(username: str) -> None:
    """Turn off USERNAME's two-factor login.

    For someone who lost both their phone and their recovery codes: check who is asking
    first. Every login and API token of the account ends; the password stays.
    """
    user = get_user(username)
    try:
        message = account_actions.reset_two_factor(None, user)
    except account_actions.Refused as refusal:
        click.echo(str(refusal))
        return
    db.session.commit()
    click.echo(message)


@bp.cli.command("list")
def list_users() -> None:
    """Show every account.

    With its flags and its number of posts, drafts included.
    """
    posts = func.count(Post.id)
    rows = db.session.execute(
        db.select(User, posts).outerjoin(Post).group_by(User.id).order_by(User.id)
    ).all()
    if not rows:
        click.echo("There are no users yet.")
        return
    yes_no = {True: "yes", False: "no"}
    table = [("id", "username", "email", "admin", "confirmed", "disabled", "posts")]
    table += [
        (
            str(user.id),
            user.username,
            user.email,
            yes_no[user.is_admin],
            yes_no[user.is_confirmed],
            yes_no[not user.is_active],
            str(count),
        )
        for user, count in rows
    ]
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    for row in table:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


# --since: a date ("2026-12-01", midnight UTC) or how long ago ("36h", "7d", "2w").
DURATION = re.compile(r"(\d{1,6})([hdw])")
DURATION_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_since(value: str) -> datetime:
    """The moment `value` names: a date or date and time (ISO, UTC unless it says), or a
    duration back from now; BadParameter otherwise."""
    value = value.strip()
    match = DURATION.fullmatch(value)
    if match:
        amount, unit = int(match.group(1)), DURATION_UNITS[match.group(2)]
        return utcnow() - timedelta(**{unit: amount})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            "use a date such as 2026-12-01, or a time back from now such as 36h, 7d or 2w.",
            param_hint="'--since'",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.cli.command("purge")
@click.option("--since", help="Only accounts created since: a date (2026-12-01) or 36h, 7d, 2w.")
@click.option("--max-posts", type=click.IntRange(min=0), help="Only accounts with at most N posts.")
@click.option("--unconfirmed", is_flag=True, help="Only accounts never confirmed.")
@click.option("--dry-run", is_flag=True, help="Show who would be deleted, and delete nothing.")
def purge(since: str | None, max_posts: int | None, unconfirmed: bool, dry_run: bool) -> None:
    """Delete spam accounts in bulk, with their posts, comments and pictures.

    Only accounts matching every filter given; at least one filter is needed. Admins are
    never deleted.
    """
    if since is None and max_posts is None and not unconfirmed:
        raise click.UsageError(
            "Refusing to purge every account: give --since, --max-posts or --unconfirmed."
        )
    query = User.purgeable(
        since=parse_since(since) if since is not None else None,
        max_posts=max_posts,
        unconfirmed=unconfirmed,
    )
    result = account_actions.purge_users(query, dry_run=dry_run, operator="flask users purge")
    counts = (
        f"{result.accounts} account{'' if result.accounts == 1 else 's'}, "
        f"{result.posts} post{'' if result.posts == 1 else 's'}, "
        f"{result.comments} comment{'' if result.comments == 1 else 's'}"
    )
    if dry_run:
        click.echo(f"Dry run: would delete {counts}.")
        for username in result.usernames:
            click.echo(f"  {username}")
        return
    db.session.commit()
    click.echo(f"Deleted {counts}.")
