"""The account page: changing username and email, uploading a profile picture, serving it."""

import io
import re

import pytest
from PIL import ExifTags, Image, ImageDraw
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import create_engine, insert
from sqlalchemy.orm import undefer

from flaskblog.account.forms import UpdateAccountForm
from flaskblog.extensions import db, mail
from flaskblog.models import Avatar, User
from tests.helpers import factories
from tests.helpers.factories import PASSWORD
from tests.helpers.images import image_bytes
from tests.helpers.pages import AuthActions, Forms, field_errors, flashes, page_text

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)
DEFAULT_AVATAR = "/static/img/default-avatar.svg"


def unversioned(url: str) -> str:
    """A static URL without the ?v= content hash that url_for adds."""
    return url.partition("?v=")[0]


UPDATED = "Your account has been updated."
NOT_AN_IMAGE = "That file is not a JPEG, PNG, WebP or GIF image."
DAMAGED = "That image is damaged or incomplete."
ONE_YEAR = 31536000
FIVE_MB = 5 * 1024 * 1024


def profile_picture_url(response) -> str:
    """The src of the large profile picture on the account or user page."""
    return re.search(r'<img class="avatar avatar--large" src="([^"]+)"', page_text(response))[1]


def halves(size: tuple[int, int], left, right) -> Image.Image:
    """An image whose left half is one colour and right half another."""
    image = Image.new("RGB", size, left)
    ImageDraw.Draw(image).rectangle((size[0] // 2, 0, size[0], size[1]), fill=right)
    return image


def bands(size: tuple[int, int], colours, vertical: bool = True) -> Image.Image:
    """Equal stripes of `colours`, side by side (vertical) or stacked."""
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    count = len(colours)
    for n, colour in enumerate(colours):
        if vertical:
            step = size[0] // count
            draw.rectangle((n * step, 0, (n + 1) * step - 1, size[1]), fill=colour)
        else:
            step = size[1] // count
            draw.rectangle((0, n * step, size[0], (n + 1) * step - 1), fill=colour)
    return image


def close_to(pixel, colour, tolerance=60) -> bool:
    """Lossy formats shift colours a little."""
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def stored_avatar(app, user_id: int) -> Avatar | None:
    with app.app_context():
        return db.session.get(Avatar, user_id, options=[undefer(Avatar.image)])


def stored_user(app, user_id: int) -> tuple[str, str]:
    with app.app_context():
        user = db.session.get(User, user_id)
        return user.username, user.email


def avatar_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(db.select(Avatar)).all())


@pytest.fixture
def account(forms):
    """Submit the account form; username and email default to Alice's current ones."""

    def submit(username="alice", email="alice@example.com", picture=None, name="me.png"):
        data = {"username": username, "email": email}
        if picture is not None:
            data["picture"] = (io.BytesIO(picture), name)
        return forms.submit("/account", data)

    return submit


def upload(account, picture: bytes, name="me.png"):
    return account(picture=picture, name=name)


# --- Username and email ---------------------------------------------------------------------


def test_account_page_shows_current_details_and_default_picture(logged_in_alice, client):
    response = client.get("/account")

    assert response.status_code == 200
    text = page_text(response)
    assert 'value="alice"' in text
    assert 'value="alice@example.com"' in text
    assert 'enctype="multipart/form-data"' in text
    assert unversioned(profile_picture_url(response)) == DEFAULT_AVATAR


def test_change_username(app, logged_in_alice, account, client):
    response = account("Alice_2", "alice@example.com")

    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    page = client.get("/account")
    assert flashes(page) == [("success", UPDATED)]
    assert "Alice_2" in page_text(page)
    assert stored_user(app, logged_in_alice) == ("Alice_2", "alice@example.com")
    assert client.get("/user/alice_2").status_code == 200


def test_keeping_own_username_and_email_is_fine(app, logged_in_alice, account):
    response = account("alice", "alice@example.com")

    assert response.status_code == 302
    assert stored_user(app, logged_in_alice) == ("alice", "alice@example.com")


def test_changing_the_case_of_own_username_and_email_is_fine(app, logged_in_alice, account):
    response = account("ALICE", "ALICE@EXAMPLE.COM")

    assert response.status_code == 302
    assert stored_user(app, logged_in_alice) == ("ALICE", "alice@example.com")


@pytest.mark.parametrize("taken_as", ["bob", "BOB", "Bob"])
def test_username_of_another_user_is_refused(app, make_user, logged_in_alice, account, taken_as):
    make_user("bob", "bob@example.com")

    response = account(taken_as, "alice@example.com")

    assert response.status_code == 200
    assert field_errors(response, "username") == [
        "That username is taken. Please choose another one."
    ]
    assert stored_user(app, logged_in_alice) == ("alice", "alice@example.com")


@pytest.mark.parametrize("taken_as", ["bob@example.com", "BOB@Example.com"])
def test_email_of_another_user_is_not_taken_and_not_revealed(
    app, make_user, logged_in_alice, forms, taken_as
):
    make_user("bob", "bob@example.com")

    with mail.record_messages() as outbox:
        response = forms.submit(
            "/account", {"username": "alice", "email": taken_as, "current_password": PASSWORD}
        )

    assert (
        response.status_code == 302
    )  # as for a free address: see account/test_account_security.py
    assert stored_user(app, logged_in_alice) == ("alice", "alice@example.com")
    assert sorted(message.recipients[0] for message in outbox) == [
        "alice@example.com",
        "bob@example.com",
    ]
    assert not any("/confirm/" in message.body for message in outbox)


@pytest.mark.parametrize(
    ("username", "email", "field"),
    [
        ("a", "alice@example.com", "username"),
        ("a" * 21, "alice@example.com", "username"),
        ("x" * 5000, "alice@example.com", "username"),
        ("bad name", "alice@example.com", "username"),
        ("...", "alice@example.com", "username"),
        ("", "alice@example.com", "username"),
        ("alice", "not-an-email", "email"),
        ("alice", "", "email"),
        ("alice", "a" * 5000 + "@example.com", "email"),
    ],
)
def test_account_changes_follow_the_registration_rules(
    app, logged_in_alice, account, client, username, email, field
):
    response = account(username, email)

    assert response.status_code == 200
    assert field_errors(response, field)
    assert stored_user(app, logged_in_alice) == ("alice", "alice@example.com")
    # The page header still shows the stored name, not the refused one.
    assert '<h1 class="profile__name">alice</h1>' in page_text(response)


def test_account_update_without_csrf_token_is_refused(app, logged_in_alice, client):
    response = client.post("/account", data={"username": "mallory", "email": "m@example.com"})

    assert response.status_code == 400
    assert stored_user(app, logged_in_alice) == ("alice", "alice@example.com")


@pytest.fixture
def app_with_two_connections(build_app):
    """A testing app whose database a second connection can write to at the same time."""
    return build_app(shared_sqlite=True)


def test_username_change_that_loses_a_race_shows_a_form_error(
    app_with_two_connections, monkeypatch
):
    app = app_with_two_connections
    other_request = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    check_uniqueness = UpdateAccountForm.validate_username
    raced = []

    def check_then_lose_the_race(form, field):
        check_uniqueness(form, field)
        if not raced:  # someone registers the same name right after our check
            with other_request.begin() as connection:
                connection.execute(
                    insert(User.__table__).values(
                        username="Carol", email="carol@example.com", password_hash="x" * 60
                    )
                )
            raced.append(True)

    alice = factories.make_user(app)
    client = app.test_client()
    forms = Forms(client)
    AuthActions(client, forms).login()
    monkeypatch.setattr(UpdateAccountForm, "validate_username", check_then_lose_the_race)

    response = forms.submit("/account", {"username": "carol", "email": "alice@example.com"})

    other_request.dispose()
    assert raced
    assert response.status_code == 200
    assert "That username is taken. Please choose another one." in field_errors(
        response, "username"
    )
    assert '<h1 class="profile__name">alice</h1>' in page_text(response)
    assert stored_user(app, alice) == ("alice", "alice@example.com")


# --- Picture upload -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("JPEG", "me.jpg"), ("PNG", "me.png"), ("WEBP", "me.webp"), ("GIF", "me.gif")],
)
def test_picture_in_each_accepted_format_is_stored_as_256px_webp(
    app, logged_in_alice, account, client, fmt, name
):
    picture = image_bytes(Image.new("RGB", (300, 300), RED), fmt)

    response = upload(account, picture, name)

    assert response.status_code == 302
    assert ("success", UPDATED) in flashes(client.get("/account"))
    avatar = stored_avatar(app, logged_in_alice)
    assert avatar is not None
    stored = Image.open(io.BytesIO(avatar.image))
    assert stored.format == "WEBP"
    assert stored.size == (256, 256)
    assert close_to(stored.convert("RGB").getpixel((128, 128)), RED)
    assert re.fullmatch(r"[0-9a-f]{16}", avatar.digest)


