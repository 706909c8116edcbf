"""Rows made straight in the database of the app given: users, posts, drafts, tags, comments,
revisions, blocks and private messages."""

from datetime import UTC, datetime, timedelta

from flaskblog.extensions import db
from flaskblog.models import Block, Comment, Post, Revision, Tag, User
from flaskblog.models.message import send_message

PASSWORD = "correct horse battery"


def make_user(
    app,
    username: str = "alice",
    email: str | None = None,
    password: str = PASSWORD,
    *,
    confirmed: bool = True,
    admin: bool = False,
) -> int:
    """A user with a confirmed email address unless `confirmed=False`, an admin with
    `admin=True`; the address is `<username>@example.com` unless given. Returns the id."""
    with app.app_context():
        user = User(
            username=username,
            email=email or f"{username.lower()}@example.com",
            confirmed_at=datetime.now(UTC) if confirmed else None,
            is_admin=admin,
        )
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user.id


def set_confirmed(app, email: str, confirmed: bool) -> None:
    """Mark the account with this address confirmed or not, straight in the database."""
    with app.app_context():
        User.by_email(email).confirmed_at = datetime.now(UTC) if confirmed else None
        db.session.commit()


def log_in_unconfirmed(app, auth, username: str = "alice", *, existing: bool = False) -> int:
    """`username` (made now unless `existing`), logged in through `auth` while their address
    is unconfirmed: a login from before addresses had to be confirmed, since a password
    alone no longer logs them in. Returns the id."""
    email = f"{username.lower()}@example.com"
    if not existing:
        make_user(app, username)
    set_confirmed(app, email, True)
    assert auth.login(email).status_code == 302
    set_confirmed(app, email, False)
    with app.app_context():
        return User.by_email(email).id


def add_posts(
    app,
    user_id: int,
    count: int = 1,
    title: str = "Post {n}",
    content: str = "Body of post {n}.",
    *,
    published: bool = True,
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
) -> list[int]:
    """`count` posts by a user, one minute apart from `start`, the last one newest; their ids.

    Published ones are published when written; the others are never-published drafts.
    """
    with app.app_context():
        posts = [
            Post(
                title=title.format(n=n),
                content=content.format(n=n),
                user_id=user_id,
                is_published=published,
                date_posted=start + timedelta(minutes=n),
                published_at=start + timedelta(minutes=n) if published else None,
            )
            for n in range(1, count + 1)
        ]
        db.session.add_all(posts)
        db.session.commit()
        return [post.id for post in posts]


def add_posts_and_a_draft(app, user_id: int) -> None:
    """Three published posts by a user, "Post 1" to "Post 3", and one draft, "Draft"."""
    add_posts(app, user_id, 3)
    add_posts(app, user_id, 1, title="Draft", published=False)


def make_drafts(app, user_id: int, count: int = 1, title="Draft {n}", content="Draft {n} text."):
    """`count` never-published drafts by a user, one minute apart, the last one newest."""
    start = datetime(2026, 2, 1, tzinfo=UTC)
    return add_posts(app, user_id, count, title, content, published=False, start=start)


def add_scheduled_post(
    app,
    user_id: int,
    title: str = "Coming soon",
    content: str = "Not out yet.",
    *,
    when: datetime | None = None,
) -> int:
    """A post by a user scheduled for `when` (default: a day from now); its id. It is
    published, but nobody except its author sees it until then."""
    with app.app_context():
        post = Post(title=title, content=content, user_id=user_id)
        post.schedule(when or datetime.now(UTC) + timedelta(days=1))
        db.session.add(post)
        db.session.commit()
        return post.id


def set_published_at(app, post_id: int, when: datetime) -> None:
    """Move a post's publication time, straight in the database: a scheduled post's time
    "comes" when it is set to the past, without waiting for it."""
    with app.app_context():
        db.session.get(Post, post_id).published_at = when
        db.session.commit()


def tag_posts(app, post_ids: list[int], *names: str) -> None:
    """Give each of these posts these tags (created where missing)."""
    with app.app_context():
        tags = Tag.named(list(names))
        for post_id in post_ids:
            db.session.get(Post, post_id).tags = tags
        db.session.commit()


def add_comments(app, post_id: int, user_id: int, count: int) -> None:
    """`count` comments by one user under one post."""
    with app.app_context():
        db.session.add_all(
            Comment(body=f"Comment {n}", post_id=post_id, user_id=user_id)
            for n in range(1, count + 1)
        )
        db.session.commit()


def add_revisions(
    app,
    post_id: int,
    times: list[datetime],
    *,
    content: str = "Version {n}.",
    kind: str = "save",
    pending: bool = False,
) -> list[int]:
    """Revisions of a post made at these times (by its author), "Version 1." and on; their ids."""
    with app.app_context():
        post = db.session.get(Post, post_id)
        revisions = [
            Revision(
                post=post,
                user_id=post.user_id,
                kind=kind,
                is_pending=pending,
                title=post.title,
                content=content.format(n=n),
                tags=", ".join(tag.name for tag in post.tags),
                summary=post.summary,
                created_at=when,
            )
            for n, when in enumerate(times, start=1)
        ]
        db.session.add_all(revisions)
        db.session.commit()
        return [revision.id for revision in revisions]


def add_accounts(app, count: int, name: str = "user{n:03}", *, confirmed: bool = True) -> list[int]:
    """`count` plain accounts at once ("user001", ...), joined a minute apart, the last one
    newest; their ids. They share one password hash (PASSWORD), made once."""
    with app.app_context():
        first = User(username="hash-maker", email="hash-maker@example.com")
        first.set_password(PASSWORD)
        start = datetime.now(UTC) - timedelta(minutes=count)
        users = [
            User(
                username=name.format(n=n),
                email=f"{name.format(n=n).lower()}@example.com",
                password_hash=first.password_hash,
                created_at=start + timedelta(minutes=n),
                confirmed_at=start if confirmed else None,
            )
            for n in range(1, count + 1)
        ]
        db.session.add_all(users)
        db.session.commit()
        return [user.id for user in users]


def set_joined(app, user_id: int, when: datetime) -> None:
    """Move the moment an account was created, straight in the database."""
    with app.app_context():
        db.session.get(User, user_id).created_at = when
        db.session.commit()


def add_block(app, blocker_id: int, blocked_id: int) -> None:
    """`blocker_id` blocks `blocked_id` (ending any follow between them), straight in the
    database."""
    with app.app_context():
        Block.block(db.session.get(User, blocker_id), db.session.get(User, blocked_id))
        db.session.commit()


def send_messages(
    app, sender_id: int, recipient_id: int, count: int = 1, body: str = "Message {n}"
) -> None:
    """`count` private messages from `sender_id` to `recipient_id` ("Message 1", ...), a
    second apart, the last one newest (unread by the recipient)."""
    with app.app_context():
        sender, recipient = db.session.get(User, sender_id), db.session.get(User, recipient_id)
        start = datetime.now(UTC) - timedelta(seconds=count)
        for n in range(1, count + 1):
            message = send_message(sender, recipient, body.format(n=n))
            db.session.flush()
            message.created_at = start + timedelta(seconds=n)
        db.session.commit()
