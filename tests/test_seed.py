"""`flask seed`: demo users, posts, tags and comments that the site shows like any others,
rendered as the site renders, topped up rather than doubled by a second run."""

import re

import pytest

from flaskblog import urls
from flaskblog.extensions import db
from flaskblog.models import (
    Avatar,
    Bookmark,
    Comment,
    Notification,
    NotificationSettings,
    Post,
    Tag,
    User,
    post_tags,
    slugify,
)
from flaskblog.models.notification import REPLY
from flaskblog.passwords import is_common_password
from flaskblog.rendering import render_markdown
from flaskblog.search.queries import search_posts, search_words
from flaskblog.seed import DEMO_DOMAIN, DEMO_PASSWORD
from tests.helpers.pages import AuthActions, Forms, page_text, titles_on


@pytest.fixture
def seed(app):
    """`seed("--users", "5", ...)` runs `flask seed` and returns click's result."""
    runner = app.test_cli_runner()

    def run(*args: str):
        result = runner.invoke(args=["seed", *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result

    return run


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_seed_adds_the_users_and_posts_asked_for(app, seed):
    result = seed("--users", "8", "--posts", "60", "--random-seed", "1")

    assert result.exit_code == 0
    assert "Added 8 users and 60 posts" in result.output
    assert count(app, User) == 8
    assert count(app, Post) == 60
    with app.app_context():
        drafts = db.session.scalar(db.select(db.func.count()).where(~Post.is_published))
        comments = db.session.scalars(db.select(Comment)).all()
        assert count(app, Tag) > 0 and count(app, post_tags) > 0
        assert comments, "some posts get comments"
        # Drafts are few, have no published date and no comments.
        assert drafts < 10
        for post in db.session.scalars(db.select(Post).where(~Post.is_published)):
            assert post.published_at is None and post.comments == []
        for comment in comments:
            assert comment.post.is_published
            assert comment.created_at >= comment.post.published_at
    assert f"{drafts} drafts" in result.output


def test_a_second_run_with_the_same_numbers_adds_nothing(app, seed):
    seed("--users", "5", "--posts", "20")
    before = [count(app, model) for model in (User, Post, Comment, Tag, post_tags)]

    result = seed("--users", "5", "--posts", "20")

    assert result.exit_code == 0
    assert "already has 5 users and 20 posts: nothing added" in result.output
    assert [count(app, model) for model in (User, Post, Comment, Tag, post_tags)] == before


def test_bigger_numbers_top_the_demo_up_to_them(app, seed):
    seed("--users", "4", "--posts", "10", "--random-seed", "7")
    # The same random seed again: the new names must still not clash with the old ones.
    result = seed("--users", "9", "--posts", "25", "--random-seed", "7")

    assert "Added 5 users and 15 posts" in result.output
    assert count(app, User) == 9
    assert count(app, Post) == 25
    with app.app_context():
        names = db.session.scalars(db.select(db.func.lower(User.username))).all()
        assert len(set(names)) == 9
        assert db.session.scalar(db.select(db.func.count(db.distinct(Tag.name)))) == count(app, Tag)


def test_smaller_numbers_delete_nothing(app, seed):
    seed("--users", "3", "--posts", "12")
    result = seed("--users", "1", "--posts", "2")

    assert "nothing added" in result.output
    assert (count(app, User), count(app, Post)) == (3, 12)


def test_only_demo_accounts_count_towards_the_numbers(app, seed, make_user, make_posts):
    alice = make_user("alice")
    make_posts(alice, 3)

    seed("--users", "2", "--posts", "5")

    with app.app_context():
        demo = db.select(User).where(User.email.endswith("@" + DEMO_DOMAIN))
        assert len(db.session.scalars(demo).all()) == 2
        assert db.session.get(User, alice).email == "alice@example.com"
    assert (count(app, User), count(app, Post)) == (3, 8)


def test_posts_need_a_user(app, seed):
    result = seed("--users", "0", "--posts", "5")

    assert result.exit_code != 0
    assert "Posts need authors" in result.output
    assert count(app, Post) == 0


def test_seeded_posts_are_rendered_as_the_site_renders_them(app, seed):
    seed("--users", "3", "--posts", "30", "--random-seed", "3")

    with app.app_context():
        posts = db.session.scalars(db.select(Post)).all()
        for post in posts:
            rendered = render_markdown(post.content)
            assert (post.content_html, post.content_text) == (rendered.html, rendered.text)
            assert post.slug == slugify(post.title)
        html = "".join(post.content_html for post in posts)
        # Realistic Markdown: headings, lists, links (nofollow, as every post's), code.
        for marker in ("<h2>", "<li>", 'rel="nofollow noopener ugc"', "<code>"):
            assert marker in html
        words = sorted(len(post.content_text.split()) for post in posts)
        assert 40 < words[len(words) // 2] < 2000


def test_seeded_posts_are_found_by_search(app, seed):
    seed("--users", "2", "--posts", "10", "--random-seed", "5")

    with app.app_context():
        post = db.session.scalars(db.select(Post).where(Post.is_published)).first()
        word = max(re.findall(r"[a-z]{6,}", post.content_text.lower()), key=len)
        found = search_posts(search_words(word), 1)
        assert post.id in [hit.id for hit in found]


def test_demo_users_log_in_with_the_printed_password(app, seed):
    result = seed("--users", "2", "--posts", "0")

    assert DEMO_PASSWORD in result.output
    # The site itself would accept it as a new password.
    assert len(DEMO_PASSWORD) >= 8 and not is_common_password(DEMO_PASSWORD)
    email = re.search(rf"\S+@{re.escape(DEMO_DOMAIN)}", result.output).group(0)
    client = app.test_client()
    response = AuthActions(client, Forms(client)).login(email, DEMO_PASSWORD)
    assert response.status_code == 302
    assert "Log out" in page_text(client.get("/"))
    with app.app_context():
        hashes = db.session.scalars(db.select(User.password_hash)).all()
        assert len(set(hashes)) == 1, "one bcrypt hash, shared"


def test_pages_render_with_seeded_data(app, seed, client):
    seed("--users", "6", "--posts", "40", "--random-seed", "11")
    with app.app_context():
        post = db.session.scalars(
            db.select(Post).where(Post.is_published).order_by(Post.id.desc())
        ).first()
        commented = db.session.scalars(db.select(Comment).order_by(Comment.id)).first()
        author = post.author.username
        tag = db.session.scalars(db.select(Tag).order_by(Tag.id)).first().name
        avatar = db.session.scalars(db.select(Avatar)).first()
        post_url, commented_url = urls.post_url(post), urls.post_url(commented.post)
        avatar_user, avatar_digest = avatar.user_id, avatar.digest

    home = client.get("/")
    assert home.status_code == 200
    assert page_text(home).count('class="post"') == 5
    assert client.get("/?page=8").status_code == 200
    page = client.get(post_url)
    assert page.status_code == 200
    assert post.title in page_text(page)
    assert commented.body.split("\n")[0][:40] in page_text(client.get(commented_url))
    for url in (
        f"/user/{author}",
        f"/tag/{tag}",
        "/tags",
        "/search?q=the",
        "/feed.xml",
        "/sitemap.xml",
    ):
        assert client.get(url).status_code == 200, url
    picture = client.get(f"/avatar/{avatar_user}/{avatar_digest}.webp")
    assert picture.status_code == 200
    assert picture.mimetype == "image/webp"


def test_seed_makes_follows_and_notifications_once(app, seed):
    from flaskblog.models import Follow, Notification

    result = seed("--users", "6", "--posts", "40", "--random-seed", "3")

    assert "follows," in result.output
    with app.app_context():
        follows = db.session.execute(db.select(Follow.follower_id, Follow.followed_id)).all()
        notifications = db.session.scalars(db.select(Notification)).all()
        assert follows and all(follower != followed for follower, followed in follows)
        assert notifications
        assert all(n.user_id != n.actor_id for n in notifications)
        assert {n.kind for n in notifications} >= {"follower", "post"}
        assert any(n.read_at is None for n in notifications)
        assert any(n.read_at is not None for n in notifications)
        for n in notifications:
            if n.kind == "post":
                assert n.post.is_public and n.post.user_id == n.actor_id
    before = (count(app, Follow), count(app, Notification))

    seed("--users", "6", "--posts", "40")

    assert (count(app, Follow), count(app, Notification)) == before


def test_seed_makes_a_few_bookmarks_of_others_public_posts_once(app, seed, client):
    result = seed("--users", "6", "--posts", "40", "--random-seed", "3")

    with app.app_context():
        saved = db.session.execute(
            db.select(Bookmark, Post, User.email)
            .join(Post, Post.id == Bookmark.post_id)
            .join(User, User.id == Bookmark.user_id)
        ).all()
        readers = set(db.session.scalars(db.select(User.email)))
        assert {email for _, _, email in saved} == readers, "every demo reader has some"
        for bookmark, post, _ in saved:
            assert post.is_public and post.user_id != bookmark.user_id
            assert post.published_at <= bookmark.created_at
        first_reader, first_title = saved[0][2], saved[0][1].title
    assert f" {len(saved)} bookmarks" in result.output
    reader = AuthActions(client, Forms(client))
    assert reader.login(first_reader, DEMO_PASSWORD).status_code == 302
    assert first_title in titles_on(client.get("/bookmarks"))

    again = seed("--users", "6", "--posts", "40")

    assert count(app, Bookmark) == len(saved)
    assert "bookmarks" not in again.output


def test_seed_adds_replies_one_level_deep_and_tells_their_authors(app, seed, client):
    seed("--users", "6", "--posts", "60", "--random-seed", "3")

    with app.app_context():
        replies = db.session.scalars(db.select(Comment).where(Comment.parent_id.is_not(None)))
        replies = replies.all()
        assert replies, "some comments get replies"
        told = set(
            db.session.execute(
                db.select(
                    Notification.user_id, Notification.comment_id, Notification.post_id
                ).where(Notification.kind == REPLY)
            ).all()
        )
        for reply in replies:
            parent = db.session.get(Comment, reply.parent_id)
            assert parent.parent_id is None and parent.post_id == reply.post_id
            assert parent.user_id != reply.user_id
            assert reply.created_at >= parent.created_at
            assert (parent.user_id, reply.id, reply.post_id) in told
        assert len(told) == len(replies)
        url = urls.post_url(replies[0].post)
        thread = replies[0].parent_id
    html = client.get(url).get_data(as_text=True)
    assert re.search(rf'id="comment-{thread}">.*?<div class="comment__replies">', html, re.S)


def test_seed_makes_conversations_some_unread_and_a_second_run_adds_none(app, seed):
    from flaskblog.models import Block, ConversationMember, Message

    result = seed("--users", "12", "--posts", "10", "--random-seed", "3")

    assert "conversations with" in result.output
    with app.app_context():
        members = db.session.scalars(db.select(ConversationMember)).all()
        messages = db.session.scalars(db.select(Message)).all()
        talking = {member.user_id for member in members}
        assert len(talking) == 12, "every demo user has someone to talk to"
        assert any(member.unread_count for member in members)
        assert all(member.user_id != member.other_id for member in members)
        # Each member's last message time is its conversation's newest message.
        newest = {}
        for message in messages:
            newest[message.conversation_id] = max(
                newest.get(message.conversation_id, message.created_at), message.created_at
            )
        assert all(member.last_message_at == newest[member.conversation_id] for member in members)
        blocked_pairs = {
            frozenset(row)
            for row in db.session.execute(db.select(Block.blocker_id, Block.blocked_id))
        }
        assert not blocked_pairs & {frozenset((m.user_id, m.other_id)) for m in members}
    before = (count(app, ConversationMember), count(app, Message), count(app, Block))

    seed("--users", "12", "--posts", "10")

    assert (count(app, ConversationMember), count(app, Message), count(app, Block)) == before


def test_no_follow_or_notification_passes_a_seeded_block(app, seed):
    from flaskblog.models import Block, Follow

    seed("--users", "40", "--posts", "80", "--random-seed", "3")

    with app.app_context():
        blocked = {
            frozenset(pair)
            for pair in db.session.execute(db.select(Block.blocker_id, Block.blocked_id))
        }
        follows = db.session.execute(db.select(Follow.follower_id, Follow.followed_id)).all()
        told = db.session.execute(db.select(Notification.user_id, Notification.actor_id)).all()
        assert blocked, "a demo this size has a block"
        assert not blocked & {frozenset(pair) for pair in follows}
        assert not blocked & {frozenset(pair) for pair in told}


def test_a_later_run_follows_nobody_across_an_earlier_block(app, seed):
    from flaskblog.models import Block, Follow

    seed("--users", "2", "--posts", "0")
    with app.app_context():
        first, second = db.session.scalars(db.select(User).order_by(User.id))
        Block.block(first, second)  # ends their follows: both are readers who follow nobody
        db.session.commit()

    seed("--users", "2", "--posts", "0")

    assert count(app, Follow) == 0


def test_some_demo_users_read_a_digest_and_a_second_run_keeps_their_choice(app, seed):
    seed("--users", "30", "--posts", "0")
    with app.app_context():
        chosen = dict(
            db.session.execute(
                db.select(NotificationSettings.user_id, NotificationSettings.digest)
            ).all()
        )
        assert set(chosen.values()) == {"daily", "weekly"}
        # One reader changes their mind: the next run leaves it.
        first = db.session.get(NotificationSettings, min(chosen))
        first.digest = "off"
        db.session.commit()

    seed("--users", "30", "--posts", "0")

    with app.app_context():
        again = dict(
            db.session.execute(
                db.select(NotificationSettings.user_id, NotificationSettings.digest)
            ).all()
        )
    assert again == {**chosen, min(chosen): "off"}


def test_the_planner_has_statistics_after_seeding(app, seed):
    seed("--users", "3", "--posts", "10", "--random-seed", "1")

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            analyzed = db.session.scalars(db.text("SELECT DISTINCT tbl FROM sqlite_stat1")).all()
        else:
            analyzed = db.session.scalars(
                db.text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL")
            ).all()
    assert {"posts", "follows"} <= set(analyzed)
