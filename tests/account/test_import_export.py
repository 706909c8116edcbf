"""/account/import and /account/export.zip: a writer imports a file into their own account
in the background and watches its progress page; their export is a zip of Markdown that
imports back into an empty account as the same posts, byte for byte."""

import io
import uuid
import zipfile

import pytest
import redis
from rq import Queue

from flaskblog.extensions import db
from flaskblog.images import make_post_image
from flaskblog.imports import jobs
from flaskblog.mailqueue import make_worker
from flaskblog.media import store_image
from flaskblog.models import ImportJob, Post, User
from tests.helpers.factories import make_user
from tests.helpers.images import png
from tests.helpers.pages import AuthActions, Forms, page_text
from tests.helpers.services import REDIS_URL, require_redis
from tests.helpers.wxr import BILLION_LAUGHS, sample_media, sample_wxr


def import_file(forms, data: bytes, name: str):
    return forms.submit("/account/import", {"file": (io.BytesIO(data), name)})


def zip_files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def markdown_of(files: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in files.items() if name.startswith("posts/")}


@pytest.fixture
def alice_imported_her_blog(app, logged_in_alice, tmp_path):
    """Alice, logged in, with the sample WordPress blog imported (its picture too)."""
    (tmp_path / "export.xml").write_bytes(sample_wxr())
    sample_media(tmp_path / "uploads")
    export, media = str(tmp_path / "export.xml"), str(tmp_path / "uploads")
    result = app.test_cli_runner().invoke(
        args=["import", "wxr", export, "--author", "alice", "--media", media]
    )
    assert result.exit_code == 0, result.output
    return logged_in_alice


def test_an_upload_is_imported_in_the_background_and_its_page_shows_the_summary(
    app, logged_in_alice, forms, client
):
    response = import_file(forms, sample_wxr(), "my-blog.xml")

    assert response.status_code == 302
    page = client.get(response.location)
    text = page_text(page)
    assert "Import of my-blog.xml" in text
    assert "Done: imported 5 posts, 1 comment and 0 images; skipped 1." in text
    assert "About me: a page, not a post" in text
    assert "Hello, wörld: gallery" in text  # the shortcode kept as text
    assert "tag “Travel & Food” became “travel-food”" in text
    with app.app_context():
        assert len(db.session.get(User, logged_in_alice).posts) == 5
        (job,) = db.session.scalars(db.select(ImportJob)).all()
        assert job.state == "done" and job.data is None  # the file is not kept


def test_a_hostile_upload_fails_with_its_reason_and_imports_nothing(
    app, logged_in_alice, forms, client
):
    response = import_file(forms, BILLION_LAUGHS, "lol.xml")

    text = page_text(client.get(response.location))
    assert "Nothing was imported." in text
    assert "billion laughs" in text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Post.id))) == 0


def test_the_form_asks_for_a_file(logged_in_alice, forms):
    response = forms.submit("/account/import", {})

    assert response.status_code == 200
    assert "Choose a file to import." in page_text(response)


def test_an_import_page_is_its_owners_alone(app, logged_in_alice, forms, make_user):
    response = import_file(forms, sample_wxr(), "my-blog.xml")
    make_user("bob")
    bob = app.test_client()
    AuthActions(bob, Forms(bob)).login("bob@example.com")

    assert bob.get(response.location).status_code == 404
    assert app.test_client().get(response.location).status_code == 302  # to the login page


def test_the_export_is_a_zip_of_markdown_images_comments_and_a_readme(
    alice_imported_her_blog, client
):
    response = client.get("/account/export.zip")

    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "flaskblog-alice.zip" in response.headers["Content-Disposition"]
    files = zip_files(response.data)
    assert sorted(markdown_of(files)) == [
        "posts/2019-04-07-hello-world.md",
        "posts/2019-05-01-cafe-notes.md",
        "posts/2019-06-01-third-post.md",
        "posts/2020-01-02-work-in-progress.md",
        "posts/2099-01-01-coming-soon.md",
    ]
    hello = files["posts/2019-04-07-hello-world.md"].decode()
    assert hello.startswith("---\ntitle: Hello, wörld\ndate: '2019-04-07T10:00:00+00:00'\n")
    assert "slug: hello-world\n" in hello and "draft: false\n" in hello
    assert "![Sunset](../images/2019-04-07-hello-world-1.png)" in hello
    assert "images/2019-04-07-hello-world-1.png" in files
    draft = files["posts/2020-01-02-work-in-progress.md"].decode()
    assert "draft: true\n" in draft
    assert "README.md" in files and b"front matter" in files["README.md"]
    assert files["comments.json"] == b"[]"  # Jane's comment is hers, not Alice's


