"""The addresses of a post and of a user's picture, as views, templates and the API use them."""

from flask import render_template_string

from flaskblog.extensions import db
from flaskblog.models import Post, User
from flaskblog.urls import avatar_url, post_url


def test_post_url_is_the_post_page_with_the_slug_of_its_title(app, alice, make_posts):
    [post_id] = make_posts(alice, title="Hello, Wörld!")
    with app.test_request_context():
        post = db.session.get(Post, post_id)

        assert post_url(post) == f"/post/{post_id}/hello-world"
        assert render_template_string("{{ post_url(post) }}", post=post) == post_url(post)


def test_avatar_url_is_the_default_until_a_picture_is_set(app, alice):
    with app.test_request_context():
        user = db.session.get(User, alice)
        assert avatar_url(user).startswith("/static/img/default-avatar.svg?v=")

        user.set_avatar(b"first picture")
        db.session.commit()
        first = avatar_url(user)
        assert first == f"/avatar/{alice}/{user.avatar.digest}.webp"
        assert render_template_string("{{ avatar_url(user) }}", user=user) == first

        user.set_avatar(b"second picture")
        db.session.commit()
        assert avatar_url(user) != first
