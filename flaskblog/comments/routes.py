"""Views for writing and deleting comments."""

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from flaskblog.comments import bp
from flaskblog.comments.forms import CommentForm
from flaskblog.decorators import confirmed_required
from flaskblog.extensions import db, limiter
from flaskblog.models import Comment, Post
from flaskblog.posts.routes import get_post_or_404, render_post_page
from flaskblog.security import user_or_address_key


def login_to_return_to(post: Post, anchor: str, message: str):
    """Send a visitor to log in, and back to this place on the post afterwards.

    Not @login_required: it would bring them back to this POST-only URL, a 405.
    """
    flash(message, "info")
    return redirect(url_for("auth.login", next=f"{post.url}#{anchor}"))


@bp.route("/post/<int:post_id>/comment", methods=["POST"])
@limiter.limit("5/minute;100/day", key_func=user_or_address_key)
@confirmed_required
def create(post_id: int):
    post = get_post_or_404(post_id)
    if not post.is_published:
        abort(404)  # drafts take no comments, not even from their author
    if not current_user.is_authenticated:
        return login_to_return_to(post, "comment-form", "Please log in to comment.")
    form = CommentForm()
    if not form.validate_on_submit():
        # The post page again, with the error under the field and the text still in it.
        return render_post_page(post, form)
    comment = Comment(body=form.body.data, post=post, author=current_user)
    db.session.add(comment)
    db.session.commit()
    flash("Your comment has been posted.", "success")
    return redirect(f"{post.url}#comment-{comment.id}")


@bp.route("/comment/<int:comment_id>/delete", methods=["POST"])
def delete(comment_id: int):
    comment = db.get_or_404(Comment, comment_id, options=[joinedload(Comment.post)])
    post = comment.post
    if not post.can_view(current_user):
        abort(404)
    if not current_user.is_authenticated:
        return login_to_return_to(post, f"comment-{comment.id}", "Please log in to do that.")
    if not comment.can_delete(current_user):
        abort(403)
    db.session.delete(comment)
    db.session.commit()
    flash("The comment has been deleted.", "success")
    return redirect(f"{post.url}#comments")
