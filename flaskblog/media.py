"""Where images in posts are kept, and for how long.

Their bytes go in the database (Image.data) by default, or in S3-compatible object storage
when MEDIA_STORAGE is "s3". Each user keeps at most IMAGE_QUOTA_MB of them, and the same
picture uploaded twice is kept once. A post's `images` follow the /image/ links in its
Markdown and its cover whenever it is saved; deleting a post deletes the images of its
author that no other post shows, and deleting an account deletes all of its images.
"""

import io
import re

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError
from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import event, func, inspect, or_
from sqlalchemy.orm import Session, undefer
from werkzeug.exceptions import ServiceUnavailable

from flaskblog.extensions import db
from flaskblog.images import MIMETYPES, PostPicture, make_post_image
from flaskblog.models import Image, Post, User, post_images

# A link to an uploaded image, as the upload's Markdown writes it (absolute or not).
IMAGE_LINK = re.compile(rf"/image/(\d{{1,18}})/([0-9a-f]{{{Image.DIGEST_LENGTH}}})\.(webp|png)\b")
# Each upload decodes a picture of up to 16 megapixels: enough for a writer pasting
# screenshots, bounded for anyone else. Per user, on the site and the API alike.
UPLOAD_LIMIT = "30/minute;300/hour"
# Object keys deleted with their rows, removed from storage once the deletion is committed.
_DOOMED_KEYS = "media_doomed_keys"


class QuotaFull(ValueError):
    """The owner has no room left for this image; the message is for the user."""


class StorageUnavailable(ServiceUnavailable):
    """The object storage could not be reached or refused; nothing was saved. Uncaught, it
    is the site's 503 page (or the API's JSON 503), saying so."""


class UploadTooLarge(ValueError):
    """The uploaded file is over MAX_PICTURE_BYTES; the message is for the user."""


