"""Private messages between two readers, grouped into conversations.

The schema is shaped by the two reads every page makes:

- "My conversations, newest first" (/messages). Each conversation has one row per
  participant in `conversation_members`, holding the other participant, when the last
  message was sent, and how many messages are unread for that participant. The listing is
  then one index range, `ix_conversation_members_user_last` (user_id, last_message_at), read
  in order and cut by LIMIT: no sort, no scan of messages, however many messages or
  conversations a reader has. The alternative, one row per conversation with two user
  columns, needs "user_low = me OR user_high = me" merged and sorted on every page view.
  Sending a message writes both members' `last_message_at` (two small updates by primary
  key), which is what pays for the read.
- "How many unread messages?" (the header, on every page). The members' `unread_count` is
  kept as a counter (raised in SQL, so concurrent sends add up), and a partial index on
  the members that have unread messages makes the sum one short index range. Opening a
  conversation sets it back to 0 and notes `last_read_at`, which tells the page which
  messages are new.

A conversation's messages are read newest first through `ix_messages_conversation_created`.
`conversations` keeps the pair too (unique: one conversation per pair, even when both send a
first message at once), so deleting either account deletes the whole conversation.
"""

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Text,
    UniqueConstraint,
    func,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship, with_expression

from flaskblog.extensions import db
from flaskblog.models.block import Block
from flaskblog.models.types import UTCDateTime, utcnow
from flaskblog.models.user import User
from flaskblog.rendering import render_comment


class Conversation(db.Model):
    """Two readers' private exchange; each sees it through their ConversationMember row.

    The pair is kept here too, lower id first: one conversation per pair (unique), and
    deleting either account deletes the conversation with all its messages (cascades)."""

    __tablename__ = "conversations"

    # Private: on no public page.
    shown_on_public_pages = False

    id: Mapped[int] = mapped_column(primary_key=True)
    low_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    high_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("low_user_id < high_user_id", name="ordered_pair"),
        UniqueConstraint("low_user_id", "high_user_id"),
    )

    def __repr__(self) -> str:
        return f"<Conversation {self.id}>"


class ConversationMember(db.Model):
    """A conversation as one participant (`user`) sees it: with whom (`other`), when the
    last message was sent, and how many messages they have not read yet."""

    __tablename__ = "conversation_members"

    shown_on_public_pages = False

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    unread_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    other: Mapped[User] = relationship(foreign_keys=[other_id], lazy="joined")

    # Loaded only by ConversationMember.listing: the newest message's text.
    last_body: Mapped[str | None] = query_expression()

    __table_args__ = (
        # A reader's conversations, newest first (the /messages page).
        Index("ix_conversation_members_user_last", "user_id", "last_message_at", "other_id"),
        # The header's unread count reads only the conversations with unread messages.
        Index(
            "ix_conversation_members_unread",
            "user_id",
            "unread_count",
            postgresql_where=unread_count > 0,
            sqlite_where=unread_count > 0,
        ),
    )

    def __repr__(self) -> str:
        return f"<ConversationMember {self.user_id} with {self.other_id}>"

    @classmethod
    def of(cls, user: User, other: User) -> "ConversationMember | None":
        """`user`'s side of their conversation with `other`, if they have one."""
        return db.session.get(cls, (user.id, other.id))

    @classmethod
    def listing(cls, user: User):
        """A select of `user`'s conversations, newest message first, each with the text of
        its newest message (read through the messages' index, one row a conversation)."""
        newest = (
            db.select(Message.body)
            .where(Message.conversation_id == cls.conversation_id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
            .correlate(cls)
            .scalar_subquery()
        )
        return (
            db.select(cls)
            .where(cls.user_id == user.id)
            .options(with_expression(cls.last_body, newest))
            .order_by(cls.last_message_at.desc(), cls.other_id.desc())
        )

    def mark_read(self) -> datetime:
        """Mark every message of the conversation read; returns when it was last read
        before (the dawn of time: never), which tells the page the messages that are new."""
        before = self.last_read_at or datetime.min.replace(tzinfo=UTC)
        self.unread_count, self.last_read_at = 0, utcnow()
        return before


class Message(db.Model):
    """One private message from `sender` in a conversation."""

    __tablename__ = "messages"

    shown_on_public_pages = False

    # Every form and message reads the limit from here.
    MAX_LENGTH = 5000

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sender: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        # A conversation's messages, newest first; the listing's preview reads one from it.
        Index("ix_messages_conversation_created", "conversation_id", "created_at", "id"),
    )

    def __repr__(self) -> str:
        return f"<Message {self.id} in conversation {self.conversation_id}>"

    @property
    def body_html(self):
        """The message as safe HTML: escaped, with its line breaks and links (as comments)."""
        return render_comment(self.body)

    @classmethod
    def in_conversation(cls, conversation_id: int):
        """A select of a conversation's messages, newest first."""
        return (
            db.select(cls)
            .where(cls.conversation_id == conversation_id)
            .order_by(cls.created_at.desc(), cls.id.desc())
        )

    @classmethod
    def count_by_since(cls, user_id: int, since: datetime) -> int:
        """How many messages a user has sent since `since`."""
        return db.session.scalar(
            db.select(func.count(cls.id)).where(cls.sender_id == user_id, cls.created_at >= since)
        )


