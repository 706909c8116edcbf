"""The demo's writers and what they write: users with pictures, posts with tags, and
comments under them, inserted in bulk."""

import bisect
import hashlib
import io
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from faker import Faker
from flask import current_app
from PIL import Image, ImageDraw
from sqlalchemy import func, insert

from flaskblog.extensions import bcrypt, db
from flaskblog.images import make_avatar
from flaskblog.models import (
    Avatar,
    Comment,
    Post,
    Tag,
    User,
    post_tags,
    slugify,
)
from flaskblog.rendering import Rendered, render_markdown

DEMO_DOMAIN = "demo.example.com"
# Printed by the command; long enough and not one of the common passwords the site refuses.
DEMO_PASSWORD = "seeded demo account"  # noqa: S105  (a published demo password, on purpose)

# How many distinct post bodies (each rendered once) and comment texts the demo draws from.
BODY_POOL = 400
COMMENT_POOL = 600
AVATAR_POOL = 12
# Rows built and inserted at a time: memory stays flat whatever the number of posts.
CHUNK = 10_000

DRAFT_SHARE = 0.03
AVATAR_SHARE = 0.4
# Accounts opened over a year, then three years of posts up to today.
HISTORY = timedelta(days=4 * 365)
POSTING = timedelta(days=3 * 365)

TAGS = (
    "python", "flask", "sqlalchemy", "postgresql", "sqlite", "javascript", "css", "html",
    "web", "security", "testing", "devops", "docker", "linux", "git", "performance",
    "databases", "api", "design", "career", "tutorial", "opinion", "news", "books",
    "travel", "food", "photography", "music", "science", "startups", "productivity",
    "open-source", "machine-learning", "data", "cloud", "networking", "accessibility",
    "writing", "hardware", "gaming",
)  # fmt: skip
LANGUAGES = ("python", "bash", "sql", "javascript")


@dataclass
class Added:
    users: int = 0
    posts: int = 0
    drafts: int = 0
    comments: int = 0


class DemoWriter:
    """Makes up demo content with Faker, from one random seed (reproducible if given)."""

    def __init__(self, random_seed: int | None) -> None:
        self.fake = Faker("en_US")
        self.fake.seed_instance(random_seed)
        self.rng = self.fake.random

    def sentence(self, low: int, high: int) -> str:
        return self.fake.sentence(nb_words=self.rng.randint(low, high)).rstrip(".")

    def title(self) -> str:
        return self.sentence(3, 9)[: Post.TITLE_LENGTH]

    def paragraph(self) -> str:
        """Prose with the odd link, emphasis or inline code, as people write it."""
        words = self.fake.paragraph(nb_sentences=self.rng.randint(2, 7)).split(" ")
        for _ in range(self.rng.randint(0, 3)):
            at = self.rng.randrange(len(words))
            word = words[at].rstrip(".,")
            if not word.isalpha():
                continue
            tail = words[at][len(word) :]
            style = self.rng.random()
            if style < 0.4:
                words[at] = f"[{word}]({self.fake.url()}{self.fake.uri_path()}){tail}"
            elif style < 0.7:
                words[at] = f"**{word}**{tail}"
            elif style < 0.9:
                words[at] = f"*{word}*{tail}"
            else:
                words[at] = f"`{word.lower()}()`{tail}"
        return " ".join(words)

    def block(self) -> str:
        """A list, a code sample or a quotation to break up the prose."""
        kind = self.rng.random()
        items = [self.sentence(3, 10) for _ in range(self.rng.randint(3, 6))]
        if kind < 0.4:
            return "\n".join(f"- {item}" for item in items)
        if kind < 0.6:
            return "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1))
        if kind < 0.8:
            language = self.rng.choice(LANGUAGES)
            lines = [f"{self.fake.word()}_{self.fake.word()} = {self.rng.randint(1, 999)}"]
            lines += [f"# {item}" for item in items[:2]]
            return f"```{language}\n" + "\n".join(lines) + "\n```"
        return "> " + self.fake.paragraph(nb_sentences=2)

    def body(self) -> str:
        """A Markdown post of a few hundred words (sometimes well over a thousand)."""
        sections = self.rng.randint(3, 9) if self.rng.random() < 0.15 else self.rng.randint(1, 4)
        parts = [self.paragraph()]
        for _ in range(sections):
            parts.append(f"## {self.sentence(2, 6)}")
            parts += [self.paragraph() for _ in range(self.rng.randint(1, 3))]
            if self.rng.random() < 0.6:
                parts.append(self.block())
        return "\n\n".join(parts)

    def comment(self) -> str:
        text = self.fake.paragraph(nb_sentences=self.rng.randint(1, 4))
        if self.rng.random() < 0.1:
            text += f"\n\nSee also {self.fake.url()}"
        return text[: Comment.MAX_LENGTH]

    def username(self, taken: set[str]) -> str:
        """A new username by the sign-up rules, unique regardless of case."""
        # Room for the number that tells a taken name apart.
        longest = User.USERNAME_LENGTH - 4
        name = "".join(ch for ch in self.fake.user_name() if ch.isalnum() or ch in "._-")[:longest]
        name = name if len(name) >= User.USERNAME_MIN_LENGTH else "reader"
        candidate = name
        while candidate.lower() in taken:
            candidate = f"{name}{self.rng.randint(2, 9999)}"
        taken.add(candidate.lower())
        return candidate

    def picture(self) -> bytes:
        """A profile picture (circles on a gradient) through the site's own upload pipeline."""
        colours = [tuple(self.rng.randrange(256) for _ in range(3)) for _ in range(3)]
        image = Image.new("RGB", (320, 320), colours[0])
        draw = ImageDraw.Draw(image)
        for y in range(0, 320, 8):
            shade = tuple(int(a + (b - a) * y / 320) for a, b in zip(*colours[:2], strict=True))
            draw.rectangle((0, y, 320, y + 8), fill=shade)
        x, y = self.rng.randrange(40, 200), self.rng.randrange(40, 200)
        draw.ellipse((x, y, x + 120, y + 120), fill=colours[2])
        png = io.BytesIO()
        image.save(png, "PNG")
        png.seek(0)
        return make_avatar(png, current_app.config["MAX_PICTURE_PIXELS"])


