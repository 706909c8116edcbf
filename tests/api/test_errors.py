"""Errors under /api are JSON with the right status whatever raised them, while the site
keeps its HTML error pages; CORS from the allow-list; the OpenAPI document and its page."""

import re

import pytest

import flaskblog.api.routes
from tests.helpers.api import bearer, error_of, get_token


def test_an_unknown_api_address_is_a_json_404(client):
    response = client.get("/api/v1/nothing/here")

    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": "There is nothing here.",
        "details": {},
    }


def test_the_site_keeps_its_html_error_pages(client):
    response = client.get("/no/such/page")

    assert response.status_code == 404
    assert response.content_type == "text/html; charset=utf-8"
    assert "Page not found" in response.get_data(as_text=True)
    assert client.post("/").content_type == "text/html; charset=utf-8"  # a 405


def test_a_wrong_method_is_a_json_405_with_allow(client):
    response = client.put("/api/v1/posts")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_a_nul_character_in_the_query_is_a_json_400(client):
    response = client.get("/api/v1/posts?page=1%00")

    assert response.status_code == 400
    assert "NUL character" in error_of(response)["message"]


@pytest.fixture
def failing_app(build_app, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(flaskblog.api.routes, "paginate", fail)
    return build_app(PROPAGATE_EXCEPTIONS=False)


def test_a_crash_is_a_json_500_without_a_traceback(failing_app):
    response = failing_app.test_client().get("/api/v1/posts")

    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error"
    assert "database went away" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_session_cookie_does_not_authorise_the_api(app, client, make_user, auth):
    make_user("alice")
    auth.login()
    assert client.get("/account").status_code == 200  # logged in on the site

    me = client.get("/api/v1/me")
    created = client.post("/api/v1/posts", json={"title": "T", "content": "x"})

    assert (me.status_code, created.status_code) == (401, 401)


def test_the_openapi_document_is_generated_from_the_schemas(client):
    response = client.get("/api/v1/openapi.json")

    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    assert set(spec["paths"]) == {
        "/api/v1/tokens",
        "/api/v1/posts",
        "/api/v1/posts/{post_id}",
        "/api/v1/users/{username}",
        "/api/v1/users/{username}/posts",
        "/api/v1/me",
        "/api/v1/me/following",
        "/api/v1/me/feed",
        "/api/v1/me/notifications",
        "/api/v1/images",
        "/api/v1/posts/{post_id}/revisions",
        "/api/v1/posts/{post_id}/revisions/{revision_id}",
    }
    assert set(spec["paths"]["/api/v1/posts/{post_id}"]) >= {"get", "patch", "delete"}
    title = spec["components"]["schemas"]["PostInput"]["properties"]["title"]
    assert title == {
        "type": "string",
        "minLength": 1,
        "maxLength": 100,
        "description": "No NUL characters.",
    }
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_docs_page_is_a_site_page_without_inline_code(client):
    response = client.get("/api/docs")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    script = re.search(r'<script src="(/static/js/api-docs\.js\?v=\w+)" defer></script>', html)
    assert script is not None  # versioned, like every static file
    assert re.search(r'href="/static/css/api-docs\.css\?v=\w+"', html)
    assert 'href="/api/v1/openapi.json"' in html
    assert 'class="theme-toggle' in html  # the site's header, with its theme toggle
    assert "<style" not in html and "style=" not in html and "<script>" not in html
    assert "https://" not in html  # nothing from a CDN
    assert client.get(script[1]).status_code == 200
    assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'self'


def test_the_docs_page_speaks_the_readers_language(client):
    response = client.get("/api/docs", headers={"Accept-Language": "de"})

    html = response.get_data(as_text=True)
    assert '<html lang="de"' in html
    assert "<h1>API-Referenz</h1>" in html
    assert 'data-errors="Fehler"' in html  # the words the script writes into the page


# --- CORS -------------------------------------------------------------------------------------


def test_no_cross_origin_access_by_default(client):
    response = client.get("/api/v1/posts", headers={"Origin": "https://app.example.com"})

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.fixture
def cors_client(build_app):
    return build_app(CORS_ORIGINS=["https://app.example.com"]).test_client()


def test_an_allowed_origin_may_read_the_api(cors_client):
    response = cors_client.get("/api/v1/posts", headers={"Origin": "https://app.example.com"})

    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "Origin" in response.headers["Vary"]
    assert "Location" in response.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers  # tokens, not cookies


def test_a_preflight_from_an_allowed_origin(cors_client):
    response = cors_client.options(
        "/api/v1/posts",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]


def test_other_origins_and_the_site_get_no_cors_headers(cors_client):
    other = cors_client.get("/api/v1/posts", headers={"Origin": "https://evil.example"})
    site = cors_client.get("/", headers={"Origin": "https://app.example.com"})

    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Access-Control-Allow-Origin" not in site.headers


def test_cors_origins_is_read_from_the_environment(monkeypatch):
    from config import TestingConfig

    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example/")

    assert TestingConfig().CORS_ORIGINS == ["https://a.example", "https://b.example"]


def test_revoked_tokens_and_disabled_writes_answer_json_with_a_token(client, make_user):
    make_user("alice")
    token = get_token(client)
    client.delete("/api/v1/tokens", headers=bearer(token))

    response = client.delete("/api/v1/tokens", headers=bearer(token))

    assert response.status_code == 401
    assert error_of(response)["message"] == "The token is invalid or has expired."
