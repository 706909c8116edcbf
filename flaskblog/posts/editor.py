"""The editor: writing, previewing, autosaving and editing a post, with the buttons each
state of a post offers, and publishing limits that count only saves."""

import math
import time

from flask import flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RequestLimit
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.exceptions import BadRequest, HTTPException, NotFound, TooManyRequests

from flaskblog import revisions
from flaskblog.announcements import announce_later
from flaskblog.dates import exact_time, sentence_with
from flaskblog.decorators import confirmed_required
from flaskblog.extensions import db, limiter
from flaskblog.json_errors import json_error
from flaskblog.models import Post, Tag, utcnow
from flaskblog.posts import bp
from flaskblog.posts.forms import AutosaveForm, PostForm
from flaskblog.posts.routes import get_own_post_or_abort
from flaskblog.rendering import render_markdown
from flaskblog.security import in_words, user_or_address_key
from flaskblog.spam import new_account_refusal
from flaskblog.timezones import time_of_day, to_local, zone_name
from flaskblog.urls import post_url

# Every save and preview renders the whole post (at worst about a second for 50,000
# characters). A writer saves now and then but previews as they type, and will autosave:
# generous per minute, bounded per hour, per user.
# Only saves count against the publishing limits (a form sent back with errors, a preview
# or an autosave do not): see `saved`.
NEW_POST_LIMIT = "5/minute;50/day"
EDIT_LIMIT = "10/minute;100/hour"
PREVIEW_LIMIT = "20/minute;300/hour"
# The editor's script saves every few seconds while the author types.
AUTOSAVE_LIMIT = "30/minute;900/hour"


# What each state of a post offers in the editor, in the order shown: (field, label). The
# first is what Enter in a one-line field presses, so it is never one that publishes more
# than the author meant: a new post or a draft is saved as a draft, a scheduled one keeps
# its time. "preview" is shown with every state, by the template.
EDITOR_BUTTONS = {
    "new": (("save_draft", _l("Save draft")), ("submit", _l("Publish"))),
    "draft": (("save_draft", _l("Save draft")), ("submit", _l("Publish"))),
    "published": (("submit", _l("Update")), ("unpublish", _l("Unpublish"))),
    "scheduled": (("submit", _l("Publish now")), ("unpublish", _l("Back to drafts"))),
}
# The scheduling controls (publish_at and `schedule`), shown after the buttons, or before
# them for a scheduled post (Enter there keeps its time rather than publishing now).
SCHEDULE_BUTTON = {"new": _l("Schedule"), "draft": _l("Schedule"), "scheduled": _l("Change time")}


def editor_state(post: Post | None) -> str:
    """What the editor is editing: "new", "draft", "published", or "scheduled" (published
    for a time still to come)."""
    if post is None:
        return "new"
    if not post.is_published:
        return "draft"
    return "published" if post.is_public else "scheduled"


def offered_actions(state: str) -> set[str]:
    """The buttons the editor shows for `state`, the only ones the server honours."""
    actions = {name for name, _label in EDITOR_BUTTONS[state]}
    return actions | ({"schedule"} if state in SCHEDULE_BUTTON else set())


def save_from_editor(post: Post, form: PostForm, state: str) -> str | Markup:
    """Put the editor's text in `post`, do what the button pressed says, keep a revision and
    forget the autosaved one; the message to show."""
    tags = Tag.named(form.tag_names)  # before a new post joins the session: this query flushes
    post.title, post.content, post.summary = form.title.data, form.content.data, form.summary.data
    if form.comments_enabled.data is not None:  # not sent: left as it was
        post.comments_enabled = form.comments_enabled.data
    post.tags = tags
    post.author = post.author or current_user
    form.apply_cover(post)
    action = form.action or "submit"  # a client naming no button publishes, as it always did
    if action == "save_draft":
        post.unpublish()
        kind, message = "save", _("Draft saved.")
    elif action == "unpublish":
        post.unpublish()
        kind, message = "save", _("Unpublished: only you can see it now.")
    elif action == "schedule":
        post.schedule(form.publish_at_utc)
        when = exact_time(form.publish_at_utc)
        kind, message = "publish", sentence_with(_("Scheduled for %(when)s."), when=when)
    elif state == "published":
        kind, message = "update", _("Updated.")
    else:
        post.publish()
        kind, message = "publish", _("Published.")
    db.session.add(post)
    revisions.discard_pending(post)
    revisions.record(post, current_user, kind)
    return message


