"""Views for private messages: the list of conversations and one conversation."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from flaskblog.decorators import confirmed_required
from flaskblog.extensions import db, limiter
from flaskblog.lookups import get_user_or_404
from flaskblog.messages import bp
from flaskblog.messages.forms import MessageForm
from flaskblog.models import ConversationMember, Message, User
from flaskblog.models.message import messaging_refusal, send_message
from flaskblog.models.unread import forget_unread_counts
from flaskblog.pagination import Page, page_number, paginate_rows
from flaskblog.security import user_or_address_key

CONVERSATIONS_PER_PAGE = 20
MESSAGES_PER_PAGE = 20
# As comments are limited: enough for a conversation, too few for a flood.
SEND_LIMIT = "10/minute;300/day"


@bp.route("/messages")
@login_required
@confirmed_required
def conversations():
    listing = ConversationMember.listing(current_user)
    page = paginate_rows(listing, page_number(), CONVERSATIONS_PER_PAGE) or abort(404)
    return render_template("messages/conversations.html", title=_("Messages"), conversations=page)


@bp.route("/messages/<username>", methods=["GET", "POST"])
@limiter.limit(SEND_LIMIT, key_func=user_or_address_key, methods=["POST"])
@login_required
@confirmed_required
def conversation(username: str):
    other = get_user_or_404(username)
    refusal = messaging_refusal(current_user, other)
    if other.id == current_user.id:
        flash(refusal, "warning")
        return redirect(url_for("messages.conversations"))
    form = MessageForm()
    if request.method == "POST" and refusal:
        return render_conversation(other, form, refusal), 403
    if form.validate_on_submit():
        send_message(current_user, other, form.body.data)
        db.session.commit()
        flash(_("Your message to %(name)s has been sent.", name=other.username), "success")
        return redirect(url_for("messages.conversation", username=other.username))
    return render_conversation(other, form, refusal)


def render_conversation(other: User, form: MessageForm, refusal: str | None):
    """A page of the conversation with `other`, newest first, its messages marked read
    (those that were unread are marked new on the page); the form, or why there is none."""
    member = ConversationMember.of(current_user, other)
    new_after = None
    if member is not None and member.unread_count:
        new_after = member.mark_read()
        db.session.commit()
        forget_unread_counts(current_user._get_current_object())
    page = page_number()
    if member is None:
        messages = Page([], page, MESSAGES_PER_PAGE, 0) if page == 1 else None
    else:
        in_order = Message.in_conversation(member.conversation_id)
        messages = paginate_rows(in_order, page, MESSAGES_PER_PAGE)
    if messages is None:
        abort(404)
    return render_template(
        "messages/conversation.html",
        title=_("Messages with %(name)s", name=other.username),
        other=other,
        messages=messages,
        form=form,
        refusal=refusal,
        new_after=new_after,
    )
