"""Views for the home page and the about page."""

from flask import render_template

from flaskblog.main import bp
from flaskblog.models import Post


@bp.route("/")
@bp.route("/home")
def home():
    posts = Post.page_from_request()
    return render_template("main/home.html", posts=posts)


@bp.route("/about")
def about():
    return render_template("main/about.html", title="About")
