"""The addresses of things the models hold: a post's page, a user's picture.

Reverse routing lives here rather than on the models, which know nothing of HTTP. Templates
call these as globals (registered by create_app); views, feeds and the API import them.
"""

from flask import url_for

from flaskblog.models import Image, Post, User


def post_url(post: Post, external: bool | None = None) -> str:
    """The post's canonical address; with `external=True` the whole URL, as feeds, the API
    and the canonical link give it (url_for's own default otherwise)."""
    return url_for("posts.post", post_id=post.id, slug=post.slug, _external=external)


def image_url(image: Image, external: bool | None = None) -> str:
    """Where an image in a post is served: its digest is in the path, so it is cached for good."""
    return url_for(
        "uploads.image",
        image_id=image.id,
        digest=image.digest,
        extension=image.extension,
        _external=external,
    )


def avatar_url(user: User, external: bool | None = None) -> str:
    """Where the user's picture is served (the default one until they upload their own);
    with `external=True` the whole URL, on the configured server name (never the request's
    Host header), as post_url gives it."""
    # The digest is in the path, so the URL changes with the picture and can be cached for a year.
    if user.avatar is None:
        return url_for("static", filename="img/default-avatar.svg", _external=external)
    return url_for("users.avatar", user_id=user.id, digest=user.avatar.digest, _external=external)
