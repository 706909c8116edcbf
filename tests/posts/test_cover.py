"""A writer gives a post a cover image in the editor: it heads the post page and its place in
listings, and it is the picture link previews show."""

import io
import re

from sqlalchemy.orm import joinedload

from flaskblog.extensions import db
from flaskblog.models import Image, Post
from tests.helpers.images import image_bytes, photo, png
from tests.helpers.pages import field_errors


def cover_upload(picture: bytes | None = None, name: str = "cover.jpg"):
    return (io.BytesIO(picture or image_bytes(photo((400, 200)), "JPEG")), name)


def write(forms, url: str = "/post/new", **fields):
    data = {"title": "Autumn", "content": "Leaves everywhere.", "submit": "Publish", **fields}
    return forms.submit(url, data, content_type="multipart/form-data")


def the_post(app) -> Post:
    with app.app_context():
        return db.session.scalars(
            db.select(Post).options(joinedload(Post.cover))  # read after the session closes
        ).one()


def test_a_cover_heads_the_post_page_and_is_its_link_preview(app, client, forms, logged_in_alice):
    response = write(forms, cover=cover_upload(), cover_alt="Red leaves on a path")

    assert response.status_code == 302
    post = the_post(app)
    cover = post.cover
    assert (cover.user_id, cover.alt, cover.width, cover.height) == (
        logged_in_alice,
        "Red leaves on a path",
        400,
        200,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    url = f"/image/{cover.id}/{cover.digest}.webp"
    assert re.search(
        rf'<img class="post__cover" src="{re.escape(url)}" alt="Red leaves on a path"\s+'
        r'width="400" height="200">',
        page,
    )
    assert f'<meta property="og:image" content="http://flaskblog.test{url}">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert client.get(url).status_code == 200


def test_listings_show_the_cover_loaded_lazily(app, client, forms, logged_in_alice):
    write(forms, cover=cover_upload(), cover_alt="Red leaves")

    home = client.get("/").get_data(as_text=True)

    assert re.search(
        r'<img class="post__cover" src="/image/\d+/[0-9a-f]{16}\.webp" alt="Red leaves"'
        r'\s+width="400" height="200" loading="lazy">',
        home,
    )


def test_a_post_without_a_cover_has_no_large_card(app, client, forms, logged_in_alice):
    response = write(forms)

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "post__cover" not in page and "summary_large_image" not in page
    assert "/static/img/social-card.png" in page  # the site's own picture for its og:image
    assert '<meta name="twitter:card" content="summary">' in page  # the one, small card


def test_a_bad_cover_comes_back_as_a_field_error_with_the_text_kept(
    app, client, forms, logged_in_alice
):
    response = write(forms, cover=cover_upload(b"<svg><script>alert(1)</script></svg>", "x.png"))

    assert response.status_code == 200
    assert field_errors(response, "cover") == ["That file is not a JPEG, PNG, WebP or GIF image."]
    assert "Leaves everywhere." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(Post)).all() == []
        assert db.session.scalars(db.select(Image)).all() == []


def test_a_cover_past_the_quota_is_refused_with_a_clear_message(
    app, client, forms, logged_in_alice
):
    app.config["IMAGE_QUOTA_MB"] = 0

    response = write(forms, cover=cover_upload())

    assert response.status_code == 200
    (message,) = field_errors(response, "cover")
    assert "of your 0 MB" in message
    with app.app_context():
        assert db.session.scalars(db.select(Post)).all() == []


def test_the_cover_can_be_changed_described_again_and_removed(app, client, forms, logged_in_alice):
    write(forms, cover=cover_upload(), cover_alt="First")
    post_id = the_post(app).id
    edit = f"/post/{post_id}/update"
    editor = client.get(edit).get_data(as_text=True)
    assert re.search(r'<img class="cover-field__current" src="/image/[^"]+" alt="First"', editor)
    assert re.search(r'name="cover_alt"[^>]*value="First"', editor)
    assert "Remove the cover image" in editor

    write(forms, edit, cover=cover_upload(png((300, 100), "orange"), "new.png"), cover_alt="Second")
    assert (the_post(app).cover.alt, the_post(app).cover.extension) == ("Second", "png")

    write(forms, edit, remove_cover="y")
    assert the_post(app).cover is None
    page = client.get(f"/post/{post_id}").get_data(as_text=True)
    assert "post__cover" not in page


def test_a_cover_an_admin_gives_someone_elses_post_counts_against_the_authors_quota(
    app, client, forms, auth, make_user, make_posts
):
    bob, root = make_user("bob"), make_user("root", admin=True)
    (post_id,) = make_posts(bob, 1)
    app.config["IMAGE_QUOTA_MB"] = 1
    with app.app_context():  # the admin's own room is full; the author's is empty
        db.session.add(
            Image(
                user_id=root,
                digest="f" * Image.DIGEST_LENGTH,
                extension="png",
                width=1,
                height=1,
                size=2**20,
            )
        )
        db.session.commit()
    auth.login("root@example.com")

    response = write(forms, f"/post/{post_id}/update", cover=cover_upload())

    assert response.status_code == 302
    assert the_post(app).cover.user_id == bob
