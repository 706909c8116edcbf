"""What every HTML form of the site shares: it reads only what a browser's form sends.

Flask-WTF also fills a form from a JSON body, and lets an uploaded file stand in for any
field of the same name. A browser does neither, and the forms' text validators expect text:
a file sent as a post's title, or a number or a list in JSON, would reach them as an object
they cannot measure and end in a 500. Here a JSON body is no form at all (the fields are
missing, and the form says so), and files go to file fields only.

Its errors are plain strings in the reader's language once it has validated, though the
validators' messages are lazy (made at import time, before anyone's language is known).
WTForms' own messages ("This field is required.") come from its catalogue, read once per
process and language: Flask-WTF reads the file again on every request that makes a form.
"""

from functools import cache

from babel import support
from flask import has_request_context, request
from flask_babel import get_locale
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms.i18n import messages_path

from flaskblog.visitor_csrf import VisitorOrSessionCSRF


class HtmlForm(FlaskForm):
    """A FlaskForm that takes text fields from the form body and files for file fields only."""

    class Meta(FlaskForm.Meta):
        # A visitor's token for someone without a session, else the session's (as Flask-WTF).
        csrf_class = VisitorOrSessionCSRF

        def get_translations(self, form):
            if not has_request_context():  # the command line: Flask-WTF's, i.e. English
                return super().get_translations(form)
            return _wtforms_catalogue(str(get_locale()))

        def wrap_formdata(self, form, formdata):
            data = super().wrap_formdata(form, formdata)
            if data is formdata or data is None or data is request.form:
                return data  # data given by the code, nothing submitted, or a plain form
            if not isinstance(data, CombinedMultiDict):
                return None  # a JSON body: no browser sends a form that way
            file_fields = {
                name for name, field in form._fields.items() if isinstance(field, FileField)
            }
            files = MultiDict(
                (name, upload)
                for name, upload in request.files.items(multi=True)
                if name in file_fields
            )
            return CombinedMultiDict((files, request.form))

    def validate(self, extra_validators=None) -> bool:
        """Validate, then turn lazy messages into text, so that code may join, compare or
        flash the errors (the command line does) as it would any string."""
        valid = super().validate(extra_validators)
        for field in self._fields.values():
            if isinstance(field.errors, list):
                field.errors[:] = [_text(error) for error in field.errors]
        self.form_errors[:] = [_text(error) for error in self.form_errors]
        return valid


@cache
def _wtforms_catalogue(language: str) -> support.Translations:
    return support.Translations.load(messages_path(), [language], domain="wtforms")


def _text(message):
    return str(message) if isinstance(message, LazyString) else message
