"""A writer uploads an image from the editor (or through the API) and gets back its URL and
the Markdown that shows it; everyone is then served the image, cached for good."""

import io

import pytest
from PIL import Image

from flaskblog.extensions import db
from flaskblog.models import Image as ImageRow
from tests.helpers.api import bearer, error_of, get_token
from tests.helpers.factories import log_in_unconfirmed, set_confirmed
from tests.helpers.factories import make_user as make_user_in
from tests.helpers.images import blank_png, image_bytes, photo, png, upload_image
from tests.helpers.pages import AuthActions, Forms, csrf_token_from


def image_rows(app) -> list[ImageRow]:
    with app.app_context():
        return db.session.scalars(db.select(ImageRow).order_by(ImageRow.id)).all()


def test_an_upload_answers_its_url_and_markdown(app, client, logged_in_alice):
    response = upload_image(client, image_bytes(photo((300, 200)), "JPEG"), alt="A red fox")

    assert response.status_code == 201
    answer = response.get_json()
    (row,) = image_rows(app)
    assert answer["url"] == f"/image/{row.id}/{row.digest}.webp"
    assert answer["markdown"] == f"![A red fox]({answer['url']})"
    assert (answer["id"], answer["width"], answer["height"]) == (row.id, 300, 200)
    assert (row.user_id, row.alt, row.extension) == (logged_in_alice, "A red fox", "webp")


def test_the_image_is_served_with_a_years_immutable_caching(client, logged_in_alice):
    answer = upload_image(client, png(colour="green")).get_json()

    response = client.get(answer["url"])

    assert response.status_code == 200
    assert response.content_type == "image/png"
    assert Image.open(io.BytesIO(response.data)).size == (64, 64)
    cache = response.cache_control
    assert cache.public and cache.immutable and cache.max_age == 31536000
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_wrong_digest_or_extension_is_not_found(client, logged_in_alice):
    answer = upload_image(client, png()).get_json()
    image_id, name = answer["url"].split("/")[2:4]
    digest, extension = name.split(".")

    assert client.get(f"/image/{image_id}/{'0' * 16}.{extension}").status_code == 404
    assert client.get(f"/image/{image_id}/{digest}.webp").status_code == 404
    assert client.get(f"/image/{int(image_id) + 1}/{digest}.{extension}").status_code == 404


def test_the_same_picture_uploaded_twice_is_stored_once(app, client, logged_in_alice):
    first = upload_image(client, png(colour="blue")).get_json()
    second = upload_image(client, png(colour="blue")).get_json()

    assert first["url"] == second["url"]
    assert len(image_rows(app)) == 1


@pytest.mark.parametrize(
    ("picture", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "not a JPEG, PNG, WebP or GIF"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "not a JPEG, PNG, WebP or GIF"),
        (blank_png(5_000, 4_000, bit_depth=1, colour_type=0), "too large"),
    ],
    ids=["fake", "damaged", "bomb"],
)
def test_a_bad_image_is_refused_with_a_clear_message(
    app, client, logged_in_alice, picture, message
):
    response = upload_image(client, picture)

    assert response.status_code == 400
    assert message in error_of(response)["message"]
    assert image_rows(app) == []


def test_a_missing_image_is_refused(app, client, logged_in_alice):
    token = csrf_token_from(client.get("/post/new"))
    response = client.post("/post/images", data={"csrf_token": token})

    assert response.status_code == 400
    assert error_of(response)["message"] == "Choose an image to upload."


def test_an_image_over_5_mb_is_refused(app, client, logged_in_alice):
    huge = png() + b"\0" * (5 * 1024 * 1024)

    response = upload_image(client, huge)

    assert response.status_code == 413
    assert "at most 5 MB" in error_of(response)["message"]
    assert image_rows(app) == []


