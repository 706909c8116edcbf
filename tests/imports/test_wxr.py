"""`flask import wxr`: a WordPress export becomes one author's posts, drafts and scheduled
posts, with their dates, slugs, tags, comments, pictures and old addresses; hostile or
broken files are refused whole."""

import base64
from datetime import UTC, datetime

import pytest

from flaskblog.extensions import db
from flaskblog.models import (
    Comment,
    Image,
    ImportedPost,
    OldLink,
    Post,
    User,
)
from tests.helpers.factories import make_user
from tests.helpers.images import png
from tests.helpers.wxr import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    IMAGE_PATH,
    MALFORMED,
    WxrPost,
    sample_media,
    sample_wxr,
    wxr,
)


@pytest.fixture
def export_file(tmp_path):
    path = tmp_path / "export.xml"
    path.write_bytes(sample_wxr())
    return path


@pytest.fixture
def media(tmp_path):
    folder = tmp_path / "uploads"
    sample_media(folder)
    return folder


def run_import(app, *args):
    return app.test_cli_runner().invoke(args=["import", "wxr", *map(str, args)])


def posts_of(app, user_id: int) -> dict[str, Post]:
    with app.app_context():
        posts = db.session.scalars(db.select(Post).where(Post.user_id == user_id)).all()
        for post in posts:
            db.session.expunge(post)
        return {post.title: post for post in posts}


def table_counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (Post, Comment, Image, ImportedPost, OldLink)
        }


def test_posts_drafts_and_scheduled_posts_come_in_with_their_dates_and_slugs(
    app, alice, export_file, media
):
    result = run_import(app, export_file, "--author", "alice", "--media", media)

    assert result.exit_code == 0, result.output
    assert "Imported 5 posts, 1 comment and 1 image; skipped 1." in result.output
    posts = posts_of(app, alice)
    assert set(posts) == {
        "Hello, wörld",
        "Café ☕ notes",
        "Third post",
        "Work in progress",
        "Coming soon",
    }
    hello = posts["Hello, wörld"]
    assert hello.slug == "hello-world"
    assert hello.is_public
    assert hello.published_at == datetime(2019, 4, 7, 10, 0, tzinfo=UTC)
    assert hello.summary == "The first post."
    draft = posts["Work in progress"]
    assert not draft.is_published
    assert draft.date_posted == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    scheduled = posts["Coming soon"]
    assert scheduled.is_published and not scheduled.is_public
    assert scheduled.published_at == datetime(2099, 1, 1, 9, 0, tzinfo=UTC)
    assert "skipped: About me: a page, not a post" in result.output


def test_html_becomes_markdown_and_nothing_unsafe_survives(app, alice, export_file, media):
    run_import(app, export_file, "--author", "alice", "--media", media)

    hello = posts_of(app, alice)["Hello, wörld"]
    assert hello.content.startswith("Welcome to **my** blog.")
    assert "<strong>my</strong>" in hello.content_html
    assert "<script" not in hello.content_html and "alert('owned')" not in hello.content
    assert 'href="javascript:' not in hello.content_html
    assert 'href="https://example.org/"' in hello.content_html
    cafe = posts_of(app, alice)["Café ☕ notes"]
    assert "日本語 and emoji 🎉" in cafe.content
    assert "<li>one</li>" in cafe.content_html


def test_shortcodes_stay_as_text_and_are_listed(app, alice, export_file, media):
    result = run_import(app, export_file, "--author", "alice", "--media", media)

    assert '[gallery ids="4,5"]' in posts_of(app, alice)["Hello, wörld"].content
    assert "shortcodes kept as text in Hello, wörld: gallery" in result.output


def test_categories_and_tags_follow_the_site_rules_and_changes_are_listed(
    app, alice, export_file, media
):
    result = run_import(app, export_file, "--author", "alice", "--media", media)

    with app.app_context():
        hello = db.session.scalar(db.select(Post).where(Post.slug == "hello-world"))
        cafe = db.session.scalar(db.select(Post).where(Post.slug == "cafe-notes"))
        assert [tag.name for tag in hello.tags] == ["news", "travel-food", "uberraschung"]
        assert sorted(tag.name for tag in cafe.tags) == ["five", "four", "one", "three", "two"]
    assert "tag “Travel & Food” became “travel-food”" in result.output
    assert "tag “six” dropped: a post has at most 5 tags" in result.output


