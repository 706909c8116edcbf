"""Imports on any database: slugs, GUIDs, titles, tags and old addresses longer than their
columns are shortened or left out with a word in the summary, and text no column can hold
(NUL, broken Unicode) is refused for its file or mended, never a failed import (PostgreSQL
refuses all of these; SQLite stores most)."""

import os

import pytest

from flaskblog.extensions import db
from flaskblog.models import Comment, ImportedPost, OldLink, Post, Tag
from tests.helpers.wxr import SITE, WxrComment, WxrPost, wxr

LONG = "a-very-long-slug-" * 24  # 408 characters


def run_import(app, kind, *args):
    return app.test_cli_runner().invoke(args=["import", kind, *map(str, args)])


def stored(app) -> tuple[list[Post], list[str]]:
    """The posts (detached, with their tags) and the import keys the database holds."""
    with app.app_context():
        posts = db.session.scalars(db.select(Post).order_by(Post.id)).unique().all()
        for post in posts:
            post.tags  # noqa: B018 - loaded before the session closes
            db.session.expunge(post)
        keys = db.session.scalars(db.select(ImportedPost.source_key)).all()
        return posts, keys


def markdown_file(slug: str, title: str = "Long") -> str:
    tags = ", ".join(["x" * 40, "long-" * 20])
    return f"---\ntitle: {title}\ndate: 2021-03-04\nslug: {slug}\ntags: [{tags}]\n---\nBody.\n"


def import_twice(app, kind: str, path):
    """The same import as alice twice: the first brings one post in. (first, again)."""
    first = run_import(app, kind, path, "--author", "alice")
    again = run_import(app, kind, path, "--author", "alice")
    assert first.exit_code == 0, first.output
    assert "Imported 1 post" in first.output
    return first, again


def test_a_markdown_file_with_an_overlong_slug_and_title_comes_in_once(app, alice, tmp_path):
    (tmp_path / "long.md").write_text(markdown_file(LONG, title="T" * 250))

    first, again = import_twice(app, "markdown", tmp_path)

    assert f"title cut to {Post.TITLE_LENGTH} characters" in first.output
    assert "Imported 0 posts" in again.output and "already imported" in again.output
    (post,), (key,) = stored(app)
    assert post.title == "T" * Post.TITLE_LENGTH
    assert len(post.slug) <= Post.SLUG_LENGTH and LONG.startswith(post.slug)
    assert all(len(tag.name) <= Tag.NAME_LENGTH for tag in post.tags) and post.tags
    assert len(key) <= ImportedPost.KEY_LENGTH and key.startswith("markdown:a-very-long")


def test_overlong_slugs_alike_in_their_first_hundreds_of_characters_stay_apart(
    app, alice, tmp_path
):
    (tmp_path / "one.md").write_text(markdown_file(LONG + "one", title="One"))
    (tmp_path / "two.md").write_text(markdown_file(LONG + "two", title="Two"))

    result = run_import(app, "markdown", tmp_path, "--author", "alice")

    assert "Imported 2 posts" in result.output, result.output
    posts, keys = stored(app)
    assert [post.title for post in posts] == ["One", "Two"] and len(set(keys)) == 2


def test_front_matter_escapes_for_nul_or_broken_unicode_skip_their_file(app, alice, tmp_path):
    (tmp_path / "nul.md").write_text('---\ntitle: "A\\0B"\n---\nBody.\n')
    (tmp_path / "half.md").write_text('---\ntags: ["\\ud800"]\n---\nBody.\n')
    (tmp_path / "fine.md").write_text(markdown_file("fine", title="Fine"))

    result = run_import(app, "markdown", tmp_path, "--author", "alice")

    assert result.exit_code == 0, result.output
    for name in ("nul.md", "half.md"):
        assert f"skipped: {name}: its front matter holds NUL characters or broken Unicode" in (
            result.output
        )
    assert [post.title for post in stored(app)[0]] == ["Fine"]


def test_a_wordpress_post_with_an_overlong_guid_and_address_comes_in_once(app, alice, tmp_path):
    long_path = f"/{'deep/' * 110}post/"  # 551 characters: more than an old link may be
    post = WxrPost(
        5,
        "Long GUID",
        "Words.",
        LONG,
        guid=f"{SITE}/?guid={'g' * 400}",
        permalink=SITE + long_path,
        categories=["Category " * 40],
        comments=[WxrComment("Reader " * 40, "Nice.")],
    )
    path = tmp_path / "export.xml"
    path.write_bytes(wxr([post]))

    first, again = import_twice(app, "wxr", path)

    assert f"not kept: it is longer than {OldLink.PATH_LENGTH} characters" in first.output
    assert "Imported 0 posts" in again.output and "Long GUID: already imported" in again.output
    (imported,), (key,) = stored(app)
    assert len(key) <= ImportedPost.KEY_LENGTH and key.startswith(f"wxr:{SITE}/?guid=ggg")
    assert len(imported.slug) <= Post.SLUG_LENGTH
    assert [tag.name for tag in imported.tags] == ["category-category-category-cat"]
    with app.app_context():
        (comment,) = db.session.scalars(db.select(Comment)).all()
        assert len(comment.imported_author) == Comment.IMPORTED_AUTHOR_LENGTH
        assert OldLink.post_at("/?p=5").id == imported.id
        assert OldLink.post_at(long_path) is None


def test_a_file_name_that_is_not_utf8_gives_a_title_that_can_be_stored(app, alice, tmp_path):
    name = os.path.join(os.fsencode(tmp_path), b"caf\xe9-notes.md")  # Latin-1: "café"
    try:
        with open(name, "wb") as file:
            file.write(b"No front matter, so the title comes from the name.\n")
    except OSError:
        pytest.skip("this file system takes only UTF-8 names")

    result = run_import(app, "markdown", tmp_path, "--author", "alice")

    assert result.exit_code == 0, result.output
    assert "Imported 1 post" in result.output
    assert [post.title for post in stored(app)[0]] == ["caf\N{REPLACEMENT CHARACTER} notes"]
