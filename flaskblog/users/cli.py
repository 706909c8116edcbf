"""`flask users ...`: create admins, promote, disable and enable accounts, turn off someone's
two-factor login, list everyone."""

import click
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from flaskblog.extensions import db
from flaskblog.models import Post, User, utcnow
from flaskblog.security import log_event
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
    user.is_admin = True
    db.session.commit()
    click.echo(f"{user.username} is now an admin.")


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
    user.disable()
    db.session.commit()
    click.echo(f"{user.username} is disabled and logged out everywhere.")


@bp.cli.command("enable")
@click.argument("username")
def enable(username: str) -> None:
    """Let USERNAME log in again."""
    user = get_user(username)
    if user.is_active:
        click.echo(f"{user.username} is not disabled.")
        return
    user.enable()
    db.session.commit()
    click.echo(f"{user.username} can log in again.")


@bp.cli.command("reset-2fa")
@click.argument("username")
def reset_2fa(username: str) -> None:
    """Turn off USERNAME's two-factor login.

    For someone who lost both their phone and their recovery codes: check who is asking
    first. Every login and API token of the account ends; the password stays.
    """
    user = get_user(username)
    if not user.has_two_factor:
        click.echo(f"{user.username} does not use two-factor login.")
        return
    user.reset_two_factor()
    db.session.commit()
    log_event("two_factor_reset", user_id=user.id, by="cli")
    click.echo(f"Two-factor login is off for {user.username}; every login of theirs has ended.")


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
