"""The account pages in the reader's language: an account set to German or Spanish reads its
settings, sessions, export and import progress in it, and an import's summary, stored while
nobody was reading, is put into words only when its page is shown."""

import io
import zipfile

from flaskblog.extensions import db
from flaskblog.models import ImportJob, User
from tests.helpers.factories import set_profile
from tests.helpers.pages import field_errors, flashes, page_text
from tests.helpers.wxr import sample_wxr


def test_the_account_page_speaks_german(app, client, logged_in_alice):
    set_profile(app, logged_in_alice, language="de")

    text = page_text(client.get("/account"))

    assert "<h2>Kontodaten</h2>" in text
    assert 'alt="Dein Profilbild"' in text
    assert "Zwei-Faktor-Anmeldung (aus)" in text
    assert "Zeitzone (Daten werden in ihr angezeigt)" in text


def test_a_wrong_current_password_is_refused_in_spanish(app, logged_in_alice, forms):
    set_profile(app, logged_in_alice, language="es")

    response = forms.submit(
        "/account/password",
        {"current_password": "not it", "password": "a new one here", "confirm_password": "x"},
    )

    assert field_errors(response, "current_password") == ["Esa no es tu contraseña actual."]
    assert field_errors(response, "confirm_password") == ["Las contraseñas no coinciden."]


def test_signing_out_everywhere_else_is_said_in_german(app, client, logged_in_alice, forms):
    set_profile(app, logged_in_alice, language="de")

    forms.submit("/account/sessions/others", page="/account/sessions")
    page = client.get("/account/sessions")

    assert "<h1>Wo du angemeldet bist</h1>" in page_text(page)
    assert flashes(page)[0][1].startswith("Du wurdest überall sonst abgemeldet:")


def test_the_exports_readme_is_written_in_the_readers_language(app, client, logged_in_alice):
    set_profile(app, logged_in_alice, language="es")

    response = client.get("/account/export.zip")

    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        readme = archive.read("README.md").decode()
    assert readme.startswith("# Tus entradas de flaskblog\n\nExportado el ")
    assert "- `images/`: las imágenes que muestran tus entradas" in readme


def test_an_imports_summary_is_said_in_whichever_language_reads_it(
    app, client, logged_in_alice, forms
):
    set_profile(app, logged_in_alice, language="es")
    job_page = forms.submit(
        "/account/import", {"file": (io.BytesIO(sample_wxr()), "my-blog.xml")}
    ).location

    spanish = page_text(client.get(job_page))
    set_profile(app, logged_in_alice, language="de")
    german = page_text(client.get(job_page))

    assert "Importación de my-blog.xml" in spanish
    assert "Hecho: se importaron 5 entradas, 1 comentario y 0 imágenes; se omitieron 1." in spanish
    assert "About me: una página, no una entrada" in spanish
    assert "la etiqueta «Travel & Food» pasó a ser «travel-food»" in spanish
    assert "etiqueta «six» descartada: una entrada tiene como máximo 5 etiquetas" in spanish
    assert "Fertig: 5 Beiträge, 1 Kommentar und 0 Bilder importiert; 1 übersprungen." in german
    assert "Schlagwort „six“ weggelassen: Ein Beitrag hat höchstens 5 Schlagwörter" in german


def test_a_failed_imports_reason_is_said_in_the_readers_language(
    app, client, logged_in_alice, forms
):
    set_profile(app, logged_in_alice, language="de")

    response = forms.submit("/account/import", {"file": (io.BytesIO(b"<rss"), "broken.xml")})

    text = page_text(client.get(response.location))
    assert "Es wurde nichts importiert. Diese Datei ist kein wohlgeformtes XML (Zeile 1," in text


def test_a_summary_stored_in_words_before_is_shown_as_it_was(app, client, logged_in_alice):
    set_profile(app, logged_in_alice, language="de")
    with app.app_context():
        job = ImportJob(owner=db.session.get(User, logged_in_alice), filename="old.xml", data=b"")
        job.finish("failed", {"error": "That file was refused long ago."})
        db.session.add(job)
        db.session.commit()
        handle = job.handle

    text = page_text(client.get(f"/account/import/{handle}"))

    assert "Es wurde nichts importiert. That file was refused long ago." in text