def render_editor(
    form: PostForm,
    post: Post | None = None,
    preview_html: str | None = None,
    notice: str | None = None,
    status: int = 200,
    alert: str | None = None,
):
    """The editor for `post` (None: a new post), with the buttons its state offers."""
    state = editor_state(post)
    legend = _("New post") if post is None and not form.post_id.data else _("Edit post")
    form.publish_at.label.text = _("Publish at (%(zone)s)", zone=zone_name(current_user))
    if form.comments_enabled.data is None:  # a request that did not send it
        form.comments_enabled.data = post.comments_enabled if post is not None else True
    if state == "scheduled" and not form.publish_at.data:
        form.publish_at.data = f"{to_local(post.published_at, current_user):%Y-%m-%dT%H:%M}"
    page = render_template(
        "posts/create_post.html",
        title=legend,
        legend=legend,
        form=form,
        post=post,
        state=state,
        buttons=EDITOR_BUTTONS[state],
        schedule_label=SCHEDULE_BUTTON.get(state),
        scheduled_for=exact_time(post.published_at) if state == "scheduled" else None,
        # Autosave is the author's: an admin moderating a post saves it by hand.
        autosave=post is None or post.is_by(current_user),
        preview_html=preview_html,
        notice=notice,
        alert=alert,
    )
    return make_response(page, status)


def refuse_action(form: PostForm, post: Post | None):
    """A button this post's editor does not offer (a forged or stale form): nothing saved."""
    form.form_errors.append(_("That button is not offered for this post: use one of those below."))
    return render_editor(form, post, status=400)


def saved(response) -> bool:
    """deduct_when for the publishing limits: only a save (a redirect to the post) counts,
    not a form sent back with its errors."""
    return response.status_code == 302


def editor_limited(limit: RequestLimit):
    """on_breach for the publishing limits: the editor again, text intact, saying when to
    try again, rather than the error page."""
    if not (current_user.is_authenticated and current_user.is_confirmed):
        return None
    post_id = (request.view_args or {}).get("post_id")
    post = get_own_post_or_abort(post_id) if post_id is not None else None
    seconds = max(1, math.ceil(limit.reset_at - time.time()))
    notice = _(
        "Too many saves in a short time. Please try again in %(wait)s: "
        "your text is still here, not yet saved.",
        wait=in_words(seconds),
    )
    form = PostForm(author=current_user, post_id=post.id if post else None)
    return render_editor(form, post, alert=notice, status=429)


def saves_limited(limit: str):
    """The publishing limit `limit`, per user, counting only saves (see saved) and answering
    a breach with the editor (see editor_limited)."""
    return limiter.limit(
        limit,
        key_func=user_or_address_key,
        methods=["POST"],
        deduct_when=saved,
        on_breach=editor_limited,
    )


@bp.route("/post/new", methods=["GET", "POST"])
@saves_limited(NEW_POST_LIMIT)
@login_required
@confirmed_required
def new_post():
    form = PostForm(author=current_user)
    if form.is_submitted() and form.action not in offered_actions("new") | {None}:
        return refuse_action(form, None)
    if form.validate_on_submit():
        refusal = new_account_refusal(current_user, "post")
        if refusal:
            form.form_errors.append(refusal)
            return render_editor(form, status=429)
        post = Post(is_published=False, date_posted=utcnow())  # written before published
        message = save_from_editor(post, form, "new")
        db.session.commit()
        announce_later(post)  # if it is public now; a scheduled one when its time comes
        flash(message, "success")
        return redirect(post_url(post))
    return render_editor(form)


