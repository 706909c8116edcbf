"""The JSON API, version 1: tokens, posts and users.

Views keep the site's rhythm: guard (token, ownership), validate (the schemas, applied by
flask-smorest before the view runs), act, commit, answer.
"""

from datetime import UTC, datetime

from flask import g, request, url_for
from flask_login import AnonymousUserMixin
from sqlalchemy import func
from sqlalchemy.orm import joinedload

from flaskblog.announcements import announce_later
from flaskblog.api import bp
from flaskblog.api.auth import (
    BASIC_SECURITY,
    BEARER_SECURITY,
    OTP_HEADER,
    OTP_MAX_LENGTH,
    OTP_PARAMETER,
    api_user,
    confirmed,
    token_in_use,
    token_required,
    token_user_key,
)
from flaskblog.api.errors import ApiError, unauthorized
from flaskblog.api.pagination import paginate
from flaskblog.api.schemas import (
    MeSchema,
    PageArgsSchema,
    PostInputSchema,
    PostPageSchema,
    PostSchema,
    PostUpdateSchema,
    TokenSchema,
    UserSchema,
)
from flaskblog.extensions import db, limiter
from flaskblog.login_limits import account_guesses, device_guesses, remember_device
from flaskblog.models import MAX_ID, ApiToken, Post, Tag, User
from flaskblog.models.types import utcnow
from flaskblog.revisions import record
from flaskblog.security import log_event
from flaskblog.spam import new_account_refusal

# Documented on every operation that takes a token (flask-smorest adds 422 and the
# default error itself); each answers with the one error schema.
NEEDS_TOKEN = {"security": BEARER_SECURITY}


def error(status: int, description: str):
    """Document an error response of an operation."""
    return bp.alt_response(status, schema="Error", description=description)


def common_errors(view):
    """Document the errors any operation may answer. Every status an operation can give is
    listed (there is no catch-all `default`), so checking responses against the document
    also checks that no status comes as a surprise."""
    view = error(400, "The request could not be read (malformed JSON, a NUL character).")(view)
    return error(500, "Something went wrong on our side.")(view)


@bp.before_request
def refuse_bad_tokens() -> None:
    """A request that sends a bearer token must send a good one, wherever it goes; asking for
    a new token is HTTP Basic, and says so itself."""
    if request.endpoint != "api.create_token":
        api_user()


# --- Tokens -----------------------------------------------------------------------------------


@bp.route("/tokens", methods=["POST"])
@limiter.limit("10/minute;50/hour", methods=["POST"])
@account_guesses  # one budget with the site's login form (flaskblog.login_limits)
@device_guesses
@bp.doc(security=BASIC_SECURITY, parameters=[OTP_PARAMETER])
@bp.response(201, TokenSchema)
@error(
    401,
    "The email address or password is wrong, the address is not confirmed, or the account is "
    "off; or the account has two-factor login and the X-OTP header is missing, wrong or used.",
)
@error(400, f"The {OTP_HEADER} header is longer than any code ({OTP_MAX_LENGTH} characters).")
@error(429, "Too many attempts.")
@common_errors
def create_token():
    """Get a token with your email address and password (HTTP Basic), and for an account
    with two-factor login a code in the X-OTP header."""
    auth = request.authorization
    if auth is None or auth.type != "basic":
        raise unauthorized("Send your email address and password with HTTP Basic.", "Basic")
    if len(request.headers.get(OTP_HEADER, "")) > OTP_MAX_LENGTH:
        raise ApiError(400, f"The {OTP_HEADER} header is at most {OTP_MAX_LENGTH} characters long.")
    user = User.authenticate(auth.username or "", auth.password or "")
    # An unconfirmed address is answered as a wrong password, as on the login page, so that
    # the password chosen at sign-up does not tell a new address from one with an account.
    if user is None or not user.is_active or not user.is_confirmed:
        log_event("api_token_refused", email=auth.username or "")
        raise unauthorized(
            "The email address or password is wrong (or the address is not confirmed yet: "
            "open the link we emailed you first).",
            "Basic",
        )
    if user.has_two_factor:
        check_otp_header(user)
    token, row = ApiToken.issue(user)
    db.session.commit()  # with the code it spent, if the account has two-factor login
    remember_device(user)  # a client that keeps cookies is then a known device, as a browser
    return {"token": token, "expires_at": row.expires_at}


