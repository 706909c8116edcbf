"""The token owner's own reading: whom they follow, the posts of those authors, and their
notifications."""

from flask import g, url_for
from marshmallow import Schema, fields, validate

from flaskblog import urls
from flaskblog.api import bp
from flaskblog.api.auth import token_required
from flaskblog.api.fields import ComputedNested, ComputedUrl
from flaskblog.api.pagination import paginate
from flaskblog.api.routes import NEEDS_TOKEN, common_errors, error
from flaskblog.api.schemas import (
    AuthorSchema,
    PageArgsSchema,
    PageSchema,
    PostPageSchema,
    UserLinksSchema,
    user_links,
)
from flaskblog.models import Follow, Notification
from flaskblog.models.notification import KINDS

# --- Schemas ----------------------------------------------------------------------------------


class FollowedUserSchema(Schema):
    """An author the token owner follows."""

    username = fields.String(required=True)
    avatar_url = ComputedUrl(required=True, build=lambda user: urls.avatar_url(user, external=True))
    links = ComputedNested(UserLinksSchema, required=True, build=lambda user: user_links(user))


class FollowedUserPageSchema(PageSchema):
    """One page of the authors you follow, most recently followed first."""

    items = fields.List(fields.Nested(FollowedUserSchema), required=True)


class NotifiedPostSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    url = ComputedUrl(
        required=True,
        build=lambda post: url_for("api.get_post", post_id=post.id, _external=True),
    )
    html = ComputedUrl(
        required=True,
        build=lambda post: urls.post_url(post, external=True),
        metadata={"description": "The post's page on the site."},
    )


class NotificationSchema(Schema):
    """Something you are told about: `actor` did `kind` (on `post`, in comment `comment_id`)."""

    id = fields.Integer(required=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(KINDS),
        metadata={
            "enum": list(KINDS),
            "description": "comment: on your post; reply: to your comment; mention: of you in "
            "a comment; follower: a new one; post: a new post by an author you follow.",
        },
    )
    actor = fields.Nested(AuthorSchema, required=True)
    post = fields.Nested(
        NotifiedPostSchema,
        required=True,
        allow_none=True,
        metadata={"description": "null for a new follower."},
    )
    comment_id = fields.Integer(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    read = fields.Boolean(
        required=True,
        attribute="is_read",
        metadata={"description": "Whether you have opened it on the site's notifications page."},
    )


class NotificationPageSchema(PageSchema):
    """One page of your notifications, newest first."""

    items = fields.List(fields.Nested(NotificationSchema), required=True)


# --- Views ------------------------------------------------------------------------------------


@bp.route("/me/following", methods=["GET"])
@token_required
@bp.doc(**NEEDS_TOKEN)
@bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@bp.response(200, FollowedUserPageSchema)
@error(401, "No valid token was sent.")
@error(404, "There is no such page.")
@common_errors
def my_following(page: int, per_page: int):
    """The authors you follow, most recently followed first."""
    return paginate(Follow.followed_by(g.user), page, per_page)


@bp.route("/me/feed", methods=["GET"])
@token_required
@bp.doc(**NEEDS_TOKEN)
@bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@bp.response(200, PostPageSchema)
@error(401, "No valid token was sent.")
@error(404, "There is no such page.")
@common_errors
def my_feed(page: int, per_page: int):
    """The published posts of the authors you follow, newest first."""
    return paginate(Follow.feed_for(g.user), page, per_page)


@bp.route("/me/notifications", methods=["GET"])
@token_required
@bp.doc(**NEEDS_TOKEN)
@bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@bp.response(200, NotificationPageSchema)
@error(401, "No valid token was sent.")
@error(404, "There is no such page.")
@common_errors
def my_notifications(page: int, per_page: int):
    """Your notifications, newest first. Reading them here does not mark them read: opening
    the site's notifications page does."""
    return paginate(Notification.newest_for(g.user), page, per_page)