def picture_from_upload(upload) -> PostPicture:
    """The upload (a FileStorage) made into an image for a post through the hardened
    pipeline. Raises UploadTooLarge, or InvalidPicture saying what is wrong with it."""
    limit = current_app.config["MAX_PICTURE_BYTES"]
    # MAX_CONTENT_LENGTH leaves room for the other fields: the file itself may be a little over.
    upload.stream.seek(0, io.SEEK_END)
    if upload.stream.tell() > limit:
        raise UploadTooLarge(_("Images may be at most %(mb)d MB.", mb=limit // (1024 * 1024)))
    upload.stream.seek(0)
    return make_post_image(upload.stream, current_app.config["MAX_PICTURE_PIXELS"])


def store_image(owner: User, picture: PostPicture, alt: str = "") -> Image:
    """The owner's Image for `picture`: the one they already have, or a new one (not yet
    committed), its bytes stored where MEDIA_STORAGE says.

    Raises QuotaFull when it would take the owner past IMAGE_QUOTA_MB, and
    StorageUnavailable when object storage fails (then no row is added either).
    """
    same = _existing(owner, picture)
    if same is not None:
        return same
    check_room(owner, picture)
    image = Image(
        owner=owner,
        digest=picture.digest,
        extension=picture.extension,
        width=picture.width,
        height=picture.height,
        size=len(picture.data),
        alt=alt,
    )
    if uses_object_storage():
        image.storage_key = f"images/{owner.id}/{picture.digest}.{picture.extension}"
        _put_object(image.storage_key, picture.data, MIMETYPES[picture.extension])
    else:
        image.data = picture.data
    db.session.add(image)
    return image


def alt_text(text: str | None) -> str:
    """Alternative text as it can sit inside Markdown's brackets: one line, no brackets."""
    text = " ".join((text or "").split())[: Image.alt.type.length]
    return text.replace("[", "(").replace("]", ")")


def markdown_for(image: Image, url: str) -> str:
    """The Markdown that shows `image` (served at `url`) in a post."""
    return f"![{image.alt}]({url})"


def check_room(owner: User, picture: PostPicture) -> None:
    """Raise QuotaFull, saying so, if `picture` would take the owner past IMAGE_QUOTA_MB
    (a picture they already have takes no more room)."""
    if _existing(owner, picture) is not None:
        return
    quota_mb = current_app.config["IMAGE_QUOTA_MB"]
    used = space_used(owner)
    if used + len(picture.data) > quota_mb * 1024 * 1024:
        raise QuotaFull(
            _(
                "Your images already use %(used)s MB of your %(quota)d MB: delete posts you"
                " no longer need to make room for this one.",
                used=format_decimal(used / 1048576, "0.0"),
                quota=quota_mb,
            )
        )


def _existing(owner: User, picture: PostPicture) -> Image | None:
    return db.session.scalar(
        db.select(Image).where(
            Image.user_id == owner.id,
            Image.digest == picture.digest,
            Image.extension == picture.extension,
        )
    )


def space_used(owner: User) -> int:
    """Bytes of images the owner keeps, as counted against the quota."""
    return db.session.scalar(
        db.select(func.coalesce(func.sum(Image.size), 0)).where(Image.user_id == owner.id)
    )


def image_bytes(image: Image) -> bytes:
    """The stored bytes of `image`, from the database or object storage."""
    if image.storage_key is None:
        if image.data is None:
            image.data = db.session.scalar(
                db.select(Image.data).where(Image.id == image.id).options(undefer(Image.data))
            )
        return image.data
    try:
        answer = _client().get_object(Bucket=_bucket(), Key=image.storage_key)
        return answer["Body"].read()
    except (BotoCoreError, ClientError) as error:
        raise StorageUnavailable(_("The image storage cannot be reached.")) from error


def uses_object_storage() -> bool:
    return current_app.config["MEDIA_STORAGE"] == "s3"


def linked_image_ids(markdown: str) -> dict[int, str]:
    """{image id: digest} for every uploaded image the Markdown links to."""
    return {int(found[1]): found[2] for found in IMAGE_LINK.finditer(markdown or "")}


# --- Object storage ---------------------------------------------------------------------------


def _client():
    config = current_app.config
    return boto3.client(
        "s3",
        endpoint_url=config["S3_ENDPOINT_URL"],
        region_name=config["S3_REGION"],
        aws_access_key_id=config["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=config["AWS_SECRET_ACCESS_KEY"],
        # A storage that does not answer fails the upload in seconds, not a worker's timeout.
        config=BotoConfig(connect_timeout=5, read_timeout=10, retries={"max_attempts": 2}),
    )


def _bucket() -> str:
    return current_app.config["S3_BUCKET"]


def _put_object(key: str, data: bytes, mimetype: str) -> None:
    try:
        _client().put_object(Bucket=_bucket(), Key=key, Body=data, ContentType=mimetype)
    except (BotoCoreError, ClientError) as error:
        current_app.logger.warning("image storage refused an upload: %s", error)
        raise StorageUnavailable(
            _("Images cannot be stored right now. Please try again in a few minutes.")
        ) from error


def _delete_objects(keys: list[str]) -> None:
    # After the commit: a failure leaves an object nobody links to, never a broken image.
    if not keys:
        return
    try:
        _client().delete_objects(
            Bucket=_bucket(), Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True}
        )
    except (BotoCoreError, ClientError) as error:
        current_app.logger.warning("could not delete %d stored images: %s", len(keys), error)


# --- Keeping posts and images in step ---------------------------------------------------------


def sync_post_images(session: Session, post: Post) -> None:
    """Set post.images to the images its Markdown links to and its cover.

    Anyone's image may be linked in Markdown (every image is public at its URL), but a
    cover must be the post author's own: someone else's is dropped.
    """
    author_id = post.author.id if post.author is not None else post.user_id
    cover = post.cover
    if cover is None and post.cover_image_id is not None:
        cover = session.get(Image, post.cover_image_id)
    if cover is not None and cover.user_id is not None and cover.user_id != author_id:
        post.cover, cover = None, None
    linked = linked_image_ids(post.content)
    images = []
    if linked:
        found = session.scalars(db.select(Image).where(Image.id.in_(linked))).all()
        images = [image for image in found if image.digest == linked[image.id]]
    if cover is not None and cover not in images:
        images.append(cover)
    post.images = images


def _orphans_of(session: Session, posts: list[Post]) -> list[Image]:
    """The images of these posts' authors that only these posts show."""
    gone = [post.id for post in posts]
    shown = [(post, image) for post in posts for image in [*post.images, post.cover] if image]
    candidates = {image for post, image in shown if image.user_id == post.user_id}
    orphans = []
    for image in candidates:
        still_used = session.scalar(
            db.select(func.count())
            .select_from(Post)
            .outerjoin(post_images, post_images.c.post_id == Post.id)
            .where(
                Post.id.not_in(gone),
                or_(post_images.c.image_id == image.id, Post.cover_image_id == image.id),
            )
        )
        if not still_used:
            orphans.append(image)
    return orphans


def _before_flush(session: Session, _context, _instances) -> None:
    with session.no_autoflush:
        for post in list(session.new) + list(session.dirty):
            if isinstance(post, Post) and post not in session.deleted and _shows_changed(post):
                sync_post_images(session, post)
        doomed: list[Image] = []
        deleted_posts = [
            post for post in session.deleted if isinstance(post, Post) and post.id is not None
        ]
        if deleted_posts:
            doomed += _orphans_of(session, deleted_posts)
        for user in session.deleted:
            if isinstance(user, User) and user.id is not None:
                # The database deletes them with the account; their objects go here.
                doomed += session.scalars(db.select(Image).where(Image.user_id == user.id))
        for image in doomed:
            if image.storage_key:
                session.info.setdefault(_DOOMED_KEYS, []).append(image.storage_key)
            if image not in session.deleted:
                session.delete(image)


def _shows_changed(post: Post) -> bool:
    state = inspect(post)
    if state.pending:
        return True
    return any(
        state.attrs[name].history.has_changes() for name in ("content", "cover", "cover_image_id")
    )


def _after_commit(session: Session) -> None:
    keys = session.info.pop(_DOOMED_KEYS, [])
    if keys and current_app:
        _delete_objects(keys)


def _after_rollback(session: Session, _previous_transaction) -> None:
    session.info.pop(_DOOMED_KEYS, None)


def init_app(_app) -> None:
    """Keep posts' images in step on every flush of the app's sessions."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