def test_export_then_import_into_an_empty_account_then_export_gives_the_same_markdown(
    app, alice_imported_her_blog, client, make_user
):
    first = zip_files(client.get("/account/export.zip").data)
    make_user("bob")
    bob = app.test_client()
    bob_forms = Forms(bob)
    AuthActions(bob, bob_forms).login("bob@example.com")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in first.items():
            archive.writestr(name, data)

    response = import_file(bob_forms, out.getvalue(), "flaskblog-alice.zip")
    assert "Done: imported 5 posts, 0 comments and 1 image" in page_text(bob.get(response.location))
    second = zip_files(bob.get("/account/export.zip").data)

    assert markdown_of(second) == markdown_of(first)
    assert sorted(second) == sorted(first)
    with app.app_context():
        bobs = {post.title: post for post in db.session.get(User, 2).posts}
        assert bobs["Work in progress"].is_published is False
        assert bobs["Coming soon"].is_scheduled
        assert [tag.name for tag in bobs["Hello, wörld"].tags] == [
            "news",
            "travel-food",
            "uberraschung",
        ]
        assert bobs["Hello, wörld"].summary == "The first post."
        assert bobs["Hello, wörld"].images[0].user_id == 2


def test_old_wordpress_addresses_redirect_to_the_imported_posts(
    app, alice_imported_her_blog, client
):
    with app.app_context():
        post = db.session.scalar(db.select(Post).where(Post.slug == "cafe-notes"))
        new = f"/post/{post.id}/cafe-notes"

    for old in ("/2019/05/01/cafe-notes/", "/?p=124"):
        response = app.test_client().get(old)
        assert response.status_code == 301
        assert response.location.endswith(new)


def test_an_upload_larger_than_any_picture_is_accepted(app, logged_in_alice, forms, client):
    # Over MAX_CONTENT_LENGTH (a picture and a form), well under IMPORT_MAX_MB.
    padding = b"<!--" + b" " * (app.config["MAX_CONTENT_LENGTH"] + 1024) + b"-->"
    big = sample_wxr().replace(b"<channel>", b"<channel>" + padding, 1)

    response = import_file(forms, big, "big.xml")

    assert response.status_code == 302
    assert "Done: imported 5 posts" in page_text(client.get(response.location))


def logged_in_client(app, username: str = "alice"):
    make_user(app, username)
    client = app.test_client()
    forms = Forms(client)
    AuthActions(client, forms).login(f"{username}@example.com")
    return forms


def test_an_upload_over_the_import_limit_is_refused_whole(build_app):
    app = build_app(IMPORT_MAX_MB=1)
    forms = logged_in_client(app)

    response = import_file(forms, b"<rss>" + b" " * (2 * 1024 * 1024) + b"</rss>", "big.xml")

    assert response.status_code == 413
    text = page_text(response)
    assert "That file is larger than an import reads: at most 1 MB. Nothing was imported." in text
    assert "Pictures may be at most" not in text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ImportJob.id))) == 0


def test_a_new_account_imports_nothing_in_its_first_day(build_app, security_log):
    app = build_app(NEW_ACCOUNT_POSTS_PER_HOUR=3)
    forms = logged_in_client(app)

    response = import_file(forms, sample_wxr(), "my-blog.xml")

    assert response.status_code == 429
    assert "New accounts can import posts once they are 24 hours old." in page_text(response)
    assert security_log()[-1]["event"] == "new_account_limited"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Post.id))) == 0


def test_with_the_thread_queue_the_import_runs_after_the_answer(build_app):
    app = build_app(shared_sqlite=True, MAIL_QUEUE="thread")
    forms = logged_in_client(app)

    response = import_file(forms, sample_wxr(), "my-blog.xml")
    jobs.drain(app)

    assert response.status_code == 302
    assert "Done: imported 5 posts" in page_text(forms.client.get(response.location))