def _members_of(sender: User, recipient: User) -> ConversationMember:
    """The sender's side of their conversation with `recipient`, starting the conversation
    (both sides) if there is none. Two first messages sent at once both end up in one
    conversation: the pair is unique, so only one is made and the other side re-reads."""
    mine = ConversationMember.of(sender, recipient)
    if mine is not None:
        return mine
    try:
        with db.session.begin_nested():
            low, high = sorted((sender.id, recipient.id))
            conversation = Conversation(low_user_id=low, high_user_id=high)
            db.session.add(conversation)
            db.session.flush()
            now = utcnow()
            mine = ConversationMember(
                user_id=sender.id,
                other_id=recipient.id,
                conversation_id=conversation.id,
                last_message_at=now,
                last_read_at=now,
            )
            theirs = ConversationMember(
                user_id=recipient.id,
                other_id=sender.id,
                conversation_id=conversation.id,
                last_message_at=now,
            )
            db.session.add_all([mine, theirs])
    except IntegrityError:
        mine = ConversationMember.of(sender, recipient)
        if mine is None:
            raise
    return mine


def send_message(sender: User, recipient: User, body: str) -> Message:
    """Add a message from `sender` to `recipient` (not committed): both sides' conversation
    moves to the top of their list, and the recipient has one more unread message.

    The caller checks who may message whom (see messaging_refusal)."""
    mine = _members_of(sender, recipient)
    now = utcnow()
    message = Message(conversation_id=mine.conversation_id, sender_id=sender.id, body=body)
    message.created_at = now
    db.session.add(message)
    mine.last_message_at, mine.last_read_at = now, now
    db.session.execute(
        update(ConversationMember)
        .where(
            ConversationMember.user_id == recipient.id,
            ConversationMember.other_id == sender.id,
        )
        .values(
            last_message_at=now,
            unread_count=ConversationMember.unread_count + 1,
        )
        .execution_options(synchronize_session="fetch")
    )
    return message


def unread_messages_of(user_id):
    """A scalar subquery: how many messages `user_id` (an id or a column) has not read.
    For one query that also counts other things (the header's unread counts)."""
    return (
        db.select(func.coalesce(func.sum(ConversationMember.unread_count), 0))
        .where(ConversationMember.user_id == user_id, ConversationMember.unread_count > 0)
        .scalar_subquery()
    )


def count_unread_messages(user: User) -> int:
    """How many of `user`'s messages are unread (one query, on the partial index)."""
    return db.session.scalar(db.select(unread_messages_of(user.id)))


def messaging_refusal(sender: User, recipient: User) -> str | None:
    """Why `sender` may not message `recipient` (themselves, a disabled account, a block
    either way); None if they may."""
    if sender.id == recipient.id:
        return _("You cannot send a message to yourself.")
    if not recipient.is_active:
        return _(
            "%(name)s's account is disabled: it cannot receive messages.", name=recipient.username
        )
    if Block.exists(recipient, sender):
        return _("%(name)s has blocked you: your message was not sent.", name=recipient.username)
    if Block.exists(sender, recipient):
        return _(
            "You have blocked %(name)s: unblock them to send a message.", name=recipient.username
        )
    return None
