"""Views for reading and deleting posts, drafts and tags, and for the comments under a post.
Writing, previewing and editing are the editor's (flaskblog/posts/editor.py)."""

import functools

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from flaskblog.caching import cached_for_anonymous, remembered, shared_fragment
from flaskblog.decorators import confirmed_required
from flaskblog.extensions import db, limiter
from flaskblog.mentions import mentioned_in_comments, notify_reply_and_mentions
from flaskblog.models import Bookmark, Comment, Post, Tag
from flaskblog.models.block import comment_refusal
from flaskblog.models.comment import threads
from flaskblog.models.notification import COMMENT, notify
from flaskblog.models.post_links import links_from
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


def render_post_page(
    post: Post, comment_form: CommentForm | None = None, reply_to: int | None = None
):
    """The post page with its comments; a comment form that failed comes back with its
    errors. `reply_to` (from the Reply control) puts a new form under that comment's thread."""
    comments = post.comments
    if comment_form is None and post.accepts_comments and current_user.is_authenticated:
        comment_form = reply_form(comments, reply_to)
    thread = thread_for(comments, comment_form.parent_id.data) if comment_form else None
    if thread is not None:
        comment_form.body.label.text = _("Your reply to %(name)s", name=thread.author.username)
    elif comment_form is not None:
        comment_form.parent_id.data = None  # the form at the foot posts a comment of its own
    return render_template(
        "posts/post.html",
        title=post.title,
        post=post,
        comments=comments,
        threads=threads(comments),
        reply_thread=thread,
        profile_url=profile_links(c for c in comments if not c.is_hidden_from(current_user)),
        comment_form=comment_form,
        bookmarked=current_user.is_authenticated and Bookmark.exists(current_user, post),
        post_in_full=shown_alike(post, "in-full", lambda: post_in_full(post)),
        after_post=shown_alike(post, "after", lambda: after_post(post)),
        comment_shown=comment_shown_alike(post, can_reply=bool(comment_form)),
    )


def shown_alike(post: Post, part: str, make):
    """A part of the post page that is the same for every reader of a public post: made
    once for all logged-in readers (caching.shared_fragment). A draft or a scheduled post
    is only its author's and the admins', and made for each."""
    if not post.is_public:
        return Markup(make())  # noqa: S704  # nosec B704  (made by a template, escaped there)
    return shared_fragment(f"post:{post.id}:{part}", make)


def comment_shown_alike(post: Post, *, can_reply: bool):
    """`shown(article, comment, parent, has_replies)`: the comment as `article` (the page's
    macro) renders it, made once for every reader who may do the same things with it
    (reply, hide, delete, report; see it or "hidden by a moderator") in a language and time
    zone, with each reader's CSRF token put in. On a page that is not public, made for each."""
    reader = current_user

    def shown(article, comment: Comment, parent: Comment | None = None, has_replies=False):
        def make():
            return article(comment, parent, has_replies)

        if not post.is_public:
            return make()
        may = (
            can_reply and reader.is_confirmed,
            comment.can_moderate(reader),
            comment.can_delete(reader),
            reader.is_authenticated and comment.user_id != reader.id,
            comment.is_hidden_from(reader),
        )
        flags = "".join("1" if flag else "0" for flag in may)
        name = f"post:{post.id}:comment:{comment.id}:{parent.id if parent else 0}"
        name += f":{int(has_replies)}:{flags}"
        return shared_fragment(name, make, holds_token=reader.is_authenticated)

    return shown


def post_in_full(post: Post) -> str:
    """The post itself, as its page shows it."""
    return render_template("posts/_post_in_full.html", post=post)


def after_post(post: Post) -> str:
    """The end of the post, before its comments: its author's card and where to read on."""
    # The same for every reader and unchanged until a write: kept with the cached pages.
    neighbours, related = remembered(f"post-links:{post.id}", lambda: links_from(post))
    return render_template(
        "posts/_after_post.html", post=post, neighbours=neighbours, related=related
    )


def thread_for(comments: list[Comment], comment_id: int | None) -> Comment | None:
    """The comment `comment_id` if it starts a thread that takes replies (not a reply, not
    hidden), else None."""
    found = next((comment for comment in comments if comment.id == comment_id), None)
    return None if found is None or found.is_reply or found.is_hidden else found


