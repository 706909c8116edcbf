"""What admins do to other people's accounts: disable, enable, promote, demote, reset two-factor
login, purge. One place for the rules (nobody acts on their own account) and the security log,
whichever page or command asks (`admin` None: an operator at the command line); the caller
commits."""

import logging
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func

from flaskblog.extensions import db
from flaskblog.models import Comment, User
from flaskblog.security import log_event


class Refused(Exception):
    """An action the rules forbid; its message says why, for the page or the command."""


def _refuse_own_account(admin: User | None, user: User, action: str) -> None:
    if admin is not None and admin.id == user.id:
        log_event("admin_action_refused", user_id=admin.id, target_user_id=user.id, action=action)
        if action == "disable":
            raise Refused(_("You cannot disable your own account."))
        raise Refused(_("You cannot demote your own account."))


def _done(event: str, admin: User | None, user: User) -> None:
    # admin None: an operator at the command line (`flask users disable`).
    log_event(
        event,
        user_id=admin.id if admin else None,
        by="admin" if admin else "command line",
        target_user_id=user.id,
        target_username=user.username,
        level=logging.INFO,
    )


def disable_user(admin: User | None, user: User) -> str:
    """Disable `user` (see User.disable); the message to show."""
    _refuse_own_account(admin, user, "disable")
    user.disable()
    _done("admin_user_disabled", admin, user)
    return _("%(name)s is disabled and logged out everywhere.", name=user.username)


def enable_user(admin: User | None, user: User) -> str:
    """Let `user` log in again; the message to show."""
    user.enable()
    _done("admin_user_enabled", admin, user)
    return _("%(name)s can log in again.", name=user.username)


def promote_user(admin: User | None, user: User) -> str:
    """Make `user` an admin; the message to show."""
    user.is_admin = True
    _done("admin_user_promoted", admin, user)
    return _("%(name)s is now an admin.", name=user.username)


def demote_user(admin: User | None, user: User) -> str:
    """Take `user`'s admin powers away (never one's own); the message to show."""
    _refuse_own_account(admin, user, "demote")
    user.is_admin = False
    _done("admin_user_demoted", admin, user)
    return _("%(name)s is no longer an admin.", name=user.username)


def reset_two_factor(admin: User | None, user: User) -> str:
    """Turn `user`'s two-factor login off (they lost their phone and recovery codes)."""
    if not user.has_two_factor:
        raise Refused(_("%(name)s does not use two-factor login.", name=user.username))
    user.reset_two_factor()
    _done("admin_two_factor_reset", admin, user)
    return _(
        "Two-factor login is off for %(name)s; every login of theirs has ended, "
        "and they can turn it on again.",
        name=user.username,
    )


@dataclass
class Purge:
    """What a purge deletes (or, in a dry run, would delete)."""

    usernames: list[str] = field(default_factory=list)
    posts: int = 0
    comments: int = 0

    @property
    def accounts(self) -> int:
        return len(self.usernames)


def purge_users(query, *, dry_run: bool, operator: str) -> Purge:
    """Delete every account `query` (a User.purgeable select) finds, with their posts,
    comments, pictures and images, as deleting one's own account does; admins never.

    Two statements find and count; each account is then deleted through the ORM, so
    cached pages and search are kept up to date as for any other deletion.
    """
    users = [user for user in db.session.scalars(query) if not user.is_admin]
    ids = [user.id for user in users]
    purge = Purge(usernames=[user.username for user in users])
    purge.posts = sum(user.posts_written or 0 for user in users)
    if ids:
        found = query.with_only_columns(User.id).order_by(None)
        purge.comments = db.session.scalar(
            db.select(func.count(Comment.id)).where(Comment.user_id.in_(found))
        )
    if dry_run:
        return purge
    for user in users:
        db.session.delete(user)
    log_event(
        "users_purged",
        operator=operator,
        accounts=purge.accounts,
        posts=purge.posts,
        comments=purge.comments,
        user_ids=ids[:1000],
    )
    return purge
