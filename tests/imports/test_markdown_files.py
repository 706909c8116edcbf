"""`flask import markdown`: a folder or zip of Markdown files with YAML front matter becomes
one author's posts; zips that reach outside themselves or unpack to far more than they
hold are refused whole."""

import io
import zipfile
from datetime import UTC, datetime

import pytest

from flaskblog.extensions import db
from flaskblog.models import Image, ImportedPost, Post
from tests.helpers.images import png

FIRST = """---
title: Première journée
date: 2021-03-04T05:06:07+00:00
slug: first-day
tags: [Travel, Paris]
summary: Where it all began.
---
# Day one

![The tower](../images/tower.png)
"""
DRAFT = """---
title: Half done
date: 2021-05-01
draft: true
tags: notes, ideas
---
Still writing.
"""
LATER = """---
title: Next year
date: 2099-06-01T12:00:00Z
---
Not yet.
"""
BROKEN = """---
title: [unclosed
---
Body.
"""


def blog_files() -> dict[str, bytes]:
    return {
        "posts/2021-03-04-first-day.md": FIRST.encode(),
        "posts/half-done.md": DRAFT.encode(),
        "posts/next-year.md": LATER.encode(),
        "posts/broken.md": BROKEN.encode(),
        "images/tower.png": png((40, 60), "navy"),
        "README.md": b"# Not a post\n",
    }


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def blog_folder(tmp_path):
    folder = tmp_path / "blog"
    for name, data in blog_files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def run_import(app, *args):
    return app.test_cli_runner().invoke(args=["import", "markdown", *map(str, args)])


def posts_by_title(app) -> dict[str, Post]:
    with app.app_context():
        posts = db.session.scalars(db.select(Post)).all()
        for post in posts:
            db.session.expunge(post)
        return {post.title: post for post in posts}


def test_front_matter_gives_title_date_slug_tags_summary_and_draft(app, alice, blog_folder):
    result = run_import(app, blog_folder, "--author", "alice")

    assert result.exit_code == 0, result.output
    assert "Imported 3 posts, 0 comments and 1 image; skipped 1." in result.output
    assert "skipped: posts/broken.md: its front matter is not valid YAML" in result.output
    posts = posts_by_title(app)
    first = posts["Première journée"]
    assert first.slug == "first-day"
    assert first.published_at == datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC) and first.is_public
    assert first.summary == "Where it all began."
    assert [tag.name for tag in first.tags] == ["paris", "travel"]
    draft = posts["Half done"]
    assert not draft.is_published
    assert draft.date_posted == datetime(2021, 5, 1, tzinfo=UTC)
    assert sorted(tag.name for tag in draft.tags) == ["ideas", "notes"]
    later = posts["Next year"]
    assert later.is_scheduled


def test_pictures_linked_relatively_are_stored_as_the_authors_images(app, alice, blog_folder):
    run_import(app, blog_folder, "--author", "alice")

    with app.app_context():
        (image,) = db.session.scalars(db.select(Image)).all()
        post = db.session.scalar(db.select(Post).where(Post.slug == "first-day"))
        assert image.user_id == alice
        assert f"![The tower](/image/{image.id}/{image.digest}.png)" in post.content
        assert post.images == [image]


def test_a_zip_imports_as_the_folder_does_and_a_second_time_adds_nothing(app, alice, tmp_path):
    path = tmp_path / "blog.zip"
    path.write_bytes(zipped(blog_files()))

    first = run_import(app, path, "--author", "alice")
    again = run_import(app, path, "--author", "alice")

    assert "Imported 3 posts" in first.output
    assert "Imported 0 posts" in again.output
    assert "Première journée: already imported" in again.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Post.id))) == 3
        assert db.session.scalar(db.select(db.func.count(ImportedPost.id))) == 3


@pytest.mark.parametrize(
    "name", ["../escape.md", "/etc/cron.d/evil.md", "posts/../../escape.md", "C:/evil.md"]
)
def test_a_zip_with_a_path_outside_itself_is_refused(app, alice, tmp_path, name):
    path = tmp_path / "slip.zip"
    path.write_bytes(zipped({"posts/fine.md": FIRST.encode(), name: b"# evil"}))

    result = run_import(app, path, "--author", "alice")

    assert result.exit_code == 1
    assert "That zip holds a file with an unsafe path" in result.output
    assert posts_by_title(app) == {}
    assert not (tmp_path.parent / "escape.md").exists()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(app, alice, tmp_path):
    path = tmp_path / "bomb.zip"
    # A megabyte of zeros packs to about a kilobyte: a thousandfold, as bombs are built.
    path.write_bytes(zipped({"posts/fine.md": FIRST.encode(), "posts/bomb.md": bytes(2**20)}))

    result = run_import(app, path, "--author", "alice")

    assert result.exit_code == 1
    assert "That zip unpacks to more than an import reads" in result.output
    assert posts_by_title(app) == {}


