"""The notification settings form."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from flaskblog.forms import HtmlForm
from flaskblog.models import NotificationSettings

DIGEST_LABELS = {"off": _l("Off"), "daily": _l("Daily"), "weekly": _l("Weekly")}


class NotificationSettingsForm(HtmlForm):
    digest = SelectField(
        _l("Email digest of unread notifications"),
        choices=[
            SelectChoice(choice, DIGEST_LABELS[choice])
            for choice in NotificationSettings.DIGEST_CHOICES
        ],
        validate_choice=False,  # validate_digest says what the choices are
    )
    notify_comments = BooleanField(_l("Comments on my posts"))
    notify_replies = BooleanField(_l("Replies to my comments, and mentions of me"))
    notify_followers = BooleanField(_l("New followers"))
    notify_followed_posts = BooleanField(_l("New posts by authors I follow"))
    submit = SubmitField(_l("Save settings"))

    FLAGS = ("notify_comments", "notify_replies", "notify_followers", "notify_followed_posts")

    def validate_digest(self, field) -> None:
        if field.data not in NotificationSettings.DIGEST_CHOICES:
            raise ValidationError(_("Choose how often to get the digest: off, daily or weekly."))

    def apply_to(self, settings: NotificationSettings) -> None:
        """Put what the reader chose in their settings."""
        settings.digest = self.digest.data
        for name in self.FLAGS:
            setattr(settings, name, self[name].data)
