"""Views for a reader's notifications and their notification settings."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import update

from flaskblog.extensions import db
from flaskblog.models import Notification, NotificationSettings, utcnow
from flaskblog.models.unread import forget_unread_counts
from flaskblog.notifications import bp
from flaskblog.notifications.forms import NotificationSettingsForm
from flaskblog.pagination import page_number, paginate_rows
from flaskblog.transactions import commit_or_rollback

NOTIFICATIONS_PER_PAGE = 30


@bp.route("/notifications")
@login_required
def notifications():
    page = paginate_rows(
        Notification.newest_for(current_user), page_number(), NOTIFICATIONS_PER_PAGE
    ) or abort(404)
    unread = [notification.id for notification in page.items if notification.is_unread]
    if unread:
        # Read now that they are shown; the page still marks them as new (the rows in
        # memory are left unread), and the header counts the ones left.
        db.session.execute(
            update(Notification).where(Notification.id.in_(unread)).values(read_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        forget_unread_counts(current_user)
    page_html = render_template(
        "notifications/notifications.html", title=_("Notifications"), notifications=page
    )
    db.session.commit()
    return page_html


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    settings = NotificationSettings.of(current_user)
    form = NotificationSettingsForm(obj=settings)
    if form.validate_on_submit():
        form.apply_to(settings)
        db.session.add(settings)
        if not commit_or_rollback():  # a row made by the same reader's other request
            settings = db.session.get(NotificationSettings, current_user.id)
            form.apply_to(settings)
            db.session.commit()
        flash(_("Your notification settings have been saved."), "success")
        return redirect(url_for("notifications.settings"))
    return render_template(
        "notifications/settings.html", title=_("Notification settings"), form=form
    )