def check_otp_header(user: User) -> None:
    """An account with two-factor login needs a current code (or an unused recovery code)
    in X-OTP as well as its password; a 401 naming the header otherwise."""
    code = request.headers.get(OTP_HEADER, "")
    if not code.strip():
        log_event("api_token_otp_missing", user_id=user.id)
        raise unauthorized(
            f"This account uses two-factor login: send the code from your authenticator app "
            f"(or a recovery code) in the {OTP_HEADER} header.",
            "Basic",
            details={"reason": "otp_required", "header": OTP_HEADER},
        )
    if user.verify_second_factor(code) is None:
        log_event("api_token_otp_refused", user_id=user.id)
        raise unauthorized(
            f"The code in the {OTP_HEADER} header is wrong or has been used already.",
            "Basic",
            details={"reason": "otp_invalid", "header": OTP_HEADER},
        )


@bp.route("/tokens", methods=["DELETE"])
@token_required
@bp.doc(**NEEDS_TOKEN)
@bp.response(204)
@error(401, "No valid token was sent.")
@common_errors
def revoke_token():
    """Revoke the token this request carries."""
    db.session.delete(token_in_use())
    db.session.commit()
    return ""


# --- Posts ------------------------------------------------------------------------------------


def publish_time(data: dict) -> datetime | None:
    """The time `publish_at` names, in UTC (no offset given: UTC), or None if not sent;
    a 400 naming the field if it cannot be read, is not in the future, or comes with
    `"published": false`."""
    text = data.get("publish_at")
    if text is None:
        return None

    def refuse(reason: str) -> ApiError:
        return ApiError(400, f"publish_at: {reason}", {"publish_at": [reason]})

    try:
        when = datetime.fromisoformat(text)
        when = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise refuse("Not a date and time: write it as ISO 8601 (2030-01-31T09:00:00Z).") from None
    if when <= utcnow():
        raise refuse("This time has passed: a post is scheduled for a time to come.")
    if data.get("published") is False:
        raise refuse('A post is scheduled to be published: leave out "published": false.')
    return when


def visible_post_or_404(post_id: int, user: User | None) -> Post:
    """The post, if this caller may see it: public, or their own draft or scheduled post."""
    # The address takes any number; the database's ids are 32-bit.
    post = (
        db.session.get(Post, post_id, options=[joinedload(Post.author)])
        if post_id <= MAX_ID
        else None
    )
    if post is None or not post.can_view(user or AnonymousUserMixin()):
        raise ApiError(404, f"There is no post {post_id}.")
    return post


def editable_post(post_id: int, user: User) -> Post:
    """The post if `user` may change it: its author, or an admin for a published post."""
    post = visible_post_or_404(post_id, user)
    if not post.can_edit(user):
        raise ApiError(403, "Only the post's author (or an admin) may change or delete it.")
    return post


@bp.route("/posts", methods=["GET"])
@bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@bp.response(200, PostPageSchema)
@error(404, "There is no such page.")
@error(401, "A token was sent, but it is invalid or has expired.")
@common_errors
def list_posts(page: int, per_page: int):
    """Published posts, newest first."""
    return paginate(Post.newest_first(), page, per_page)


@bp.route("/posts/<int(max=None):post_id>", methods=["GET"])
@bp.response(200, PostSchema)
@error(401, "A token was sent, but it is invalid or has expired.")
@error(404, "No such post (or it is someone else's draft or scheduled post).")
@common_errors
def get_post(post_id: int):
    """One post. With its author's token, a draft or a scheduled post too."""
    return visible_post_or_404(post_id, api_user())


@bp.route("/posts", methods=["POST"])
@limiter.limit("5/minute;50/day", key_func=token_user_key, methods=["POST"])
@token_required
@bp.doc(**NEEDS_TOKEN)
@bp.arguments(PostInputSchema)
@bp.response(201, PostSchema, headers={"Location": {"schema": {"type": "string"}}})
@error(401, "No valid token was sent.")
@error(403, "The email address is not confirmed yet.")
@error(409, "The same post (title and content) already exists: details.post_id names it.")
@error(413, "The body is too large.")
@error(415, "The body is not JSON.")
@error(429, "Too many posts in a short time.")
@common_errors
def create_post(data: dict):
    """Write a post (or a draft, with `"published": false`, or schedule it with `publish_at`)."""
    confirmed(g.user)
    refusal = new_account_refusal(g.user, "post")
    if refusal:
        raise ApiError(429, refusal)
    when = publish_time(data)
    same = db.session.scalar(
        db.select(Post.id).where(
            Post.user_id == g.user.id, Post.title == data["title"], Post.content == data["content"]
        )
    )
    if same is not None:
        # A client retrying a request whose answer it lost must not post twice.
        raise ApiError(
            409, "You already have a post with this title and content.", {"post_id": same}
        )
    post = Post(
        title=data["title"],
        content=data["content"],
        author=g.user,
        summary=data.get("summary") or None,
        is_published=data["published"],
        comments_enabled=data["comments_enabled"],
        tags=Tag.named(data["tags"]),
    )
    if when is not None:
        post.schedule(when)
    db.session.add(post)
    record(post, g.user, "publish" if post.is_published else "save")
    db.session.commit()
    announce_later(post)  # if it is public now; a scheduled one when its time comes
    return post, {"Location": url_for("api.get_post", post_id=post.id, _external=True)}


