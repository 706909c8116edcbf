"""Admins' pages: the dashboard, and the accounts list with its actions (each a POST)."""

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from flaskblog import account_actions
from flaskblog.admin import bp
from flaskblog.admin.forms import UserSearchForm
from flaskblog.decorators import admin_required
from flaskblog.extensions import db
from flaskblog.models import Report, SecurityEvent, User, utcnow
from flaskblog.pagination import page_number, paginate_rows, parse_page

NEW_ACCOUNT_DAYS = 7
NEW_ACCOUNTS_SHOWN = 50
SECURITY_EVENTS_SHOWN = 50


@bp.route("")
@admin_required
def dashboard():
    since = utcnow() - timedelta(days=NEW_ACCOUNT_DAYS)
    new_accounts = db.session.scalars(
        db.select(User)
        .where(User.created_at >= since)
        .order_by(User.created_at.desc(), User.id.desc())
        .limit(NEW_ACCOUNTS_SHOWN)
    ).all()
    events = db.session.execute(
        SecurityEvent.newest(SECURITY_EVENTS_SHOWN)
        .add_columns(User.username)
        .outerjoin(User, User.id == SecurityEvent.user_id)
    ).all()
    return render_template(
        "admin/dashboard.html",
        title=_("Admin"),
        new_accounts=new_accounts,
        new_account_days=NEW_ACCOUNT_DAYS,
        events=events,
        open_reports=Report.count_open(),
    )


@bp.route("/users")
@admin_required
def users():
    form = UserSearchForm(request.args)
    search = form.q.data if form.validate() and form.q.data else ""
    per_page = current_app.config["ADMIN_USERS_PER_PAGE"]
    accounts = paginate_rows(User.directory(search), page_number(), per_page) or abort(404)
    return render_template(
        "admin/users.html",
        title=_("Accounts"),
        form=form,
        search=search,
        accounts=accounts,
    )


def act_on(username: str, action) -> object:
    """Do `action` (from flaskblog.account_actions) to the user, commit, say what happened,
    and go back to the list as it was (the same search and page)."""
    user = User.by_username(username) or abort(404)
    try:
        message = action(current_user, user)
        db.session.commit()
        flash(message, "success")
    except account_actions.Refused as refusal:
        flash(str(refusal), "danger")
    page = parse_page(request.args.get("page", "1")) or 1
    search = request.args.get("q", "")[: User.EMAIL_LENGTH] or None
    return redirect(url_for("admin.users", q=search, page=page if page > 1 else None))


@bp.route("/users/<username>/disable", methods=["POST"])
@admin_required
def disable_user(username: str):
    return act_on(username, account_actions.disable_user)


@bp.route("/users/<username>/enable", methods=["POST"])
@admin_required
def enable_user(username: str):
    return act_on(username, account_actions.enable_user)


@bp.route("/users/<username>/promote", methods=["POST"])
@admin_required
def promote_user(username: str):
    return act_on(username, account_actions.promote_user)


@bp.route("/users/<username>/demote", methods=["POST"])
@admin_required
def demote_user(username: str):
    return act_on(username, account_actions.demote_user)


@bp.route("/users/<username>/reset-2fa", methods=["POST"])
@admin_required
def reset_two_factor(username: str):
    return act_on(username, account_actions.reset_two_factor)
