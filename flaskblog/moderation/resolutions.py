"""What an admin's decision on a report does to the item, its author and its reports."""

from flask_babel import gettext as _

from flaskblog import account_actions
from flaskblog.extensions import db
from flaskblog.models import Comment, Post, Report, User
from flaskblog.security import log_event


class CannotResolve(Exception):
    """The decision cannot be carried out (the message says why); nothing changed."""


def kind_of(item: Post | Comment) -> str:
    return "post" if isinstance(item, Post) else "comment"


def resolve(report: Report, action: str, admin: User) -> str:
    """Carry out `action` ("dismiss", "hide", "delete", "disable_author") on the reported
    item, close every open report of it and log it; the message for the admin."""
    item, kind = report.item, kind_of(report.item)
    author = item.author
    details = {"report_id": report.id, "item": kind, "item_id": item.id, "author_id": author.id}
    if action == "dismiss":
        resolution = "dismissed"
        message = (
            _("Report dismissed: the post stays as it is.")
            if kind == "post"
            else _("Report dismissed: the comment stays as it is.")
        )
    elif action == "hide":
        if isinstance(item, Post):
            item.unpublish()  # a post's hiding: back to its author's drafts
        else:
            item.hide(admin)
        resolution = "hidden"
        message = _("The post is hidden.") if kind == "post" else _("The comment is hidden.")
    elif action == "delete":
        resolution = "deleted"
        message = _("The post is deleted.") if kind == "post" else _("The comment is deleted.")
    elif action == "disable_author":
        try:  # the rules and the log entry of disabling an account, wherever it is done
            message = account_actions.disable_user(admin, author)
        except account_actions.Refused as refusal:
            raise CannotResolve(str(refusal)) from refusal
        resolution = "author_disabled"
    else:
        raise CannotResolve(_("Choose what to do about the report."))
    closed = Report.resolve_all_about(item, admin, resolution)
    if action == "delete":
        db.session.delete(item)  # its reports go with it; the log keeps the decision
    log_event("report_resolved", user_id=admin.id, resolution=resolution, closed=closed, **details)
    return message