def demo_users():
    """(id, created_at) of every demo account, oldest first."""
    return db.session.execute(
        db.select(User.id, User.created_at)
        .where(User.email.endswith("@" + DEMO_DOMAIN))
        .order_by(User.id)
    ).all()


def demo_post_count() -> int:
    return db.session.scalar(
        db.select(func.count(Post.id))
        .join(User, User.id == Post.user_id)
        .where(User.email.endswith("@" + DEMO_DOMAIN))
    )


def add_users(writer: DemoWriter, count: int, now: datetime) -> int:
    """`count` confirmed demo accounts sharing one bcrypt hash; some with a picture."""
    if count <= 0:
        return 0
    password_hash = bcrypt.generate_password_hash(DEMO_PASSWORD).decode("ascii")
    taken = {name.lower() for name in db.session.scalars(db.select(User.username))}
    rng = writer.rng
    rows = []
    for _ in range(count):
        username = writer.username(taken)
        created = now - HISTORY + (HISTORY - POSTING) * rng.random()
        rows.append(
            {
                "username": username,
                "email": f"{username.lower()}@{DEMO_DOMAIN}",
                "password_hash": password_hash,
                "created_at": created,
                "confirmed_at": created + timedelta(minutes=rng.randint(1, 600)),
            }
        )
    before = db.session.scalar(db.select(func.coalesce(func.max(User.id), 0)))
    for start in range(0, count, CHUNK):
        db.session.execute(insert(User), rows[start : start + CHUNK])

    new_ids = db.session.scalars(
        db.select(User.id).where(User.id > before, User.email.endswith("@" + DEMO_DOMAIN))
    ).all()
    pictures = [user_id for user_id in new_ids if rng.random() < AVATAR_SHARE]
    if pictures:
        images = [writer.picture() for _ in range(min(AVATAR_POOL, len(pictures)))]
        digests = [_digest(image) for image in images]
        avatar_rows = []
        for user_id in pictures:
            pick = rng.randrange(len(images))
            avatar_rows.append(
                {
                    "user_id": user_id,
                    "image": images[pick],
                    "digest": digests[pick],
                    "updated_at": now,
                }
            )
        db.session.execute(insert(Avatar), avatar_rows)
    db.session.commit()
    return count


def _digest(image: bytes) -> str:
    return hashlib.sha256(image).hexdigest()[: Avatar.DIGEST_LENGTH]