def test_a_zip_of_a_wordpress_export_and_its_uploads_brings_the_pictures(
    app, logged_in_alice, forms, client, tmp_path
):
    sample_media(tmp_path / "wp-content" / "uploads")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("export.xml", sample_wxr())
        for path in (tmp_path / "wp-content").rglob("*.png"):
            archive.write(path, path.relative_to(tmp_path).as_posix())

    response = import_file(forms, out.getvalue(), "my-blog.zip")

    assert "Done: imported 5 posts, 1 comment and 1 image" in page_text(
        client.get(response.location)
    )


@pytest.fixture
def queue_name():
    """An RQ queue in Redis for this test alone, deleted afterwards with its jobs."""
    require_redis()
    name = f"flaskblog-test-import-{uuid.uuid4().hex}"
    yield name
    with redis.Redis.from_url(REDIS_URL) as server:
        Queue(name, connection=server).delete(delete_jobs=True)
        leftovers = list(server.scan_iter(f"rq:*{name}*"))
        if leftovers:
            server.delete(*leftovers)


def test_with_rq_the_import_waits_for_the_worker(build_app, queue_name):
    app = build_app(
        shared_sqlite=True, MAIL_QUEUE="rq", REDIS_URL=REDIS_URL, MAIL_QUEUE_NAME=queue_name
    )
    forms = logged_in_client(app)

    response = import_file(forms, sample_wxr(), "my-blog.xml")
    waiting = page_text(forms.client.get(response.location))
    with app.app_context():
        make_worker(app).work(burst=True)

    assert "Waiting to start" in waiting
    assert '<meta http-equiv="refresh" content="3">' in waiting
    done = page_text(forms.client.get(response.location))
    assert "Done: imported 5 posts" in done
    assert 'http-equiv="refresh"' not in done


def test_a_cover_travels_in_the_export_and_comes_back(app, logged_in_alice, client, make_user):
    with app.app_context():
        alice = db.session.get(User, logged_in_alice)
        picture = make_post_image(io.BytesIO(png((50, 40), "purple")), 16_000_000)
        cover = store_image(alice, picture)
        db.session.add(Post(title="With a cover", content="Words.", author=alice, cover=cover))
        db.session.commit()
    first = zip_files(client.get("/account/export.zip").data)
    make_user("bob")
    bob = Forms(app.test_client())
    AuthActions(bob.client, bob).login("bob@example.com")

    import_file(bob, zipped(first), "alice.zip")
    second = zip_files(bob.client.get("/account/export.zip").data)

    (name,) = markdown_of(first)
    assert "cover: ../images/" in first[name].decode()
    assert markdown_of(second) == markdown_of(first)
    with app.app_context():
        (bobs,) = db.session.get(User, 2).posts
        assert bobs.cover is not None and bobs.cover.user_id == 2


def test_a_file_name_with_control_characters_is_shown_without_them(
    app, logged_in_alice, forms, client
):
    response = import_file(forms, sample_wxr(), "my\tblog\x07.xml")

    assert response.status_code == 302
    assert "Import of myblog.xml" in page_text(client.get(response.location))


TRICKY_POSTS = [
    ("true", "---\nNot front matter.\n---\n\n\n"),
    ("2019-01-01", ""),
    ("Re: 'quotes', \"doubles\" — #hash & *stars* [brackets]", "  indented\n\ttab\r\nend"),
    ("null", "Emoji 🎉 and 日本語\n\n```python\nprint('hi')\n```"),
]


def test_the_round_trip_keeps_titles_content_and_summaries_that_look_like_yaml(
    app, logged_in_alice, client, make_user
):
    with app.app_context():
        alice = db.session.get(User, logged_in_alice)
        for number, (title, content) in enumerate(TRICKY_POSTS):
            post = Post(title=title, content=content, author=alice, tags=[])
            post.summary = "Two lines:\nthe second: yes" if number == 0 else None
            db.session.add(post)
        db.session.commit()
    first = zip_files(client.get("/account/export.zip").data)
    make_user("bob")
    bob = Forms(app.test_client())
    AuthActions(bob.client, bob).login("bob@example.com")

    import_file(bob, zipped(first), "alice.zip")
    second = zip_files(bob.client.get("/account/export.zip").data)

    assert len(markdown_of(first)) == len(TRICKY_POSTS)
    assert markdown_of(second) == markdown_of(first)
    with app.app_context():
        bobs = {post.title: post for post in db.session.get(User, 2).posts}
        assert {title: bobs[title].content for title, _ in TRICKY_POSTS} == dict(TRICKY_POSTS)
        assert bobs["true"].summary == "Two lines:\nthe second: yes"