def test_approved_comments_come_in_as_plain_text_under_their_authors_names(
    app, alice, export_file, media
):
    run_import(app, export_file, "--author", "alice", "--media", media)

    with app.app_context():
        (comment,) = db.session.scalars(db.select(Comment)).all()
        assert comment.imported_author == "Jane Reader"
        assert comment.body == "Lovely *post*!"
        assert comment.user_id == alice
        assert comment.created_at == datetime(2019, 4, 8, 9, 0, tzinfo=UTC)
        post_id = comment.post_id
        db.session.expunge(comment)
    page = app.test_client().get(f"/post/{post_id}").get_data(as_text=True)
    assert "Jane Reader" in page and "Lovely *post*!" in page
    article = page[page.index(f'id="comment-{comment.id}"') :]
    article = article[: article.index("</article>")]
    # Not Alice's words, so not Alice's picture or name either.
    assert "default-avatar.svg" in article
    assert "alice" not in article


def test_the_picture_from_the_media_folder_is_stored_and_linked(app, alice, export_file, media):
    run_import(app, export_file, "--author", "alice", "--media", media)

    with app.app_context():
        hello = db.session.scalar(db.select(Post).where(Post.slug == "hello-world"))
        (image,) = hello.images
        assert image.user_id == alice
        url = f"/image/{image.id}/{image.digest}.{image.extension}"
        assert f"![Sunset]({url})" in hello.content
        assert "old.example.com" not in hello.content
    assert app.test_client().get(url).status_code == 200


def test_a_picture_not_found_keeps_its_link_and_is_listed(app, alice, export_file):
    result = run_import(app, export_file, "--author", "alice")

    assert result.exit_code == 0
    assert "sunset-300x200.png not found" in result.output
    assert "old.example.com/wp-content" in posts_of(app, alice)["Hello, wörld"].content


def test_old_addresses_redirect_permanently_to_the_new_posts(app, alice, export_file, media):
    run_import(app, export_file, "--author", "alice", "--media", media)
    client = app.test_client()
    hello = posts_of(app, alice)["Hello, wörld"]

    for old in ("/2019/04/07/hello-world/", "/2019/04/07/hello-world", "/?p=123"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.location.endswith(f"/post/{hello.id}/hello-world")
    # A draft's old address is kept, but leads nowhere until it is published.
    assert client.get("/?p=126").status_code == 200
    assert client.get("/2019/04/07/nothing-here/").status_code == 404


def test_importing_the_same_file_twice_adds_nothing(app, alice, export_file, media):
    run_import(app, export_file, "--author", "alice", "--media", media)
    before = table_counts(app)

    result = run_import(app, export_file, "--author", "alice", "--media", media)

    assert result.exit_code == 0
    assert "Imported 0 posts" in result.output
    assert "Hello, wörld: already imported" in result.output
    assert table_counts(app) == before


def test_a_dry_run_says_what_it_would_do_and_stores_nothing(app, alice, export_file, media):
    before = table_counts(app)

    result = run_import(app, export_file, "--author", "alice", "--media", media, "--dry-run")

    assert result.exit_code == 0
    assert "Would import 5 posts, 1 comment and 1 image" in result.output
    assert table_counts(app) == before


def test_an_import_for_one_account_never_touches_another(
    app, alice, make_user, make_posts, export_file, media
):
    bob = make_user("bob")
    (bobs_post,) = make_posts(bob, 1, title="Bob's own")
    run_import(app, export_file, "--author", "alice", "--media", media)

    result = run_import(app, export_file, "--author", "bob", "--media", media)

    assert result.exit_code == 0
    assert len(posts_of(app, bob)) == 6  # his own, and the five imported for him
    assert len(posts_of(app, alice)) == 5
    # The old addresses stay with the first account that claimed them.
    assert "old address /2019/04/07/hello-world already leads to another post" in result.output
    with app.app_context():
        assert db.session.get(Post, bobs_post).title == "Bob's own"
        assert OldLink.post_at("/?p=123").user_id == alice


def test_an_unknown_author_is_refused(app, export_file):
    result = run_import(app, export_file, "--author", "nobody")

    assert result.exit_code != 0
    assert "There is no account named 'nobody'." in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BILLION_LAUGHS, "declares XML entities (as a “billion laughs” file does)"),
        (EXTERNAL_ENTITY, "declares an external entity"),
        (MALFORMED, "is not well-formed XML (line 2"),
        (b"<html><body>Not WordPress</body></html>", "not a WordPress export"),
    ],
    ids=["billion-laughs", "external-entity", "malformed", "not-wxr"],
)
def test_hostile_and_broken_files_are_refused_whole(app, alice, tmp_path, content, message):
    # Valid posts before the bad part would be the half-way import the rules forbid.
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    before = table_counts(app)

    result = run_import(app, path, "--author", "alice")

    assert result.exit_code == 1
    assert message in result.output
    assert table_counts(app) == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(app, alice, tmp_path):
    path = tmp_path / "huge.xml"
    with path.open("wb") as file:
        file.truncate(200 * 1024 * 1024)  # 200 MB, sparse: no disk is written

    result = run_import(app, path, "--author", "alice")

    assert result.exit_code == 1
    assert "That file is 200 MB; an import reads at most 50 MB." in result.output


