"""The ceiling: a bare Flask app that renders a page of five posts from memory.

No database, no session, no extensions: one Jinja template (ceiling.html) compiled and
data built once at import. It shows what Flask and Jinja cost on this machine, so the blog's
figures can be read as a share of the best any Flask page could do here. The posts look like
the home page's (title, author, avatar, date, reading time, comment count, tags, a
300-character excerpt) and the markup has the same shape, so both pages are about the same size.

    gunicorn --workers 2 --chdir bench ceiling:app
"""

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask

PER_PAGE = 5  # as POSTS_PER_PAGE on the home page

TEMPLATE = Path(__file__).with_name("ceiling.html")

WORDS = (
    "flask", "jinja", "template", "request", "response", "database", "index", "query", "page",
    "post", "author", "reader", "write", "render", "cache", "worker", "thread", "server",
    "client", "python", "blog", "comment", "tag", "search", "feed", "markdown", "session",
    "cookie", "header", "latency", "memory", "disk", "network", "proxy", "deploy", "test",
)  # fmt: skip


def make_posts(count: int, rng: random.Random) -> list[dict]:
    """`count` posts with the fields and text lengths of the home page's."""
    posts, now = [], datetime(2026, 11, 1, tzinfo=UTC)
    for number in range(count):
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))).capitalize()
        excerpt = " ".join(rng.choice(WORDS) for _ in range(60))[:299] + "…"
        posts.append(
            {
                "id": 20_000 - number,
                "title": title,
                "slug": title.lower().replace(" ", "-"),
                "author": f"author{rng.randint(1, 1000)}",
                "avatar": f"/avatar/{rng.randint(1, 1000)}/{rng.getrandbits(64):016x}.webp",
                "date": now - timedelta(hours=number * 7),
                "minutes": rng.randint(1, 6),
                "comments": rng.randint(0, 9),
                "tags": sorted(rng.sample(WORDS, rng.randint(1, 4))),
                "excerpt": excerpt,
            }
        )
    return posts


app = Flask(__name__)
# Compiled once here, at import; each request only renders it.
page = app.jinja_env.from_string(TEMPLATE.read_text())
POSTS = make_posts(PER_PAGE, random.Random(2026))  # noqa: S311  (sample text, not secrets)


@app.route("/")
def home():
    return page.render(title="flaskblog", posts=POSTS, pages=range(1, 6))