def reply_form(comments: list[Comment], reply_to: int | None) -> CommentForm:
    """The comment form; replying to `reply_to`, it answers that comment's thread (replies
    go one level deep), and a reply to a reply starts with its author's @name."""
    replied = next((comment for comment in comments if comment.id == reply_to), None)
    if replied is None:
        return CommentForm()
    thread = thread_for(comments, replied.parent_id or replied.id)
    if thread is None:
        return CommentForm()
    form = CommentForm(parent_id=thread.id)
    if replied.is_reply and replied.user_id != current_user.id:
        form.body.data = f"@{replied.author.username} "  # set after the form's filters
    return form


def profile_links(comments):
    """The address of the profile of each @name these comments mention that is an active
    user's (lower-case name), None for any other name: one query for the page."""
    mentioned = functools.cache(lambda: mentioned_in_comments(comments))  # not if all are kept

    def profile_url(name: str) -> str | None:
        user = mentioned().get(name)
        return url_for("users.user_posts", username=user.username) if user else None

    return profile_url


@bp.route("/post/<int:post_id>")
@bp.route("/post/<int:post_id>/<slug:slug>")
@cached_for_anonymous
def post(post_id: int, slug: str | None = None):
    post = get_post_or_404(post_id)
    if slug is not None and slug != post.slug:
        return redirect(post_url(post), code=301)
    return render_post_page(post, reply_to=request.args.get("reply_to", type=int))


@bp.route("/post/<int:post_id>/delete", methods=["POST"])
@login_required
def delete_post(post_id: int):
    post = get_own_post_or_abort(post_id)
    yours = post.is_by(current_user)  # else an admin's moderation
    db.session.delete(post)
    db.session.commit()
    flash(_("Your post has been deleted.") if yours else _("The post has been deleted."), "success")
    return redirect(url_for("main.home"))


@bp.route("/drafts")
@login_required
def drafts():
    posts = paginate(Post.drafts_of(current_user), page_number()) or abort(404)
    scheduled = db.session.scalars(Post.scheduled_of(current_user)).all()
    return render_template(
        "posts/drafts.html", title=_("Your drafts"), posts=posts, scheduled=scheduled
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
    title = _("Posts tagged %(tag)s", tag=found.name)
    return render_template("posts/tag.html", title=title, tag=found, posts=posts)


@bp.route("/tags")
@cached_for_anonymous
def tags():
    return render_template("posts/tags.html", title=_("Tags"), tags=Tag.with_post_counts())


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
        return login_to_return_to(post, "comment-form", _("Please log in to comment."))
    if not post.comments_enabled:
        abort(403, _("Comments are closed on this post."))
    form = CommentForm()
    if not form.validate_on_submit():
        # The post page again, with the error under the field and the text still in it.
        return render_post_page(post, form)
    parent = None
    if form.parent_id.data is not None:
        parent = db.session.get(Comment, form.parent_id.data)
        if refusal := Comment.reply_refusal(post, parent):
            form.form_errors.append(refusal)
            return render_post_page(post, form), 400
    verdict = spam_verdict(form, "comment", current_user.id)
    if verdict == "honeypot":  # a bot: told it worked, so it learns nothing
        flash(_("Your comment has been posted."), "success")
        return redirect(f"{post_url(post)}#comments")
    blocked = comment_refusal(current_user, post, parent)
    if blocked:
        form.form_errors.append(blocked)
        return render_post_page(post, form), 403
    refusal = new_account_refusal(current_user, "comment")
    if verdict or refusal:
        if refusal:
            form.form_errors.append(refusal)
        return render_post_page(post, form), 429 if refusal else 400
    comment = Comment(body=form.body.data, post=post, author=current_user, parent=parent)
    db.session.add(comment)
    db.session.flush()  # the notifications name the comment
    # Whom the comment answers or names is told here, each once. It returns whom it told:
    # the post's author among them is not told of it again as a COMMENT.
    if post.user_id not in notify_reply_and_mentions(comment, parent):
        notify(post.author, COMMENT, current_user, post=post, comment=comment)
    db.session.commit()
    posted = _("Your reply has been posted.") if parent else _("Your comment has been posted.")
    flash(posted, "success")
    return redirect(f"{post_url(post)}#comment-{comment.id}")


@bp.route("/comment/<int:comment_id>/delete", methods=["POST"])
def delete_comment(comment_id: int):
    comment = db.get_or_404(Comment, comment_id, options=[joinedload(Comment.post)])
    post = comment.post
    if not post.can_view(current_user):
        abort(404)
    if not current_user.is_authenticated:
        return login_to_return_to(post, f"comment-{comment.id}", _("Please log in to do that."))
    if not comment.can_delete(current_user):
        abort(403)
    db.session.delete(comment)
    db.session.commit()
    flash(_("The comment has been deleted."), "success")
    return redirect(f"{post_url(post)}#comments")
