"""The API's image uploads: a picture for a post, through the same pipeline as the editor's."""

from flask import g
from marshmallow import RAISE

from flaskblog.api import bp
from flaskblog.api.auth import confirmed, token_required_for_upload, token_user_key
from flaskblog.api.errors import ApiError
from flaskblog.api.routes import NEEDS_TOKEN, common_errors, error
from flaskblog.api.schemas import ImageSchema, ImageUploadSchema
from flaskblog.extensions import db, limiter
from flaskblog.images import InvalidPicture
from flaskblog.media import (
    UPLOAD_LIMIT,
    QuotaFull,
    UploadTooLarge,
    alt_text,
    markdown_for,
    picture_from_upload,
    store_image,
)
from flaskblog.urls import image_url

# --- Images -----------------------------------------------------------------------------------


@bp.route("/images", methods=["POST"])
@limiter.limit(UPLOAD_LIMIT, key_func=token_user_key, methods=["POST"])
@token_required_for_upload
@bp.doc(**NEEDS_TOKEN)
# Fields it does not know are refused (422), as in every JSON body here.
@bp.arguments(ImageUploadSchema, location="files", unknown=RAISE)
@bp.response(201, ImageSchema)
@error(401, "No valid token was sent.")
@error(403, "The email address is not confirmed yet.")
@error(413, "The file is over 5 MB, or the user's image quota (IMAGE_QUOTA_MB) is full.")
@error(415, "The body is not multipart/form-data.")
@error(429, "Too many uploads in a short time.")
@error(503, "The image storage cannot be reached; nothing was saved.")
@common_errors
def upload_image(data: dict):
    """Upload an image for a post (multipart, field `image`, optional `alt`); the answer
    holds its URL and the Markdown that shows it. A bad or fake image is a 400."""
    confirmed(g.user)
    try:
        picture = picture_from_upload(data["image"])
        image = store_image(g.user, picture, alt_text(data["alt"]))
        db.session.commit()
    except (UploadTooLarge, QuotaFull) as error:
        raise ApiError(413, str(error)) from error
    except InvalidPicture as error:
        raise ApiError(400, str(error)) from error
    # StorageUnavailable is a 503 of its own, answered in JSON like every error here.
    url = image_url(image, external=True)
    return {
        "id": image.id,
        "url": url,
        "markdown": markdown_for(image, url),
        "width": image.width,
        "height": image.height,
    }