def test_a_damaged_zip_is_refused(app, alice, tmp_path):
    path = tmp_path / "damaged.zip"
    path.write_bytes(zipped({"posts/fine.md": FIRST.encode()})[:-30])

    result = run_import(app, path, "--author", "alice")

    assert result.exit_code == 1
    assert "That zip file is damaged: nothing was imported." in result.output


def test_a_folder_without_markdown_is_refused(app, alice, tmp_path):
    result = run_import(app, tmp_path, "--author", "alice")

    assert result.exit_code == 1
    assert "No Markdown (.md) files were found" in result.output


def test_front_matter_with_yaml_aliases_is_refused_for_its_file(app, alice, tmp_path):
    # Nine levels of nine: a few hundred bytes that would read as 387 million strings.
    levels = ['a0: &a0 ["lol"]'] + [
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)
    ]
    bomb = "---\n" + "\n".join(levels) + "\ntitle: *a9\n---\nBody.\n"
    (tmp_path / "bomb.md").write_text(bomb)
    (tmp_path / "fine.md").write_text(FIRST)

    result = run_import(app, tmp_path, "--author", "alice")

    assert result.exit_code == 0
    assert "skipped: bomb.md: its front matter is not valid YAML (or uses aliases)" in result.output
    assert set(posts_by_title(app)) == {"Première journée"}


def test_front_matter_fields_that_are_not_text_are_refused_for_their_file(app, alice, tmp_path):
    (tmp_path / "odd.md").write_text("---\ntitle:\n  nested: yes\n---\nBody.\n")

    result = run_import(app, tmp_path, "--author", "alice")

    assert (
        "skipped: odd.md: its title, slug, summary, date, draft, cover, permalink, url must each "
        "be text" in result.output
    )
    assert posts_by_title(app) == {}


def test_a_file_with_nul_characters_is_skipped_with_the_reason(app, alice, tmp_path):
    (tmp_path / "nul.md").write_text("---\ntitle: Nul\n---\nA\x00B\n")
    (tmp_path / "fine.md").write_text(FIRST)

    result = run_import(app, tmp_path, "--author", "alice")

    assert result.exit_code == 0
    assert "skipped: nul.md: it holds NUL characters" in result.output
    assert set(posts_by_title(app)) == {"Première journée"}


def test_jekyll_files_give_their_date_by_name_and_categories_as_tags(app, alice, tmp_path):
    (tmp_path / "2020-02-29-leap-day.markdown").write_text(
        "---\ntitle: Leap day\ncategories: [Calendar]\ntags: [rare]\n---\nOnce in four years.\n"
    )

    result = run_import(app, tmp_path, "--author", "alice")

    assert result.exit_code == 0, result.output
    post = posts_by_title(app)["Leap day"]
    assert post.published_at == datetime(2020, 2, 29, tzinfo=UTC)
    assert post.slug == "leap-day"
    with app.app_context():
        assert [tag.name for tag in db.session.get(Post, post.id).tags] == ["calendar", "rare"]


def test_old_addresses_in_the_front_matter_redirect_permanently_to_the_new_post(
    app, alice, tmp_path
):
    (tmp_path / "moved.md").write_text(
        "---\ntitle: Moved\nslug: moved\npermalink: /2019/04/07/caf%C3%A9/\n"
        "redirect_from: [/old/one]\nurl: https://old.example.com/old/two?ref=x\n"
        "aliases: [/old/one, 42, /:year/:title/]\n---\nHere now.\n"
    )

    result = run_import(app, tmp_path, "--author", "alice")

    assert result.exit_code == 0, result.output
    moved = posts_by_title(app)["Moved"]
    client = app.test_client()
    for old in ("/2019/04/07/café/", "/old/one", "/old/two"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.location.endswith(f"/post/{moved.id}/moved")
    # A pattern with placeholders names no address of its own.
    assert client.get("/:year/:title/").status_code == 404
