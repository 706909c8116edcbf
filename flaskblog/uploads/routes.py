"""Views for images in posts: the editor's upload (JSON answers for its script) and the image
itself, cached for good since its URL names its content."""

from flask import abort, jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from flaskblog.caching import cached_for_anonymous, content_response
from flaskblog.extensions import db, limiter
from flaskblog.images import MIMETYPES, InvalidPicture
from flaskblog.media import (
    UPLOAD_LIMIT,
    QuotaFull,
    UploadTooLarge,
    alt_text,
    image_bytes,
    markdown_for,
    picture_from_upload,
    store_image,
)
from flaskblog.models import Image, User
from flaskblog.security import user_or_address_key
from flaskblog.uploads import bp
from flaskblog.uploads.forms import ImageUploadForm
from flaskblog.urls import image_url


def upload_error(status: int, message: str):
    """The JSON error the editor's script shows: the API's shape, for one page's script."""
    response = jsonify(error={"code": ERROR_CODES[status], "message": message, "details": {}})
    response.status_code = status
    return response


ERROR_CODES = {400: "bad_request", 403: "forbidden", 413: "too_large"}


def upload_answer(image: Image, status: int = 201):
    """What an upload answers: where the image is, and the Markdown that shows it."""
    url = image_url(image)
    response = jsonify(
        id=image.id,
        url=url,
        width=image.width,
        height=image.height,
        markdown=markdown_for(image, url),
    )
    response.status_code = status
    return response


def save_upload(user: User, upload, alt: str):
    """Run the upload through the pipeline and store it; the answer, or the error to send
    (StorageUnavailable is left to the error handlers: a JSON 503 here)."""
    if not user.is_confirmed:
        return upload_error(403, _("Please confirm your email address before you upload images."))
    if upload is None:
        return upload_error(400, _("Choose an image to upload."))
    try:
        picture = picture_from_upload(upload)
        image = store_image(user, picture, alt)
        db.session.commit()
    except (UploadTooLarge, QuotaFull) as error:
        return upload_error(413, str(error))
    except InvalidPicture as error:
        return upload_error(400, str(error))
    return upload_answer(image)


@bp.route("/post/images", methods=["POST"])
@limiter.limit(UPLOAD_LIMIT, key_func=user_or_address_key)
@login_required
def upload_image():
    form = ImageUploadForm()
    if not form.validate_on_submit():
        messages = next(iter(form.errors.values()), [_("The upload could not be read.")])
        return upload_error(400, str(messages[0]))
    return save_upload(current_user, form.upload, alt_text(form.alt.data))


@bp.route("/image/<int:image_id>/<digest>.<extension>")
@cached_for_anonymous
def image(image_id: int, digest: str, extension: str):
    found = db.session.get(Image, image_id)
    if found is None or found.digest != digest or found.extension != extension:
        abort(404)
    # StorageUnavailable: a 503.
    return content_response(
        image_bytes(found), MIMETYPES[found.extension], found.digest, found.created_at
    )