def tag_ids() -> list[int]:
    """The ids of the demo's tags, in the order of TAGS, creating those that are missing."""
    existing = dict(db.session.execute(db.select(Tag.name, Tag.id).where(Tag.name.in_(TAGS))).all())
    missing = [{"name": name} for name in TAGS if name not in existing]
    if missing:
        db.session.execute(insert(Tag), missing)
        existing = dict(
            db.session.execute(db.select(Tag.name, Tag.id).where(Tag.name.in_(TAGS))).all()
        )
    return [existing[name] for name in TAGS]


def add_posts(writer: DemoWriter, count: int, now: datetime, progress) -> Added:
    """`count` posts by the demo users, with tags and comments, inserted chunk by chunk."""
    added = Added()
    if count <= 0:
        return added
    rng = writer.rng
    authors = demo_users()
    # A few prolific authors and a long tail, as on any blog platform.
    author_weights = list(
        itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(len(authors)))
    )
    rng.shuffle(authors)
    tag_pool = tag_ids()
    tag_weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(tag_pool))))
    bodies: list[tuple[str, Rendered]] = []
    for _ in range(min(BODY_POOL, count)):
        source = writer.body()
        bodies.append((source, render_markdown(source)))
    comment_texts = [writer.comment() for _ in range(min(COMMENT_POOL, count * 3))]
    # Comments per post: most get none or a few, some get a discussion.
    comment_counts = [0] * 5 + [1] * 3 + [2] * 2 + [3, 4, 6, 9]

    for start in range(0, count, CHUNK):
        size = min(CHUNK, count - start)
        rows = []
        for offset, (author_id, _) in enumerate(pick_weighted(rng, authors, author_weights, size)):
            source, rendered = bodies[rng.randrange(len(bodies))]
            title = writer.title()
            # Spread evenly over the posting years, oldest first, so ids follow dates.
            written = now - POSTING * (1 - (start + offset + rng.random()) / count)
            draft = rng.random() < DRAFT_SHARE
            edited = not draft and rng.random() < 0.1
            rows.append(
                {
                    "title": title,
                    "slug": slugify(title),
                    "content": source,
                    "content_html": rendered.html,
                    "content_text": rendered.text,
                    "is_published": not draft,
                    "date_posted": written,
                    "published_at": None if draft else written,
                    "updated_at": min(now, written + timedelta(days=rng.random() * 30))
                    if edited
                    else None,
                    "user_id": author_id,
                }
            )
        # Read back what was just inserted rather than use RETURNING, which SQLAlchemy's ORM
        # collects row by row across its batches: far slower at this size.
        before = db.session.scalar(db.select(func.coalesce(func.max(Post.id), 0)))
        # The table, not the model: the ORM would split the rows into one executemany per
        # run of rows whose NULL columns differ (drafts, edited posts).
        db.session.execute(insert(Post.__table__), rows)
        inserted = db.session.execute(
            db.select(Post.id, Post.published_at).where(Post.id > before)
        ).all()

        links, comments = [], []
        for post_id, published in inserted:
            for tag in {
                tag_pool[bisect.bisect(tag_weights, rng.random() * tag_weights[-1])]
                for _ in range(rng.choice((0, 1, 2, 2, 3, 3, 4)))
            }:
                links.append({"post_id": post_id, "tag_id": tag})
            if published is None:
                continue  # nobody can comment on a draft
            for commenter, _ in pick_weighted(
                rng, authors, author_weights, rng.choice(comment_counts)
            ):
                comments.append(
                    {
                        "post_id": post_id,
                        "user_id": commenter,
                        "body": comment_texts[rng.randrange(len(comment_texts))],
                        "created_at": min(now, published + timedelta(hours=rng.random() * 240)),
                    }
                )
        if links:
            db.session.execute(insert(post_tags), links)
        if comments:
            db.session.execute(insert(Comment.__table__), comments)
        db.session.commit()
        added.posts += size
        added.drafts += sum(1 for _, published in inserted if published is None)
        added.comments += len(comments)
        progress(added.posts)
    return added


# Each demo reader follows a few demo authors, and finds some notifications waiting: the
# newest posts of those authors, the newest comments on their own posts, their followers.


def pick_weighted(rng, population, cum_weights, count):
    """`count` picks from `population`, by cumulative weights (none for a count of 0)."""
    return rng.choices(population, cum_weights=cum_weights, k=count) if count else []