def too_long_message(length: int) -> str:
    return _(
        "A post can be at most %(max)s characters long; this one has %(length)s.",
        max=format_number(Post.CONTENT_LENGTH),
        length=format_number(length),
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
            message=_("Too many previews in a short time. Please wait a moment and try again."),
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
    if len(content) > Post.CONTENT_LENGTH:
        # Checked before rendering: the cost of a render grows with the length.
        if fragment:
            return preview_fragment(message=too_long_message(len(content)), status=400)
        form.content.errors = [too_long_message(len(content))]
        return render_editor(form, editable_post(form.post_id.data))
    preview_html = render_markdown(content).html
    if fragment:
        return preview_fragment(preview_html)
    return render_editor(form, editable_post(form.post_id.data), preview_html)


def editable_post(post_id: str | None) -> Post | None:
    """The post the preview page's form goes back to, if the reader may edit it: its
    editor offers that post's buttons."""
    post = db.session.get(Post, int(post_id)) if post_id else None
    return post if post is not None and post.can_edit(current_user) else None


@bp.route("/post/<int:post_id>/update", methods=["GET", "POST"])
@saves_limited(EDIT_LIMIT)
@login_required
@confirmed_required
def update_post(post_id: int):
    post = get_own_post_or_abort(post_id)
    state = editor_state(post)
    # Filled from the post only to show it: a request that sends no form (JSON) saves nothing.
    text = editor_text(post) if request.method == "GET" else {}
    form = PostForm(author=current_user, post_id=post.id, **text)
    form.editing_cover_of(post)
    if form.is_submitted() and form.action not in offered_actions(state) | {None}:
        return refuse_action(form, post)
    if form.validate_on_submit():
        message = save_from_editor(post, form, state)
        db.session.commit()
        if state != "published":
            announce_later(post)  # published now: a draft's or a scheduled post's first day
        flash(message, "success")
        return redirect(post_url(post))
    return render_editor(form, post, notice=None if form.is_submitted() else pending_notice(post))


def editor_text(post: Post) -> dict:
    """What the editor of `post` starts with: the autosaved text not yet published, if any."""
    source = revisions.pending_for(post) or post
    # Not obj=post: the form's `tags` is text, the post's a list of Tag rows.
    tags = source.tags if source is not post else ", ".join(tag.name for tag in post.tags)
    return {
        "title": source.title,
        "content": source.content,
        "tags": tags,
        "summary": source.summary,
        "comments_enabled": post.comments_enabled,
    }


def pending_notice(post: Post) -> str | Markup | None:
    pending = revisions.pending_for(post)
    if pending is None:
        return None
    when = exact_time(pending.created_at)
    button = dict(EDITOR_BUTTONS[editor_state(post)])["submit"]
    if pending.kind == "restore":
        return _(
            "This is the version you restored, not yet published: readers still see the post "
            "as it was. “%(button)s” publishes it.",
            button=button,
        )
    return sentence_with(
        _(
            "This is your text autosaved %(when)s, not yet published: readers still see the "
            "post as it was. “%(button)s” publishes it."
        ),
        when=when,
        button=button,
    )


# Stored as the draft's title, in its author's language.
AUTOSAVE_PLACEHOLDER_TITLE = _l("Untitled draft")


def autosave_limited(limit: RequestLimit):
    """on_breach for autosave: a JSON answer the editor's script reads, not a page."""
    return json_error(TooManyRequests(), _("Too many autosaves in a short time: wait a moment."))


def autosave_error(error: HTTPException, form: AutosaveForm | None = None):
    """A JSON error for the editor's script, with the fields' own messages."""
    details = form.errors if form is not None else {}
    error.details = {name: list(messages) for name, messages in details.items()}
    return json_error(error)


@bp.route("/post/autosave", methods=["POST"])
@limiter.limit(AUTOSAVE_LIMIT, key_func=user_or_address_key, on_breach=autosave_limited)
@login_required
@confirmed_required
def autosave():
    form = AutosaveForm()
    if not form.validate_on_submit():
        first = next(iter(form.errors.values()))[0]
        return autosave_error(BadRequest(str(first)), form)
    post = db.session.get(Post, form.post_id) if form.post_id is not None else None
    if form.post_id is not None and (post is None or not post.is_by(current_user)):
        return autosave_error(NotFound(_("There is no such post of yours.")))
    if post is None and form.is_empty:
        return autosave_error(BadRequest(_("Nothing to save yet: write a title or some text.")))
    post = autosave_into(post, form)
    db.session.commit()
    saved_at = utcnow().replace(microsecond=0)
    return jsonify(
        id=post.id,
        saved_at=saved_at.isoformat(),
        saved_time=time_of_day(to_local(saved_at, current_user)),  # the account's time zone
        pending=post.is_published,
        edit_url=url_for("posts.update_post", post_id=post.id),
    )


def autosave_into(post: Post | None, form: AutosaveForm) -> Post:
    """A new post becomes a draft; a draft changes in place; a published (or scheduled)
    post keeps the text as its one pending revision, and readers still see it as it was."""
    if post is not None and post.is_published:
        revisions.save_pending(
            post,
            current_user,
            title=form.title.data or post.title,
            content=form.content.data or "",
            tags=", ".join(form.tag_names),
            summary=form.summary.data,
        )
        return post
    tags = Tag.named(form.tag_names)
    if post is None:
        post = Post(is_published=False)
    post.author = post.author or current_user
    post.title = form.title.data or str(AUTOSAVE_PLACEHOLDER_TITLE)
    post.content = form.content.data or ""
    post.summary = form.summary.data
    post.tags = tags
    db.session.add(post)
    return post
