"""Views for writing, previewing, reading, editing and deleting posts, drafts and tags, and
for the comments under a post."""

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_limiter import RequestLimit
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from flaskblog.caching import cached_for_anonymous
from flaskblog.decorators import confirmed_required
from flaskblog.extensions import db, limiter
from flaskblog.models import Comment, Post, Tag
from flaskblog.pagination import page_number, paginate
from flaskblog.posts import bp
from flaskblog.posts.forms import CommentForm, PostForm
from flaskblog.rendering import render_markdown
from flaskblog.security import user_or_address_key
from flaskblog.urls import post_url

# Every save and preview renders the whole post (at worst about a second for 50,000
# characters). A writer saves now and then but previews as they type, and will autosave:
# generous per minute, bounded per hour, per user.
EDIT_LIMIT = "10/minute;100/hour"
PREVIEW_LIMIT = "20/minute;300/hour"


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
    if comment_form is None and post.is_published and current_user.is_authenticated:
        comment_form = CommentForm()
    return render_template(
        "posts/post.html",
        title=post.title,
        post=post,
        comments=post.comments,
        comment_form=comment_form,
    )


def saved_message(form: PostForm) -> str:
    return "Your draft has been saved." if form.is_draft else "Your post is published."


def render_editor(form: PostForm, legend: str, preview_html: str | None = None):
    return render_template(
        "posts/create_post.html",
        title=legend,
        legend=legend,
        form=form,
        preview_html=preview_html,
    )


@bp.route("/post/new", methods=["GET", "POST"])
@limiter.limit("5/minute;50/day", key_func=user_or_address_key, methods=["POST"])
@login_required
@confirmed_required
def new_post():
    form = PostForm()
    if form.validate_on_submit():
        post = Post(
            title=form.title.data,
            content=form.content.data,
            author=current_user,
            is_published=not form.is_draft,
            tags=Tag.named(form.tag_names),
        )
        form.apply_cover(post)
        db.session.add(post)
        db.session.commit()
        flash(saved_message(form), "success")
        return redirect(post_url(post))
    return render_editor(form, "New post")


def too_long_message(length: int) -> str:
    return (
        f"A post can be at most {Post.CONTENT_LENGTH:,} characters long; this one has {length:,}."
    )


def preview_fragment(preview_html: str = "", message: str | None = None, status: int = 200):
    """Just the rendered post, or why there is none, for the editor's script to show."""
    return make_response(
        render_template("posts/_preview.html", preview_html=preview_html, preview_message=message),
        status,
    )


def preview_limited(limit: RequestLimit):
    """on_breach for the preview: the editor's script shows the 429 in place of the preview,
    rather than swapping the editor for the error page."""
    if request.args.get("fragment"):
        return preview_fragment(
            message="Too many previews in a short time. Please wait a moment and try again.",
            status=429,
        )
    return None


@bp.route("/post/preview", methods=["POST"])
@limiter.limit(PREVIEW_LIMIT, key_func=user_or_address_key, on_breach=preview_limited)
@login_required
@confirmed_required
def preview():
    form = PostForm()
    content = form.content.data or ""
    # The editor's script asks for just the rendered post (?fragment=1), to show beside the form.
    fragment = bool(request.args.get("fragment"))
    legend = "Edit post" if form.post_id.data else "New post"
    if len(content) > Post.CONTENT_LENGTH:
        # Checked before rendering: the cost of a render grows with the length.
        if fragment:
            return preview_fragment(message=too_long_message(len(content)), status=400)
        form.content.errors = [too_long_message(len(content))]
        return render_editor(form, legend)
    preview_html = render_markdown(content).html
    if fragment:
        return preview_fragment(preview_html)
    return render_editor(form, legend, preview_html)


@bp.route("/post/<int:post_id>")
@bp.route("/post/<int:post_id>/<slug:slug>")
@cached_for_anonymous
def post(post_id: int, slug: str | None = None):
    post = get_post_or_404(post_id)
    if slug is not None and slug != post.slug:
        return redirect(post_url(post), code=301)
    return render_post_page(post)


@bp.route("/post/<int:post_id>/update", methods=["GET", "POST"])
@limiter.limit(EDIT_LIMIT, key_func=user_or_address_key, methods=["POST"])
@login_required
@confirmed_required
def update_post(post_id: int):
    post = get_own_post_or_abort(post_id)
    # Not obj=post: the form's `tags` is text, the post's a list of Tag rows.
    tags = ", ".join(tag.name for tag in post.tags)
    form = PostForm(title=post.title, content=post.content, tags=tags, post_id=post.id)
    form.editing_cover_of(post)
    if form.validate_on_submit():
        post.title, post.content = form.title.data, form.content.data
        post.tags = Tag.named(form.tag_names)
        form.apply_cover(post)
        if form.is_draft:
            post.unpublish()
        else:
            post.publish()
        db.session.commit()
        flash(saved_message(form), "success")
        return redirect(post_url(post))
    return render_editor(form, "Edit post")


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
    return render_template("posts/drafts.html", title="Your drafts", posts=posts)


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
