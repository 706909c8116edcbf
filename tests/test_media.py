"""Images live as long as a post shows them: a post's images follow its Markdown and cover,
and deleting a post or an account deletes the images nothing else shows, in the database or
in S3-compatible object storage."""

import pytest

from flaskblog.extensions import db
from flaskblog.models import Image, Post, User
from tests.helpers.api import error_of
from tests.helpers.factories import make_user
from tests.helpers.images import give_image, png, upload_image
from tests.helpers.pages import AuthActions, Forms


def write_post(app, user_id: int, content: str, **fields) -> int:
    with app.app_context():
        post = Post(title="With pictures", content=content, user_id=user_id, **fields)
        db.session.add(post)
        db.session.commit()
        return post.id


def images_of(app, post_id: int) -> set[int]:
    with app.app_context():
        return {image.id for image in db.session.get(Post, post_id).images}


def image_ids(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(db.select(Image.id)))


def delete(app, model, row_id: int) -> None:
    with app.app_context():
        db.session.delete(db.session.get(model, row_id))
        db.session.commit()


def test_a_posts_images_follow_the_links_in_its_markdown(app, alice):
    kept, dropped = give_image(app, alice, png(colour="red")), give_image(app, alice, png())
    post_id = write_post(app, alice, f"One {kept['markdown']} and {dropped['markdown']}.")
    assert images_of(app, post_id) == {kept["id"], dropped["id"]}

    with app.app_context():
        db.session.get(Post, post_id).content = f"Just {kept['markdown']}."
        db.session.commit()

    assert images_of(app, post_id) == {kept["id"]}


def test_a_link_with_the_wrong_digest_is_not_the_image(app, alice):
    image = give_image(app, alice)
    forged = image["url"].replace(image["url"].split("/")[3][:16], "f" * 16)

    post_id = write_post(app, alice, f"![x]({forged})")

    assert images_of(app, post_id) == set()


def test_someone_elses_image_may_be_linked_but_not_used_as_a_cover(app, alice):
    bob = make_user(app, "bob")
    hers = give_image(app, alice, png(colour="purple"))

    post_id = write_post(app, bob, f"Look: {hers['markdown']}", cover_image_id=hers["id"])

    with app.app_context():
        post = db.session.get(Post, post_id)
        assert post.cover_image_id is None
        assert [image.id for image in post.images] == [hers["id"]]
    # bob deleting his post leaves alice's image alone.
    delete(app, Post, post_id)
    assert hers["id"] in image_ids(app)


def test_deleting_a_post_deletes_the_images_no_other_post_shows(app, alice):
    own, shared, cover = (give_image(app, alice, png(colour=c)) for c in ("red", "blue", "gray"))
    post_id = write_post(
        app, alice, f"{own['markdown']} {shared['markdown']}", cover_image_id=cover["id"]
    )
    write_post(app, alice, f"Again: {shared['markdown']}")

    delete(app, Post, post_id)

    assert image_ids(app) == {shared["id"]}


def test_deleting_an_account_deletes_its_images(app, alice):
    bob = make_user(app, "bob")
    give_image(app, alice, png(colour="red"))
    write_post(app, alice, give_image(app, alice, png(colour="blue"))["markdown"])
    bobs = give_image(app, bob)

    delete(app, User, alice)

    assert image_ids(app) == {bobs["id"]}


# --- In S3-compatible object storage --------------------------------------------------------


@pytest.fixture
def s3_app(build_app, object_storage):
    bucket = object_storage.new_bucket()
    app = build_app(**object_storage.settings(bucket))
    app.bucket = bucket
    return app


def test_an_image_goes_to_object_storage_and_comes_back(s3_app, object_storage):
    alice = make_user(s3_app, "alice")
    client = s3_app.test_client()
    AuthActions(client, Forms(client)).login()

    answer = upload_image(client, png(colour="orange")).get_json()

    with s3_app.app_context():
        row = db.session.scalars(db.select(Image)).one()
        assert row.data is None
        key = row.storage_key
    assert object_storage.keys(s3_app.bucket) == [key]
    served = client.get(answer["url"])
    assert served.status_code == 200 and served.data[:8] == b"\x89PNG\r\n\x1a\n"

    post_id = write_post(s3_app, alice, answer["markdown"])
    delete(s3_app, Post, post_id)

    assert object_storage.keys(s3_app.bucket) == []
    assert image_ids(s3_app) == set()


def test_deleting_an_account_removes_its_objects(s3_app, object_storage):
    alice = make_user(s3_app, "alice")
    give_image(s3_app, alice, png(colour="red"))
    give_image(s3_app, alice, png(colour="blue"))
    assert len(object_storage.keys(s3_app.bucket)) == 2

    delete(s3_app, User, alice)

    assert object_storage.keys(s3_app.bucket) == []


def test_when_object_storage_fails_the_upload_is_a_503_and_nothing_is_saved(
    build_app, object_storage
):
    app = build_app(**object_storage.settings("no-such-bucket"))
    make_user(app, "alice")
    client = app.test_client()
    AuthActions(client, Forms(client)).login()

    response = upload_image(client, png())

    assert response.status_code == 503
    assert "cannot be stored right now" in error_of(response)["message"]
    assert image_ids(app) == set()