@bp.route("/posts/<int(max=None):post_id>", methods=["PATCH"])
# Each change renders the post again: as much as editing on the site allows.
@limiter.limit("10/minute;100/hour", key_func=token_user_key, methods=["PATCH"])
@token_required
@bp.doc(**NEEDS_TOKEN)
@bp.arguments(PostUpdateSchema)
@bp.response(200, PostSchema)
@error(401, "No valid token was sent.")
@error(403, "Not the post's author (nor an admin), or the email address is not confirmed.")
@error(404, "No such post (or it is someone else's draft or scheduled post).")
@error(409, "publish_at was sent for a post that is public already.")
@error(413, "The body is too large.")
@error(415, "The body is not JSON.")
@error(429, "Too many changes in a short time.")
@common_errors
def update_post(data: dict, post_id: int):
    """Change some of a post's fields; the others stay as they are. `publish_at` schedules a
    draft (or moves a scheduled post's time); `"published": true` publishes at once."""
    post = editable_post(post_id, g.user)
    confirmed(g.user)
    when = publish_time(data)
    if when is not None and post.is_public:
        raise ApiError(
            409,
            "This post is public already: it cannot be scheduled. Unpublish it first "
            '("published": false), then schedule it.',
            {"publish_at": ["The post is public already."]},
        )
    was_published, was_public = post.is_published, post.is_public
    if "title" in data:
        post.title = data["title"]
    if "content" in data:
        post.content = data["content"]
    if "tags" in data:
        post.tags = Tag.named(data["tags"])
    if "summary" in data:
        post.summary = data["summary"] or None
    if "comments_enabled" in data:
        post.comments_enabled = data["comments_enabled"]
    if when is not None:
        post.schedule(when)
    elif data.get("published") is True:
        post.publish()
    elif data.get("published") is False:
        post.unpublish()
    record(post, g.user, revision_kind(was_published, post.is_published))
    db.session.commit()
    if not was_public:
        announce_later(post)
    return post


def revision_kind(was_published: bool, is_published: bool) -> str:
    """As the editor names its saves: a change to a published post is an update."""
    if not is_published:
        return "save"
    return "update" if was_published else "publish"


@bp.route("/posts/<int(max=None):post_id>", methods=["DELETE"])
@limiter.limit("30/minute;500/day", key_func=token_user_key, methods=["DELETE"])
@token_required
@bp.doc(**NEEDS_TOKEN)
@bp.response(204)
@error(401, "No valid token was sent.")
@error(403, "Not the post's author (nor an admin).")
@error(404, "No such post (or it is someone else's draft).")
@error(429, "Too many changes in a short time.")
@common_errors
def delete_post(post_id: int):
    """Delete a post, with its comments."""
    post = editable_post(post_id, g.user)
    db.session.delete(post)
    db.session.commit()
    return ""


# --- Users ------------------------------------------------------------------------------------


def user_or_404(username: str) -> User:
    user = User.by_username(username)
    if user is None:
        raise ApiError(404, f"There is no user {username!r}.")
    return user


def with_post_count(user: User) -> User:
    user.post_count = db.session.scalar(
        db.select(func.count(Post.id)).where(Post.user_id == user.id, Post.is_public)
    )
    return user


@bp.route("/users/<username>", methods=["GET"])
@bp.response(200, UserSchema)
@error(404, "No such user.")
@error(401, "A token was sent, but it is invalid or has expired.")
@common_errors
def get_user(username: str):
    """A user's public profile."""
    return with_post_count(user_or_404(username))


@bp.route("/users/<username>/posts", methods=["GET"])
@bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@bp.response(200, PostPageSchema)
@error(404, "No such user, or no such page.")
@error(401, "A token was sent, but it is invalid or has expired.")
@common_errors
def list_user_posts(page: int, per_page: int, username: str):
    """A user's published posts, newest first."""
    return paginate(Post.newest_first(author=user_or_404(username)), page, per_page)


@bp.route("/me", methods=["GET"])
@token_required
@bp.doc(**NEEDS_TOKEN)
@bp.response(200, MeSchema)
@error(401, "No valid token was sent.")
@common_errors
def me():
    """The token owner's own profile, email address included."""
    return with_post_count(g.user)
