"""Who a comment speaks to: the author of the comment it replies to, and the people it names
as @username. Finding them, linking the names on the page, and telling them (REPLY and
MENTION notifications, through notify())."""

from collections.abc import Iterable

from sqlalchemy import func

from flaskblog.extensions import db
from flaskblog.models import Comment, User
from flaskblog.models.notification import MENTION, REPLY, notify
from flaskblog.rendering import MENTION as MENTION_PATTERN
from flaskblog.rendering import mention_names

# Only a comment's first ten different @names count (are looked up, linked and told): one
# comment cannot notify the whole site, and a page's lookup stays small.
MAX_MENTIONS = 10


def mentions_in(body: str) -> list[tuple[str, ...]]:
    """The first MAX_MENTIONS different @names in `body`, each as the names it may mean
    (see rendering.mention_names), lower case."""
    found: dict[str, tuple[str, ...]] = {}
    for match in MENTION_PATTERN.finditer(body):
        names = mention_names(match.group(1))
        found.setdefault(names[0], names)
        if len(found) == MAX_MENTIONS:
            break
    return list(found.values())


def active_users_named(names: Iterable[str]) -> dict[str, User]:
    """The active users with these lower-case names, by lower-case name: one query, none
    when no name could be a username."""
    wanted = {
        name for name in names if User.USERNAME_MIN_LENGTH <= len(name) <= User.USERNAME_LENGTH
    }
    if not wanted:
        return {}
    users = db.session.scalars(
        db.select(User).where(func.lower(User.username).in_(wanted), User.disabled_at.is_(None))
    )
    return {user.username.lower(): user for user in users}


def mentioned_in_comments(comments: Iterable[Comment]) -> dict[str, User]:
    """The active users that these comments mention, by lower-case name: one query for a
    whole page of comments."""
    return active_users_named(
        name for comment in comments for names in mentions_in(comment.body) for name in names
    )


def mentioned_users(body: str) -> list[User]:
    """The active users `body` mentions, each once, in the order they are first named."""
    mentions = mentions_in(body)
    known = active_users_named(name for names in mentions for name in names)
    # By id: users compare by their login (flask_login's UserMixin), None for most here.
    users: dict[int, User] = {}
    for names in mentions:
        user = next((known[name] for name in names if name in known), None)
        if user is not None:
            users.setdefault(user.id, user)
    return list(users.values())


def notify_reply_and_mentions(comment: Comment, parent: Comment | None = None) -> set[int]:
    """Tell the author of `parent`, the comment that `comment` replies to, (REPLY) and the
    people `comment` mentions (MENTION), each person once: as REPLY if both. Added to the
    session, not committed; `comment` must have its id (flushed).

    Returns the ids of the users told, so that the post's author, told of every comment on
    their post (COMMENT), is not told of this one twice: a comment that replies to them or
    names them is that notification, not also a COMMENT.
    """
    addressed = [(parent.author, REPLY)] if parent is not None else []
    addressed += [(user, MENTION) for user in mentioned_users(comment.body)]
    told: set[int] = set()
    for user, kind in addressed:
        if user.id not in told and notify(
            user, kind, comment.author, post=comment.post, comment=comment
        ):
            told.add(user.id)
    return told
