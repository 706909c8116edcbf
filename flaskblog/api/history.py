"""The API's view of a post's revisions, for its author's token alone."""

from flask import g
from sqlalchemy.orm import defer, joinedload

from flaskblog.api import bp
from flaskblog.api.auth import token_required
from flaskblog.api.errors import ApiError
from flaskblog.api.pagination import paginate
from flaskblog.api.routes import NEEDS_TOKEN, common_errors, error, visible_post_or_404
from flaskblog.api.schemas import PageArgsSchema, RevisionPageSchema, RevisionSchema
from flaskblog.extensions import db
from flaskblog.models import MAX_ID, Post, Revision, User

# --- Revisions --------------------------------------------------------------------------------


def own_post_or_404(post_id: int, user: User) -> Post:
    """The post if `user` wrote it; anyone else's is a 404 (its history is its author's)."""
    post = visible_post_or_404(post_id, user)
    if not post.is_by(user):
        raise ApiError(404, f"There is no post {post_id} of yours.")
    return post


@bp.route("/posts/<int(max=None):post_id>/revisions", methods=["GET"])
@token_required
@bp.doc(**NEEDS_TOKEN)
@bp.arguments(PageArgsSchema, location="query", as_kwargs=True)
@bp.response(200, RevisionPageSchema)
@error(401, "No valid token was sent.")
@error(404, "No such post of yours, or no such page.")
@common_errors
def list_revisions(page: int, per_page: int, post_id: int):
    """Your post's revisions, newest first (without their text)."""
    post = own_post_or_404(post_id, g.user)
    query = (
        post.revisions.select()
        .options(joinedload(Revision.author), defer(Revision.content))
        .order_by(None)
        .order_by(Revision.is_pending.desc(), Revision.created_at.desc(), Revision.id.desc())
    )
    return paginate(query, page, per_page)


@bp.route("/posts/<int(max=None):post_id>/revisions/<int(max=None):revision_id>", methods=["GET"])
@token_required
@bp.doc(**NEEDS_TOKEN)
@bp.response(200, RevisionSchema)
@error(401, "No valid token was sent.")
@error(404, "No such post of yours, or no such revision of it.")
@common_errors
def get_revision(post_id: int, revision_id: int):
    """One revision of your post, with its title, content, tags and summary."""
    post = own_post_or_404(post_id, g.user)
    revision = (
        db.session.scalar(
            post.revisions.select()
            .where(Revision.id == revision_id)
            .options(joinedload(Revision.author))
        )
        if revision_id <= MAX_ID
        else None
    )
    if revision is None:
        raise ApiError(404, f"Post {post_id} has no revision {revision_id}.")
    return revision
