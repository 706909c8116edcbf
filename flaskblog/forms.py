"""What every HTML form of the site shares: it reads only what a browser's form sends.

Flask-WTF also fills a form from a JSON body, and lets an uploaded file stand in for any
field of the same name. A browser does neither, and the forms' text validators expect text:
a file sent as a post's title, or a number or a list in JSON, would reach them as an object
they cannot measure and end in a 500. Here a JSON body is no form at all (the fields are
missing, and the form says so), and files go to file fields only.

Its errors are plain strings in the reader's language once it has validated, though the
validators' messages are lazy (made at import time, before anyone's language is known).
"""

from flask import request
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from flaskblog.visitor_csrf import VisitorOrSessionCSRF


class HtmlForm(FlaskForm):
    """A FlaskForm that takes text fields from the form body and files for file fields only."""

    class Meta(FlaskForm.Meta):
        # A visitor's token for someone without a session, else the session's (as Flask-WTF).
        csrf_class = VisitorOrSessionCSRF

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


def _text(message):
    return str(message) if isinstance(message, LazyString) else message
