"""Views for writing, reading, editing and deleting posts."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from flaskblog.extensions import db
from flaskblog.models import Post
from flaskblog.posts import bp
from flaskblog.posts.forms import PostForm


def get_post_or_404(post_id: int) -> Post:
    """The post with its author, or a 404."""
    return db.get_or_404(Post, post_id, options=[joinedload(Post.author)])


def get_own_post_or_abort(post_id: int) -> Post:
    """The post if the current user may change it: 404 if missing, 403 if someone else's."""
    post = get_post_or_404(post_id)
    if not post.can_edit(current_user):
        abort(403)
    return post


@bp.route("/post/new", methods=["GET", "POST"])
@login_required
def new_post():
    form = PostForm()
    if form.validate_on_submit():
        post = Post(title=form.title.data, content=form.content.data, author=current_user)
        db.session.add(post)
        db.session.commit()
        flash("Your post has been published.", "success")
        return redirect(url_for("posts.post", post_id=post.id))
    return render_template("posts/create_post.html", title="New post", form=form, legend="New post")


@bp.route("/post/<int:post_id>")
def post(post_id: int):
    post = get_post_or_404(post_id)
    return render_template("posts/post.html", title=post.title, post=post)


@bp.route("/post/<int:post_id>/update", methods=["GET", "POST"])
@login_required
def update_post(post_id: int):
    post = get_own_post_or_abort(post_id)
    form = PostForm(obj=post)
    if form.validate_on_submit():
        post.title, post.content = form.title.data, form.content.data
        db.session.commit()
        flash("Your post has been updated.", "success")
        return redirect(url_for("posts.post", post_id=post.id))
    return render_template(
        "posts/create_post.html", title="Edit post", form=form, legend="Edit post"
    )


@bp.route("/post/<int:post_id>/delete", methods=["POST"])
@login_required
def delete_post(post_id: int):
    post = get_own_post_or_abort(post_id)
    db.session.delete(post)
    db.session.commit()
    flash("Your post has been deleted.", "success")
    return redirect(url_for("main.home"))
