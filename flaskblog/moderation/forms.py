"""The report form under posts and comments, and the admins' form resolving a report."""

from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from flaskblog.forms import HtmlForm
from flaskblog.models import MAX_ID, Report


def _tidy(value: str | None) -> str | None:
    # Browsers send line breaks as \r\n but count them as one against maxlength.
    return value.replace("\r\n", "\n").strip() or None if isinstance(value, str) else value


class ReportForm(HtmlForm):
    """Why a reader reports a post or a comment (rendered by moderation/_report.html)."""

    reason = RadioField(
        _l("Why are you reporting it?"),
        choices=[SelectChoice(value, label) for value, label in Report.REASONS.items()],
        validators=[DataRequired(message=_l("Choose why you are reporting it."))],
    )
    details = TextAreaField(
        _l("Details (optional)"),
        filters=[_tidy],
        validators=[
            Length(
                max=Report.DETAILS_LENGTH,
                message=_l(
                    "Details can be at most %(count)s characters long.",
                    count=LazyString(format_number, Report.DETAILS_LENGTH),
                ),
            )
        ],
    )


class ResolveForm(HtmlForm):
    """One report in the queue and what the admin does about it: the button pressed."""

    report_id = HiddenField(validators=[DataRequired()])
    dismiss = SubmitField(_l("Dismiss"))
    hide = SubmitField(_l("Hide it"))
    delete = SubmitField(_l("Delete it"))
    disable_author = SubmitField(_l("Disable its author"))

    ACTIONS = ("dismiss", "hide", "delete", "disable_author")

    def validate_report_id(self, field) -> None:
        if not (field.data or "").isdigit() or not 0 < int(field.data) <= MAX_ID:
            raise ValidationError(_("Not a report."))

    @property
    def action(self) -> str | None:
        """The button pressed, if any."""
        return next((name for name in self.ACTIONS if self[name].data), None)
