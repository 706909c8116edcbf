"""The demo's readers: follows, bookmarks, notifications, replies, private messages, blocks
and digest choices, made among the demo users once their posts exist."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, insert
from sqlalchemy.orm import joinedload

from flaskblog.extensions import db
from flaskblog.models import (
    Block,
    Bookmark,
    Comment,
    Conversation,
    ConversationMember,
    Follow,
    Message,
    Notification,
    NotificationSettings,
    Post,
    User,
)
from flaskblog.models.notification import COMMENT, FOLLOWER, POST, REPLY, notify
from flaskblog.seed.writing import CHUNK, COMMENT_POOL, DEMO_DOMAIN, DemoWriter, demo_users

FOLLOWS_PER_READER = (2, 6)
NOTIFIED_POSTS, NOTIFIED_COMMENTS, NOTIFIED_FOLLOWERS = 4, 5, 5
# Readers given their notifications at a time: flushed, then let go of.
READER_CHUNK = 200


def add_follows_and_notifications(writer: DemoWriter, now: datetime) -> tuple[int, int]:
    """Follows for the demo readers who follow nobody yet, and notifications for those who
    have none yet (made through notify(), as the site makes them; the older half read).
    (follows, notifications) added."""
    rng = writer.rng
    users = [user_id for user_id, _ in demo_users()]
    if len(users) < 2:
        return 0, 0
    following = set(db.session.scalars(db.select(Follow.follower_id).distinct()))
    # Blocks made by an earlier run, either way: never followed across (a few rows).
    blocked = {
        frozenset(pair)
        for pair in db.session.execute(db.select(Block.blocker_id, Block.blocked_id))
    }
    follows = []
    for reader in users:
        if reader in following:
            continue
        others = rng.sample(users, min(len(users), rng.randint(*FOLLOWS_PER_READER) + 1))
        follows += [
            {"follower_id": reader, "followed_id": author, "created_at": now}
            for author in others
            if author != reader and frozenset((reader, author)) not in blocked
        ]
    if follows:
        db.session.execute(insert(Follow), follows)
        db.session.commit()
    # Replies made above notify already (REPLY, MENTION): only these kinds are this step's.
    notified = set(
        db.session.scalars(
            db.select(Notification.user_id)
            .where(Notification.kind.in_((FOLLOWER, POST, COMMENT)))
            .distinct()
        )
    )
    waiting = [reader for reader in users if reader not in notified]
    made = 0
    for start in range(0, len(waiting), READER_CHUNK):
        made += _notify_readers(waiting[start : start + READER_CHUNK], now)
    return len(follows), made


def _notify_readers(readers: list[int], now: datetime) -> int:
    """Notifications for these readers, dated when what they tell of happened."""
    made = []
    for reader in db.session.scalars(db.select(User).where(User.id.in_(readers))):
        settings = NotificationSettings.of(reader)
        events = []  # (when, kind, actor, post, comment)
        for follower, since in db.session.execute(
            db.select(User, Follow.created_at)
            .join(Follow, Follow.follower_id == User.id)
            .where(Follow.followed_id == reader.id)
            .order_by(Follow.created_at.desc())
            .limit(NOTIFIED_FOLLOWERS)
        ):
            events.append((since, FOLLOWER, follower, None, None))
        for post in db.session.scalars(Follow.feed_for(reader).limit(NOTIFIED_POSTS)):
            events.append((post.published_at, POST, post.author, post, None))
        for comment in db.session.scalars(
            db.select(Comment)
            .join(Post, Post.id == Comment.post_id)
            .options(joinedload(Comment.post))
            .where(Post.user_id == reader.id, Comment.user_id != reader.id)
            .order_by(Comment.created_at.desc())
            .limit(NOTIFIED_COMMENTS)
        ):
            events.append((comment.created_at, COMMENT, comment.author, comment.post, comment))
        events.sort(key=lambda event: event[0])
        for number, (when, kind, actor, post, comment) in enumerate(events):
            notification = notify(
                reader, kind, actor, post=post, comment=comment, settings=settings
            )
            if notification is not None:
                notification.created_at = min(when, now)
                # The older half read already: the page shows both kinds.
                notification.read_at = now if number < len(events) // 2 else None
                made.append(notification)
    db.session.commit()
    db.session.expunge_all()
    return len(made)


# Each demo reader without a bookmark saves a few, drawn from the newest public demo posts:
# one query for those, whatever the number of posts.
BOOKMARKS_PER_READER = (1, 5)
BOOKMARK_POOL = 1_000


def add_bookmarks(writer: DemoWriter, now: datetime) -> int:
    """A few bookmarks of other demo users' public posts for each demo reader who has none
    yet, inserted in bulk: a second run finds none such and adds nothing. How many added."""
    rng = writer.rng
    saving = set(db.session.scalars(db.select(Bookmark.user_id).distinct()))
    readers = [user_id for user_id, _ in demo_users() if user_id not in saving]
    if not readers:
        return 0
    pool = db.session.execute(
        db.select(Post.id, Post.user_id, Post.published_at)
        .join(User, User.id == Post.user_id)
        .where(Post.is_public, User.email.endswith("@" + DEMO_DOMAIN))
        .order_by(Post.published_at.desc(), Post.id.desc())
        .limit(BOOKMARK_POOL)
    ).all()
    rows = []
    for reader in readers:
        wanted = rng.randint(*BOOKMARKS_PER_READER)
        # One more than wanted, in case the reader's own posts are among them.
        drawn = rng.sample(pool, min(len(pool), wanted + 1))
        rows += [
            {
                "user_id": reader,
                "post_id": post.id,
                "created_at": post.published_at + (now - post.published_at) * rng.random(),
            }
            for post in [post for post in drawn if post.user_id != reader][:wanted]
        ]
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(Bookmark), rows[start : start + CHUNK])
    db.session.commit()
    return len(rows)


# About one comment in three gets replies, one to three of them.
REPLIED_SHARE = 1 / 3


def add_replies(writer: DemoWriter, after_comment_id: int, now: datetime) -> int:
    """Replies to some of the comments newer than `after_comment_id` (this run's), by other
    demo users, some starting with the @name of the one they answer; each replied-to
    author is told through notify(), as on the site. Returns how many replies it added."""
    rng, authors = writer.rng, [user_id for user_id, _ in demo_users()]
    users = {
        user.id: user for user in db.session.scalars(db.select(User).where(User.id.in_(authors)))
    }
    texts = [writer.comment() for _ in range(COMMENT_POOL // 2)]
    # Read once, not per reply: at a million posts there are over a million replies.
    settings = NotificationSettings.of_each(authors)
    blocked_with: dict[int, set[int]] = {}
    added = 0
    while True:
        parents = db.session.execute(
            db.select(Comment.id, Comment.post_id, Comment.user_id, Comment.created_at)
            .where(Comment.id > after_comment_id, Comment.parent_id.is_(None))
            .order_by(Comment.id)
            .limit(CHUNK)
        ).all()
        if not parents or len(authors) < 2:
            return added
        after_comment_id = parents[-1].id
        replies = []
        for parent in parents:
            if rng.random() >= REPLIED_SHARE:
                continue
            for _ in range(rng.randint(1, 3)):
                replier = parent.user_id
                while replier == parent.user_id:
                    replier = rng.choice(authors)
                text = texts[rng.randrange(len(texts))]
                if rng.random() < 0.4:
                    text = f"@{users[parent.user_id].username} {text}"[: Comment.MAX_LENGTH]
                written = parent.created_at + timedelta(hours=rng.random() * 48)
                replies.append(
                    Comment(
                        post_id=parent.post_id,
                        user_id=replier,
                        body=text,
                        parent_id=parent.id,
                        created_at=min(now, written),
                    )
                )
        # The ORM here, not a bulk insert: notify() names each reply by its id.
        db.session.add_all(replies)
        db.session.flush()
        author_of = {parent.id: parent.user_id for parent in parents}
        with db.session.no_autoflush:  # the notifications go in together, at the commit
            for reply in replies:
                parent_author = users[author_of[reply.parent_id]]
                if parent_author.id not in blocked_with:
                    blocked_with[parent_author.id] = Block.among(parent_author, authors)
                notification = notify(
                    parent_author,
                    REPLY,
                    users[reply.user_id],
                    comment=reply,
                    settings=settings[parent_author.id],
                    blocked=reply.user_id in blocked_with[parent_author.id],
                )
                if notification is not None:
                    notification.post_id = reply.post_id  # saves loading the posts
        db.session.commit()
        added += len(replies)


# Each demo user without a conversation starts this many (fewer in a tiny demo), with a few
# messages each; this share of them also blocks someone.
CONVERSATIONS_PER_USER = 2
MESSAGES_PER_CONVERSATION = (1, 8)
BLOCK_SHARE = 0.05


@dataclass
class AddedMessages:
    conversations: int = 0
    messages: int = 0
    blocks: int = 0


def add_messages_and_blocks(writer: DemoWriter, now: datetime) -> AddedMessages:
    """Private conversations (some unread) and a few blocks for the demo users who have no
    conversation yet: a second run finds none such and adds nothing."""
    added = AddedMessages()
    rng = writer.rng
    users = [user_id for user_id, _ in demo_users()]
    talking = set(db.session.scalars(db.select(ConversationMember.user_id).distinct()))
    lonely = [user_id for user_id in users if user_id not in talking]
    if len(users) < 2 or not lonely:
        return added
    pairs = set()
    for user_id in lonely:
        others = [other for other in users if other != user_id]
        for other in rng.sample(others, min(CONVERSATIONS_PER_USER, len(others))):
            pair = (min(user_id, other), max(user_id, other))
            if not db.session.get(ConversationMember, pair):
                pairs.add(pair)
    members, messages = [], []
    for low, high in sorted(pairs):
        conversation = Conversation(low_user_id=low, high_user_id=high, created_at=now)
        db.session.add(conversation)
        db.session.flush()
        count = rng.randint(*MESSAGES_PER_CONVERSATION)
        start = now - timedelta(days=rng.random() * 30)
        sent = [start + (now - start) * (n + rng.random()) / count for n in range(count)]
        senders = [rng.choice((low, high)) for _ in sent]
        for sent_at, sender in zip(sent, senders, strict=True):
            messages.append(
                {
                    "conversation_id": conversation.id,
                    "sender_id": sender,
                    "body": writer.comment()[: Message.MAX_LENGTH],
                    "created_at": sent_at,
                }
            )
        # The last message's recipient has not read it yet in about half the conversations.
        last_recipient = high if senders[-1] == low else low
        unread = rng.random() < 0.5
        for user_id, other in ((low, high), (high, low)):
            waiting = unread and user_id == last_recipient
            # Read up to the message before the last (never, for a first message), or all.
            read_at = (sent[-2] if count > 1 else None) if waiting else now
            members.append(
                {
                    "user_id": user_id,
                    "other_id": other,
                    "conversation_id": conversation.id,
                    "last_message_at": sent[-1],
                    "unread_count": 1 if waiting else 0,
                    "last_read_at": read_at,
                }
            )
    if members:
        db.session.execute(insert(ConversationMember), members)
        db.session.execute(insert(Message.__table__), messages)
    blocks = []
    for user_id in lonely:
        if rng.random() < BLOCK_SHARE:
            blocked = rng.choice([other for other in users if other != user_id])
            if (min(user_id, blocked), max(user_id, blocked)) not in pairs:
                blocks.append((user_id, blocked))
    # Through Block.block, as on the site: it ends the two's follows and takes back what
    # either was told of the other. A few statements a block, for one user in twenty.
    made = sum(
        Block.block(db.session.get(User, blocker), db.session.get(User, blocked))
        for blocker, blocked in blocks
    )
    db.session.commit()
    added.conversations, added.messages, added.blocks = len(pairs), len(messages), made
    return added


# Every how-many-th demo user reads a daily or a weekly digest (by id, so a second run
# chooses the same); the others keep the default, none.
DAILY_DIGEST_EVERY, WEEKLY_DIGEST_EVERY = 4, 7


def add_digest_choices() -> int:
    """Give some demo users a daily or weekly digest, so `flask digest send` has readers.
    Only users without notification settings get a row: nothing chosen before changes."""
    without_settings = db.session.scalars(
        db.select(User.id).where(
            User.email.endswith("@" + DEMO_DOMAIN),
            ~exists().where(NotificationSettings.user_id == User.id),
        )
    )
    rows = [
        {"user_id": user_id, "digest": "daily" if user_id % DAILY_DIGEST_EVERY == 0 else "weekly"}
        for user_id in without_settings
        if user_id % DAILY_DIGEST_EVERY == 0 or user_id % WEEKLY_DIGEST_EVERY == 0
    ]
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(NotificationSettings), rows[start : start + CHUNK])
    db.session.commit()
    return len(rows)
