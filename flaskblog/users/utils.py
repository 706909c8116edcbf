"""Helpers for the users blueprint: safe redirects, profile pictures, account emails,
and the rule that only confirmed addresses may post."""

import functools
import io
import re
from typing import IO
from urllib.parse import urljoin, urlsplit

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_mail import Message
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from flaskblog.extensions import db
from flaskblog.mailqueue import send_later
from flaskblog.models import Comment, Post, User, utcnow
from flaskblog.security import log_event

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
            form.form_errors.append("That username was just taken. Please try again.")
        return False


def commit_or_rollback() -> bool:
    """Commit, or roll back and return False if a unique column clashed."""
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        return False


def send_reset_email(user) -> bool:
    """Email `user` a password reset link; False (logged) if it could not be sent or queued."""
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
    return _send(message, "password reset", user)


def _send(message: Message, what: str, user) -> bool:
    """Hand `message` to the mail queue (MAIL_QUEUE), which delivers it off the request path;
    False (already logged) if it could not be sent or queued. Every account email comes here."""
    return send_later(message, what, user.id)


def send_confirmation_email(user, email: str | None = None) -> bool:
    """Email a link confirming `email` (by default the user's current address) to that address."""
    email = email or user.email
    changing = email != user.email
    message = Message(
        "Confirm your new flaskblog email address"
        if changing
        else "Confirm your flaskblog email address",
        recipients=[email],
        body=render_template(
            "users/email/confirm_email.txt",
            user=user,
            changing=changing,
            token=user.get_email_token(email),
            hours=current_app.config["CONFIRM_TOKEN_MAX_AGE"] // 3600,
        ),
    )
    return _send(message, "confirmation", user)


def send_address_taken_email(owner, changing: bool = False) -> bool:
    """Tell `owner` that someone tried to sign up with their address (or, `changing`, to move
    another account to it). The page answers as for a new address: only the owner learns."""
    message = Message(
        "Someone tried to use your flaskblog email address",
        recipients=[owner.email],
        body=render_template("users/email/address_taken.txt", owner=owner, changing=changing),
    )
    return _send(message, "address taken", owner)


def send_email_change_emails(user, new_email: str) -> bool:
    """Ask `new_email` to confirm itself, and tell the current address what is going on;
    False if the mail to the new address could not be sent.

    An address that has another account gets a note saying so instead of a link, and the
    page answers the same, so the form cannot be used to find out who has an account.
    """
    notice = Message(
        "Your flaskblog email address is being changed",
        recipients=[user.email],
        body=render_template(
            "users/email/email_change_notice.txt",
            user=user,
            new_email=new_email,
            hours=current_app.config["CONFIRM_TOKEN_MAX_AGE"] // 3600,
        ),
    )
    owner = User.by_email(new_email)
    if owner is None:
        sent = send_confirmation_email(user, new_email)
    else:
        log_event("email_change_to_taken_address", user_id=user.id)
        sent = send_address_taken_email(owner, changing=True)
    if not sent:
        return False
    _send(notice, "email change notice", user)
    return True


def confirmed_required(view):
    """Keep users who have not confirmed their email address out of `view` (writing posts
    and comments), saying why; visitors pass, for @login_required or the view to handle."""

    @functools.wraps(view)
    def confirmed_only(*args, **kwargs):
        if current_user.is_authenticated and not current_user.is_confirmed:
            flash(
                "Please confirm your email address before you post or comment: follow the link "
                f"we sent to {current_user.email}, or use the button below for a new one.",
                "warning",
            )
            return redirect(url_for("main.home"))
        return view(*args, **kwargs)

    return confirmed_only


def admin_required(view):
    """Admins only: visitors are asked to log in, other users get a 403."""

    @functools.wraps(view)
    @login_required
    def admins_only(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return admins_only


# (name, pattern) in the order to try: Edge and Opera also say Chrome, Chrome also says Safari,
# iOS also says "Mac OS X" and Android also says Linux.
BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Samsung Internet", r"SamsungBrowser/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/"),
    ("Safari", r"Safari/"),
)
SYSTEMS = (
    ("iOS", r"iPhone|iPad|iPod"),
    ("Android", r"Android"),
    ("ChromeOS", r"CrOS"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux|X11"),
)


def describe_user_agent(user_agent: str, length: int = 40) -> str:
    """A short name for the browser behind a User-Agent header, such as "Firefox on Linux";
    anything unrecognised is shown as it is, cut to `length` characters."""
    browser = next((name for name, pattern in BROWSERS if re.search(pattern, user_agent)), None)
    system = next((name for name, pattern in SYSTEMS if re.search(pattern, user_agent)), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    if not user_agent.strip():
        return "An unknown browser"
    return user_agent if len(user_agent) <= length else user_agent[: length - 1] + "…"


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _external(path: str) -> str:
    # This site's own paths, made absolute so that the export still points here on its own.
    return urljoin(url_for("main.home", _external=True), path)


def account_export(user) -> dict:
    """Everything the user has written here, and their profile, as JSON-ready data."""
    posts = db.session.scalars(
        db.select(Post).where(Post.user_id == user.id).order_by(Post.date_posted, Post.id)
    )
    comments = db.session.scalars(
        db.select(Comment)
        .where(Comment.user_id == user.id)
        .options(joinedload(Comment.post).lazyload(Post.tags))
        .order_by(Comment.created_at, Comment.id)
    )
    return {
        "exported_at": utcnow().isoformat(),
        "profile": {
            "username": user.username,
            "email": user.email,
            "confirmed": user.is_confirmed,
            "confirmed_at": _iso(user.confirmed_at),
            "created_at": _iso(user.created_at),
            "picture_url": None if user.avatar is None else _external(user.avatar_url),
        },
        "posts": [
            {
                "id": post.id,
                "title": post.title,
                "content_markdown": post.content,
                "status": "published" if post.is_published else "draft",
                "created_at": _iso(post.date_posted),
                "published_at": _iso(post.published_at),
                "updated_at": _iso(post.updated_at),
                "tags": [tag.name for tag in post.tags],
                "url": _external(post.url),
            }
            for post in posts
        ],
        "comments": [
            {
                "id": comment.id,
                "body": comment.body,
                "created_at": _iso(comment.created_at),
                "post_id": comment.post_id,
                "post_title": comment.post.title,
                "url": _external(f"{comment.post.url}#comment-{comment.id}"),
            }
            for comment in comments
        ],
    }
