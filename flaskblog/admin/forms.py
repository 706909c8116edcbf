"""The admin console's forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField
from wtforms.validators import Length

from flaskblog.models import User


class UserSearchForm(FlaskForm):
    """Find accounts by a part of their name or address (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Name or address contains"), validators=[Length(max=User.EMAIL_LENGTH)])