def test_picture_format_is_judged_by_content_not_file_name(app, logged_in_alice, account):
    picture = image_bytes(Image.new("RGB", (50, 50), GREEN), "JPEG")

    response = upload(account, picture, "holiday.png")

    assert response.status_code == 302
    assert stored_avatar(app, logged_in_alice) is not None


def test_small_picture_is_scaled_up_to_256px(app, logged_in_alice, account):
    upload(account, image_bytes(Image.new("RGB", (40, 40), BLUE), "PNG"))

    stored = Image.open(io.BytesIO(stored_avatar(app, logged_in_alice).image))
    assert stored.size == (256, 256)


@pytest.mark.parametrize(
    ("orientation", "top", "bottom"),
    [(6, RED, BLUE), (8, BLUE, RED)],
    ids=["rotate-90-clockwise", "rotate-90-anticlockwise"],
)
def test_picture_is_turned_upright_by_its_exif_orientation(
    app, logged_in_alice, account, orientation, top, bottom
):
    # Stored sideways: 200x100 with red on the left, blue on the right; the camera's
    # orientation tag says how to turn it for display.
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    picture = image_bytes(halves((200, 100), RED, BLUE), "JPEG", exif=exif, quality=95)

    upload(account, picture, "sideways.jpg")

    stored = Image.open(io.BytesIO(stored_avatar(app, logged_in_alice).image)).convert("RGB")
    for x in (40, 216):
        assert close_to(stored.getpixel((x, 40)), top)
        assert close_to(stored.getpixel((x, 216)), bottom)


