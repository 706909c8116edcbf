"""Helpers for the users blueprint: safe redirects, profile pictures, reset emails."""

import io
from typing import IO
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_mail import Message
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError

from flaskblog.extensions import db, mail

AVATAR_SIZE = (256, 256)
PICTURE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


class InvalidPicture(ValueError):
    """An upload that is not an image we accept; the message is for the user."""


def safe_next_url(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: `next` must not send people away.

    Browsers treat `//host`, `/\\host` and paths with tabs or newlines in them as
    other sites, so anything but a plain absolute path is refused.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def make_avatar(stream: IO[bytes], max_pixels: int) -> bytes:
    """Turn an uploaded image into a 256x256 WebP profile picture.

    The upload must really be a JPEG, PNG, WebP or GIF (only the first frame is
    used) of at most `max_pixels`. It is turned upright by its EXIF orientation,
    centre-cropped square, resized and re-encoded, which drops all metadata.
    """
    try:
        with Image.open(stream, formats=PICTURE_FORMATS) as image:
            # Checked before decoding: a small file can declare a huge canvas.
            if image.width * image.height > max_pixels:
                raise InvalidPicture(
                    f"That picture is too large ({image.width}x{image.height} pixels); "
                    f"the limit is {max_pixels // 1_000_000} megapixels."
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
            has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
            square = ImageOps.fit(
                upright.convert("RGBA" if has_alpha else "RGB"),
                AVATAR_SIZE,
                method=Image.Resampling.LANCZOS,
            )
    except InvalidPicture:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise InvalidPicture("That file is not a JPEG, PNG, WebP or GIF image.") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise InvalidPicture("That image is damaged or incomplete.") from error
    out = io.BytesIO()
    square.save(out, "WEBP", quality=85)
    return out.getvalue()


def commit_unique(form) -> bool:
    """Commit, or roll back if a unique column clashed; the form then says which.

    The form's own checks run before the insert, but a concurrent request can
    take the same name in between: the database's unique indexes catch that.
    """
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        if form.validate():
            form.form_errors.append("That username or email was just taken. Please try again.")
        return False


def send_reset_email(user) -> bool:
    """Email `user` a password reset link; log and return False if the mail server fails."""
    message = Message(
        "Reset your flaskblog password",
        recipients=[user.email],
        body=render_template(
            "users/email/reset_password.txt",
            user=user,
            token=user.get_reset_token(),
            minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
        ),
    )
    try:
        mail.send(message)
    except OSError:  # smtplib's errors, refused and dropped connections, DNS failures
        current_app.logger.exception("Could not send the password reset email to user %s", user.id)
        return False
    return True