def test_a_request_over_the_body_limit_gets_a_json_413(app, client, logged_in_alice):
    response = upload_image(client, b"\0" * (6 * 1024 * 1024))

    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_a_full_quota_is_refused_with_a_clear_message(app, client, logged_in_alice):
    app.config["IMAGE_QUOTA_MB"] = 0

    response = upload_image(client, png())

    assert response.status_code == 413
    assert "of your 0 MB" in error_of(response)["message"]
    assert image_rows(app) == []


def test_unconfirmed_users_cannot_upload(app, client, auth):
    log_in_unconfirmed(app, auth)

    response = upload_image(client, png(), page="/account")

    assert response.status_code == 403
    assert "confirm your email address" in error_of(response)["message"]
    assert image_rows(app) == []


def test_an_upload_without_the_csrf_token_is_refused(app, client, logged_in_alice):
    response = client.post("/post/images", data={"image": (io.BytesIO(png()), "a.png")})

    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"
    assert image_rows(app) == []


def test_visitors_are_sent_to_log_in(app, client):
    token = csrf_token_from(client.get("/login"))
    response = client.post(
        "/post/images", data={"image": (io.BytesIO(png()), "a.png"), "csrf_token": token}
    )

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- The API ---------------------------------------------------------------------------------


def api_upload(client, token: str | None, picture: bytes, **fields):
    return client.post(
        "/api/v1/images",
        data={"image": (io.BytesIO(picture), "picture.png"), **fields},
        headers=bearer(token) if token else {},
        content_type="multipart/form-data",
    )


def test_the_api_uploads_an_image_with_a_token(app, client, alice):
    response = api_upload(client, get_token(client), png(), alt="A square")

    assert response.status_code == 201
    answer = response.get_json()
    (row,) = image_rows(app)
    assert answer["url"] == f"http://flaskblog.test/image/{row.id}/{row.digest}.png"
    assert answer["markdown"] == f"![A square]({answer['url']})"
    assert client.get(answer["url"]).status_code == 200


def test_the_api_refuses_uploads_without_a_token(app, client, alice):
    response = api_upload(client, None, png())

    assert response.status_code == 401
    assert image_rows(app) == []


def test_the_api_refuses_a_fake_image_and_a_missing_one(app, client, alice):
    token = get_token(client)

    fake = api_upload(client, token, b"GIF89a<script>alert(1)</script>")
    missing = client.post(
        "/api/v1/images",
        data={"alt": "x"},
        headers=bearer(token),
        content_type="multipart/form-data",
    )

    assert fake.status_code == 400
    assert "not a JPEG, PNG, WebP or GIF" in error_of(fake)["message"]
    assert missing.status_code == 422
    assert "image" in error_of(missing)["details"]
    assert image_rows(app) == []


def test_the_api_refuses_a_field_it_does_not_know(app, client, alice):
    response = api_upload(client, get_token(client), png(), caption="A square")

    assert response.status_code == 422
    assert "caption" in error_of(response)["details"]
    assert image_rows(app) == []


def test_the_api_refuses_unconfirmed_users(app, client, make_user):
    make_user("carol")
    token = get_token(client, "carol@example.com")
    set_confirmed(app, "carol@example.com", False)

    response = api_upload(client, token, png())

    assert response.status_code == 403
    assert image_rows(app) == []


def test_uploads_are_rate_limited_per_user_with_a_json_answer(build_app):
    app = build_app(RATELIMIT_ENABLED=True)
    make_user_in(app, "alice")
    client = app.test_client()
    AuthActions(client, Forms(client)).login()
    token = csrf_token_from(client.get("/post/new"))

    def send():
        return client.post(
            "/post/images",
            data={"image": (io.BytesIO(png()), "a.png"), "csrf_token": token},
            content_type="multipart/form-data",
        )

    answers = [send().status_code for _ in range(30)]
    refused = send()

    assert set(answers) == {201}
    assert refused.status_code == 429
    assert error_of(refused)["code"] == "rate_limited"
    assert "Retry-After" in refused.headers