@pytest.mark.parametrize(
    ("size", "vertical"), [((300, 100), True), ((100, 300), False)], ids=["wide", "tall"]
)
def test_picture_is_centre_cropped_to_a_square(app, logged_in_alice, account, size, vertical):
    # Three equal stripes: a centred square crop keeps only the middle (green) one.
    upload(account, image_bytes(bands(size, [RED, GREEN, BLUE], vertical), "PNG"))

    stored = Image.open(io.BytesIO(stored_avatar(app, logged_in_alice).image)).convert("RGB")
    for point in [(10, 10), (245, 10), (128, 128), (10, 245), (245, 245)]:
        assert close_to(stored.getpixel(point), GREEN), point


def test_only_the_first_frame_of_an_animated_gif_is_used(app, logged_in_alice, account):
    frames = [Image.new("RGB", (64, 64), colour) for colour in (RED, BLUE, GREEN)]
    gif = image_bytes(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    assert Image.open(io.BytesIO(gif)).n_frames == 3

    upload(account, gif, "party.gif")

    stored = Image.open(io.BytesIO(stored_avatar(app, logged_in_alice).image))
    assert getattr(stored, "n_frames", 1) == 1
    assert close_to(stored.convert("RGB").getpixel((128, 128)), RED)


def test_picture_metadata_is_stripped(app, logged_in_alice, account):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.ImageDescription] = "my-home-address"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.0)
    picture = image_bytes(Image.new("RGB", (120, 120), RED), "JPEG", exif=exif)
    assert Image.open(io.BytesIO(picture)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    upload(account, picture, "located.jpg")

    image = stored_avatar(app, logged_in_alice).image
    stored = Image.open(io.BytesIO(image))
    assert len(stored.getexif()) == 0
    assert "exif" not in stored.info
    assert b"SpyCam" not in image
    assert b"my-home-address" not in image


def test_png_text_chunks_are_stripped(app, logged_in_alice, account):
    info = PngInfo()
    info.add_text("Comment", "secret-location")
    upload(account, image_bytes(Image.new("RGB", (80, 80), BLUE), "PNG", pnginfo=info))

    image = stored_avatar(app, logged_in_alice).image
    assert b"secret-location" not in image
    assert "Comment" not in Image.open(io.BytesIO(image)).info


def test_transparent_png_keeps_its_transparency(app, logged_in_alice, account):
    upload(account, image_bytes(Image.new("RGBA", (64, 64), (0, 0, 0, 0)), "PNG"))

    stored = Image.open(io.BytesIO(stored_avatar(app, logged_in_alice).image)).convert("RGBA")
    assert stored.getpixel((128, 128))[3] == 0


def truncated_png() -> bytes:
    noisy = Image.frombytes("RGB", (128, 128), bytes(range(256)) * 192)
    whole = image_bytes(noisy, "PNG")
    return whole[: len(whole) // 2]


def too_many_pixels_png() -> bytes:
    # 16,004,000 pixels that compress to a few kilobytes: a decompression bomb in miniature.
    return image_bytes(Image.new("1", (4001, 4000)), "PNG")


@pytest.mark.parametrize(
    ("picture", "name", "message"),
    [
        (b"just some notes, not a picture\n" * 20, "notes.png", NOT_AN_IMAGE),
        (b"", "empty.png", NOT_AN_IMAGE),
        (truncated_png(), "cut.png", DAMAGED),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b'<rect width="10" height="10" fill="red"/></svg>',
            "me.svg",
            NOT_AN_IMAGE,
        ),
        (image_bytes(Image.new("RGB", (20, 20), RED), "BMP"), "me.bmp", NOT_AN_IMAGE),
        (image_bytes(Image.new("RGB", (20, 20), RED), "TIFF"), "me.tiff", NOT_AN_IMAGE),
        (
            too_many_pixels_png(),
            "bomb.png",
            "That picture is too large (4001x4000 pixels); the limit is 16 megapixels.",
        ),
    ],
    ids=["text-as-png", "empty", "truncated-png", "svg", "bmp", "tiff", "over-16-megapixels"],
)
def test_files_that_are_not_acceptable_pictures_are_refused(
    app, logged_in_alice, account, client, picture, name, message
):
    response = account("alice_renamed", "alice@example.com", picture=picture, name=name)

    assert response.status_code == 200
    assert field_errors(response, "picture") == [message]
    assert avatar_count(app) == 0
    assert stored_user(app, logged_in_alice) == ("alice", "alice@example.com")
    assert unversioned(profile_picture_url(client.get("/account"))) == DEFAULT_AVATAR


def test_bad_picture_leaves_the_previous_picture_in_place(app, logged_in_alice, account):
    upload(account, image_bytes(Image.new("RGB", (64, 64), RED), "PNG"))
    before = stored_avatar(app, logged_in_alice).digest

    response = upload(account, b"not an image", "me.png")

    assert field_errors(response, "picture") == [NOT_AN_IMAGE]
    assert stored_avatar(app, logged_in_alice).digest == before


def test_upload_over_5_mb_gets_the_413_page(app, logged_in_alice, account):
    picture = image_bytes(Image.new("RGB", (8, 8), RED), "PNG").ljust(6 * 1024 * 1024, b"\0")

    response = upload(account, picture)

    assert response.status_code == 413
    assert "Pictures may be at most 5 MB." in page_text(response)
    assert avatar_count(app) == 0


def test_picture_just_over_5_mb_gets_the_413_page(app, logged_in_alice, account):
    # The request as a whole is allowed a little more, for the form's other fields.
    picture = image_bytes(Image.new("RGB", (8, 8), RED), "PNG").ljust(FIVE_MB + 1, b"\0")

    response = upload(account, picture)

    assert response.status_code == 413
    assert "Pictures may be at most 5 MB." in page_text(response)
    assert avatar_count(app) == 0


def test_picture_of_exactly_5_mb_is_accepted(app, logged_in_alice, account):
    # PNG readers stop at the image's end marker, so padding keeps it a valid PNG.
    picture = image_bytes(Image.new("RGB", (8, 8), RED), "PNG").ljust(FIVE_MB, b"\0")

    response = upload(account, picture)

    assert response.status_code == 302
    assert stored_avatar(app, logged_in_alice) is not None


def test_submitting_without_a_new_picture_keeps_the_old_one(app, logged_in_alice, account):
    upload(account, image_bytes(Image.new("RGB", (64, 64), RED), "PNG"))
    before = stored_avatar(app, logged_in_alice).digest

    response = account("alice2", "alice@example.com")

    assert response.status_code == 302
    assert stored_avatar(app, logged_in_alice).digest == before
    assert stored_user(app, logged_in_alice)[0] == "alice2"


# --- Serving the picture --------------------------------------------------------------------


def test_account_and_user_pages_show_the_uploaded_picture(
    app, logged_in_alice, account, client, make_posts
):
    make_posts(logged_in_alice, 1, title="Hello")
    upload(account, image_bytes(Image.new("RGB", (64, 64), RED), "PNG"))
    digest = stored_avatar(app, logged_in_alice).digest
    url = f"/avatar/{logged_in_alice}/{digest}.webp"

    assert profile_picture_url(client.get("/account")) == url
    assert profile_picture_url(client.get("/user/alice")) == url
    assert f'src="{url}"' in page_text(client.get("/"))


def test_users_without_a_picture_show_the_default_avatar(make_user, make_posts, client):
    bob = make_user("bob")
    make_posts(bob, 1)

    assert unversioned(profile_picture_url(client.get("/user/bob"))) == DEFAULT_AVATAR
    assert f'src="{DEFAULT_AVATAR}?v=' in page_text(client.get("/"))
    assert client.get(DEFAULT_AVATAR).status_code == 200


def test_avatar_is_served_as_cacheable_webp(app, logged_in_alice, account, client, auth):
    upload(account, image_bytes(Image.new("RGB", (64, 64), RED), "PNG"))
    url = profile_picture_url(client.get("/account"))
    auth.logout()  # anyone may see it

    response = client.get(url)

    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    assert response.data == stored_avatar(app, logged_in_alice).image
    assert response.cache_control.public
    assert response.cache_control.max_age == ONE_YEAR
    assert response.cache_control.immutable
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"]
    assert Image.open(io.BytesIO(response.data)).size == (256, 256)


def test_avatar_answers_a_matching_if_none_match_with_304(logged_in_alice, account, client):
    upload(account, image_bytes(Image.new("RGB", (64, 64), RED), "PNG"))
    url = profile_picture_url(client.get("/account"))
    etag = client.get(url).headers["ETag"]

    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.data == b""
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_changing_the_picture_changes_its_url_and_old_urls_redirect(
    app, logged_in_alice, account, client
):
    upload(account, image_bytes(Image.new("RGB", (64, 64), RED), "PNG"))
    old_url = profile_picture_url(client.get("/account"))
    upload(account, image_bytes(Image.new("RGB", (64, 64), BLUE), "PNG"))
    new_url = profile_picture_url(client.get("/account"))

    assert new_url != old_url
    assert avatar_count(app) == 1
    old = client.get(old_url)
    assert old.status_code == 302
    assert old.headers["Location"] == new_url
    shown = Image.open(io.BytesIO(client.get(new_url).data)).convert("RGB")
    assert close_to(shown.getpixel((128, 128)), BLUE)


def test_same_picture_uploaded_again_keeps_its_url(logged_in_alice, account, client):
    picture = image_bytes(Image.new("RGB", (64, 64), GREEN), "PNG")
    upload(account, picture)
    first = profile_picture_url(client.get("/account"))

    upload(account, picture)

    assert profile_picture_url(client.get("/account")) == first


@pytest.mark.parametrize(
    "url",
    ["/avatar/{bob}/0123456789abcdef.webp", "/avatar/99999/0123456789abcdef.webp"],
    ids=["user-without-picture", "no-such-user"],
)
def test_avatar_of_a_user_without_a_picture_is_404(make_user, client, url):
    bob = make_user("bob")

    response = client.get(url.format(bob=bob))

    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_avatar_with_an_id_too_big_for_the_database_is_404(client):
    assert client.get(f"/avatar/{2**31}/0123456789abcdef.webp").status_code == 404
    assert client.get(f"/avatar/{2**64}/0123456789abcdef.webp").status_code == 404