def test_a_post_longer_than_the_site_allows_is_skipped_with_the_reason(app, alice, tmp_path):
    path = tmp_path / "export.xml"
    long_text = "word " * (Post.CONTENT_LENGTH // 5 + 10)
    path.write_bytes(
        wxr([WxrPost(1, "Short", "Fine.", "short"), WxrPost(2, "Long", long_text, "long")])
    )

    result = run_import(app, path, "--author", "alice")

    assert result.exit_code == 0
    assert "skipped: Long:" in result.output and "at most 50,000" in result.output
    assert set(posts_of(app, alice)) == {"Short"}


def test_pictures_beyond_the_image_quota_are_skipped(build_app, export_file, media):
    app = build_app(IMAGE_QUOTA_MB=0)
    alice = make_user(app, "alice")

    result = run_import(app, export_file, "--author", "alice", "--media", media)

    assert result.exit_code == 0
    assert "sunset-300x200.png skipped: Your images already use" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Image.id))) == 0
        assert db.session.get(User, alice).posts


def test_a_picture_embedded_in_the_file_is_stored(app, alice, tmp_path):
    encoded = base64.b64encode(png((30, 20), "teal")).decode()
    html = f'Inline: <img src="data:image/png;base64,{encoded}" alt="Teal">'
    path = tmp_path / "export.xml"
    path.write_bytes(wxr([WxrPost(1, "Embedded", html, "embedded")]))

    result = run_import(app, path, "--author", "alice")

    assert "1 image" in result.output
    with app.app_context():
        post = db.session.scalar(db.select(Post).where(Post.slug == "embedded"))
        (image,) = post.images
        assert "data:" not in post.content
        assert f"![Teal](/image/{image.id}/{image.digest}.png)" in post.content


def test_a_picture_that_is_not_one_is_skipped_with_the_reason(app, alice, export_file, tmp_path):
    fake = tmp_path / "uploads" / IMAGE_PATH
    fake.parent.mkdir(parents=True)
    fake.write_bytes(b"<?php system($_GET['c']); ?>")

    result = run_import(app, export_file, "--author", "alice", "--media", tmp_path / "uploads")

    assert result.exit_code == 0
    assert "sunset-300x200.png skipped: That file is not a JPEG, PNG, WebP or GIF" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Image.id))) == 0


def test_html_nested_beyond_reason_skips_its_post_only(app, alice, tmp_path):
    path = tmp_path / "export.xml"
    deep = "<div>" * 5000 + "deep" + "</div>" * 5000
    path.write_bytes(wxr([WxrPost(1, "Fine", "Fine.", "fine"), WxrPost(2, "Deep", deep, "deep")]))

    result = run_import(app, path, "--author", "alice")

    assert result.exit_code == 0
    assert "skipped: Deep: its HTML is nested too deeply to convert" in result.output
    assert set(posts_of(app, alice)) == {"Fine"}


def test_an_address_with_non_ascii_letters_redirects_as_browsers_send_it(app, alice, tmp_path):
    path = tmp_path / "export.xml"
    post = WxrPost(7, "Café", "Coffee.", "caf%c3%a9")
    path.write_bytes(wxr([post]))
    run_import(app, path, "--author", "alice")

    response = app.test_client().get("/2019/04/07/caf%C3%A9/")

    assert response.status_code == 301
    assert response.location.endswith(f"/post/{posts_of(app, alice)['Café'].id}/cafe")


def test_an_html_excerpt_becomes_a_plain_text_summary_within_its_length(app, alice, tmp_path):
    words = "<p>An <em>excerpt</em> &amp; more.</p>\n\n<p>Then " + "long " * 80 + "</p>"
    path = tmp_path / "export.xml"
    path.write_bytes(wxr([WxrPost(1, "Excerpted", "Body.", "excerpted", excerpt=words)]))

    result = run_import(app, path, "--author", "alice")

    assert result.exit_code == 0, result.output
    assert f"Excerpted: summary cut to {Post.SUMMARY_LENGTH} characters" in result.output
    summary = posts_of(app, alice)["Excerpted"].summary
    assert summary.startswith("An excerpt & more. Then long long")
    assert len(summary) <= Post.SUMMARY_LENGTH and "<" not in summary
