"""Posts, the editor and comments in the reader's language (German and Spanish): headings,
labels, buttons, the editor script's sentences, plurals, flashes and validation errors."""

import re

from flaskblog.extensions import db
from flaskblog.models import Comment, Post, Tag
from tests.helpers.factories import add_comments, set_profile
from tests.helpers.pages import field_errors, flashes, page_text

GERMAN = {"Accept-Language": "de"}
SPANISH = {"Accept-Language": "es"}


def comments_heading(response) -> str:
    return re.search(r'<h2 id="comments-heading">(.*?)</h2>', page_text(response)).group(1)


def test_the_editor_speaks_german_to_an_author_who_chose_it(app, client, logged_in_alice):
    set_profile(app, logged_in_alice, language="de")

    page = page_text(client.get("/post/new"))

    assert "<h1>Neuer Beitrag</h1>" in page
    assert ">Titel</label>" in page
    assert 'value="Entwurf speichern"' in page and 'value="Veröffentlichen"' in page
    assert ">Titelbild (optional)</legend>" in page
    assert ">Später veröffentlichen</legend>" in page


def test_the_editor_scripts_sentences_come_from_the_page_in_german(app, client, logged_in_alice):
    set_profile(app, logged_in_alice, language="de")

    page = page_text(client.get("/post/new"))

    assert (
        'data-message-offline="Nicht gespeichert: keine Verbindung. Dein Text ist noch da."' in page
    )
    assert 'data-message-refused="Nicht gespeichert: {reason}"' in page
    assert 'data-message-refused="{name} konnte nicht hinzugefügt werden: {reason}"' in page
    assert ">Bild hinzufügen</button>" in page


def test_a_post_pages_comment_count_is_a_spanish_plural(app, client, alice, alices_post):
    add_comments(app, alices_post, alice, 1)
    one = client.get(f"/post/{alices_post}", headers=SPANISH)
    add_comments(app, alices_post, alice, 1)
    two = client.get(f"/post/{alices_post}", headers=SPANISH)

    assert comments_heading(one) == "1 comentario"
    assert comments_heading(two) == "2 comentarios"
    assert "Inicia sesión para comentar" in page_text(two)


def test_a_listing_counts_comments_and_minutes_in_german(app, client, alice, alices_post):
    add_comments(app, alices_post, alice, 1)

    page = page_text(client.get("/", headers=GERMAN))

    assert ">1 Kommentar</a>" in page
    assert "Min. Lesezeit</span>" in page
    assert ">Weiterlesen<" in page


def test_a_comment_too_long_is_refused_in_german_with_german_digits(
    app, client, forms, logged_in_alice, alices_post
):
    set_profile(app, logged_in_alice, language="de")

    response = forms.submit(
        f"/post/{alices_post}/comment",
        {"body": "x" * (Comment.MAX_LENGTH + 1)},
        page=f"/post/{alices_post}",
    )

    assert field_errors(response, "body") == [
        f"Kommentare dürfen höchstens {Comment.MAX_LENGTH:,} Zeichen lang sein.".replace(",", ".")
    ]


def test_the_editors_validation_errors_speak_german(app, client, forms, logged_in_alice):
    set_profile(app, logged_in_alice, language="de")

    response = forms.submit(
        "/post/new",
        {"title": "Titel", "content": "Text", "tags": "a, b, c, d, e, f", "save_draft": "1"},
    )

    assert field_errors(response, "tags") == ["Verwende höchstens 5 Schlagwörter."]


def test_a_comment_posted_is_flashed_in_spanish(app, client, forms, logged_in_alice, alices_post):
    set_profile(app, logged_in_alice, language="es")

    response = forms.submit(
        f"/post/{alices_post}/comment",
        {"body": "¡Hola!"},
        page=f"/post/{alices_post}",
        follow_redirects=True,
    )

    assert ("success", "Tu comentario se ha publicado.") in flashes(response)
    assert comments_heading(response) == "1 comentario"


def test_the_tags_page_counts_posts_in_german(app, client, alice, make_posts):
    tagged = make_posts(alice, 2)
    with app.app_context():
        for post in db.session.scalars(db.select(Post).where(Post.id.in_(tagged))):
            post.tags = Tag.named(["flask"])
        db.session.commit()

    page = page_text(client.get("/tags", headers=GERMAN))

    assert "<h1>Schlagwörter</h1>" in page
    assert '<span class="tag-cloud__count">2 Beiträge</span>' in page
