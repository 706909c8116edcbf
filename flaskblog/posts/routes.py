"""Views for reading and deleting posts, drafts and tags, and for the comments under a post.
Writing, previewing and editing are the editor's (flaskblog/posts/editor.py)."""

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from flaskblog.caching import cached_for_anonymous
from flaskblog.decorators import confirmed_required
from flaskblog.extensions import db, limiter
from flaskblog.models import Bookmark, Comment, Post, Tag
from flaskblog.models.post_links import Neighbours, neighbours, related_posts
from flaskblog.pagination import page_number, paginate
from flaskblog.posts import bp
from flaskblog.posts.forms import CommentForm
from flaskblog.security import user_or_address_key
from flaskblog.spam import new_account_refusal, spam_verdict
from flaskblog.urls import post_url


def get_post_or_404(post_id: int) -> Post:
    """The post with its author, or a 404; someone else's draft is a 404 too."""
    post = db.get_or_404(Post, post_id, options=[joinedload(Post.author)])
    if not post.can_view(current_user):
        abort(404)
    return post


def get_own_post_or_abort(post_id: int) -> Post:
    """The post if the current user may change it: 404 if missing or someone else's draft,
    403 if someone else's published post and the user is not an admin."""
    post = get_post_or_404(post_id)
    if not post.can_edit(current_user):
        abort(403)
    return post


def render_post_page(post: Post, comment_form: CommentForm | None = None):
    """The post page with its comments; a comment form that failed comes back with its errors."""
    if comment_form is None and post.accepts_comments and current_user.is_authenticated:
        comment_form = CommentForm()
    public = post.is_public  # a draft has no place in its author's listing yet
    return render_template(
        "posts/post.html",
        title=post.title,
        post=post,
        comments=post.comments,
        comment_form=comment_form,
        bookmarked=current_user.is_authenticated and Bookmark.exists(current_user, post),
        neighbours=neighbours(post) if public else Neighbours(),
        related=related_posts(post) if public else [],
    )


@bp.route("/post/<int:post_id>")
@bp.route("/post/<int:post_id>/<slug:slug>")
@cached_for_anonymous
def post(post_id: int, slug: str | None = None):
    post = get_post_or_404(post_id)
    if slug is not None and slug != post.slug:
        return redirect(post_url(post), code=301)
    return render_post_page(post)


@bp.route("/post/<int:post_id>/delete", methods=["POST"])
@login_required
def delete_post(post_id: int):
    post = get_own_post_or_abort(post_id)
    whose = "Your" if post.is_by(current_user) else "The"  # an admin's moderation
    db.session.delete(post)
    db.session.commit()
    flash(f"{whose} post has been deleted.", "success")
    return redirect(url_for("main.home"))


@bp.route("/drafts")
@login_required
def drafts():
    posts = paginate(Post.drafts_of(current_user), page_number()) or abort(404)
    scheduled = db.session.scalars(Post.scheduled_of(current_user)).all()
    return render_template(
        "posts/drafts.html", title="Your drafts", posts=posts, scheduled=scheduled
    )


@bp.route("/tag/<tag>")
@cached_for_anonymous
def tag(tag: str):
    found = Tag.by_name(tag)
    if found is None:
        abort(404)
    posts = paginate(Post.newest_first(tag=found), page_number()) or abort(404)
    if not posts.items:
        abort(404)  # a tag only drafts use is not public yet
    title = f"Posts tagged {found.name}"
    return render_template("posts/tag.html", title=title, tag=found, posts=posts)


@bp.route("/tags")
@cached_for_anonymous
def tags():
    return render_template("posts/tags.html", title="Tags", tags=Tag.with_post_counts())


def login_to_return_to(post: Post, anchor: str, message: str):
    """Send a visitor to log in, and back to this place on the post afterwards.

    Not @login_required: it would bring them back to this POST-only URL, a 405.
    """
    flash(message, "info")
    return redirect(url_for("auth.login", next=f"{post_url(post)}#{anchor}"))


@bp.route("/post/<int:post_id>/comment", methods=["POST"])
@limiter.limit("5/minute;100/day", key_func=user_or_address_key)
@confirmed_required
def create_comment(post_id: int):
    post = get_post_or_404(post_id)
    if not post.is_public:
        abort(404)  # drafts and scheduled posts take no comments, not even from their author
    if not current_user.is_authenticated:
        return login_to_return_to(post, "comment-form", "Please log in to comment.")
    if not post.comments_enabled:
        abort(403, "Comments are closed on this post.")
    form = CommentForm()
    if not form.validate_on_submit():
        # The post page again, with the error under the field and the text still in it.
        return render_post_page(post, form)
    verdict = spam_verdict(form, "comment", current_user.id)
    if verdict == "honeypot":  # a bot: told it worked, so it learns nothing
        flash("Your comment has been posted.", "success")
        return redirect(f"{post_url(post)}#comments")
    refusal = new_account_refusal(current_user, "comment")
    if verdict or refusal:
        if refusal:
            form.form_errors.append(refusal)
        return render_post_page(post, form), 429 if refusal else 400
    comment = Comment(body=form.body.data, post=post, author=current_user)
    db.session.add(comment)
    db.session.commit()
    flash("Your comment has been posted.", "success")
    return redirect(f"{post_url(post)}#comment-{comment.id}")


@bp.route("/comment/<int:comment_id>/delete", methods=["POST"])
def delete_comment(comment_id: int):
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
    return redirect(f"{post_url(post)}#comments")
