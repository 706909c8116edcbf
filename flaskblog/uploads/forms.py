"""The editor's image upload: a file and its alternative text."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length

from flaskblog.forms import HtmlForm
from flaskblog.models import Image

ALT_LENGTH = Image.alt.type.length


class ImageUploadForm(HtmlForm):
    image = FileField(_l("Image (JPEG, PNG, WebP or GIF, up to 5 MB)"))
    alt = StringField(_l("Describe the image"), validators=[Length(max=ALT_LENGTH)])

    @property
    def upload(self):
        """The uploaded file, or None when none was sent."""
        upload = self.image.data
        return upload if upload and getattr(upload, "filename", None) else None
