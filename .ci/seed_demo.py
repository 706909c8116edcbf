"""Fill an empty database with a few users, posts, tags and comments for the security
scanners (.ci/scan) to crawl and attack.

It builds the app from the environment (FLASK_CONFIG, DATABASE_URL, SECRET_KEY...),
applies the migrations, and refuses to touch a database that already has users, so it
cannot seed a real site by mistake. The scanners log in as SCAN_EMAIL with SCAN_PASSWORD;
the other accounts get random passwords nobody knows.

    SCAN_EMAIL=... SCAN_PASSWORD=... python .ci/seed_demo.py
"""

import os
import secrets
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from flaskblog import create_app
from flaskblog.extensions import db
from flaskblog.models import Comment, Post, Tag, User

POSTS = [
    (
        "alice",
        "Getting started with Flask",
        "A *small* app grows **one blueprint** at a time.",
        ["flask", "python"],
    ),
    (
        "alice",
        "Forms and CSRF",
        "Every form carries a token; see `csrf_token()`.",
        ["flask", "security"],
    ),
    ("alice", "Searching posts", "Full-text search with FTS5 or a tsvector.", ["python", "search"]),
    (
        "bob",
        "Notes on SQLAlchemy 2.0",
        "Typed models with `Mapped[...]` and `mapped_column`.",
        ["python"],
    ),
    ("bob", "Deploying with gunicorn", "Two workers behind one proxy hop.", ["deploy"]),
    ("carol", "Markdown tables", "| a | b |\n|---|---|\n| 1 | 2 |", ["markdown"]),
]
COMMENTS = [
    ("bob", 0, "Nice introduction, thanks!"),
    ("carol", 0, "Could you write about testing next? https://example.com/testing"),
    ("alice", 3, "The new select() style reads much better."),
    ("carol", 4, "How many workers for a 2-core machine?"),
]


def seed(scan_email: str, scan_password: str) -> None:
    """The scanners' account (alice), two other users, their posts, tags, comments, a draft."""
    if db.session.scalar(db.select(db.func.count()).select_from(User)):
        sys.exit("seed_demo: the database already has users; seed an empty one only")
    now = datetime.now(UTC)
    users = {}
    for name in ("alice", "bob", "carol"):
        email = scan_email if name == "alice" else f"{name}@example.com"
        users[name] = User(username=name, email=email, confirmed_at=now)
        users[name].set_password(scan_password if name == "alice" else secrets.token_urlsafe(24))
    posts = []
    for minutes, (author, title, content, tags) in enumerate(POSTS):
        written = now - timedelta(days=len(POSTS) - minutes)
        posts.append(
            Post(
                title=title,
                content=content,
                author=users[author],
                tags=Tag.named(tags),
                date_posted=written,
                published_at=written,
            )
        )
    draft = Post(
        title="A draft", content="Not ready yet.", author=users["alice"], is_published=False
    )
    comments = [
        Comment(body=body, post=posts[index], author=users[author])
        for author, index, body in COMMENTS
    ]
    db.session.add_all([*users.values(), *posts, draft, *comments])
    db.session.commit()


def main() -> None:
    email, password = os.environ.get("SCAN_EMAIL"), os.environ.get("SCAN_PASSWORD")
    if not email or not password:
        sys.exit("seed_demo: set SCAN_EMAIL and SCAN_PASSWORD")
    app = create_app()
    with app.app_context():
        upgrade()
        seed(email, password)
    print(f"seed_demo: {len(POSTS)} posts, a draft and {len(COMMENTS)} comments by 3 users")


if __name__ == "__main__":
    main()
