"""Views for the home page and the about page."""

from flask import abort, render_template

from flaskblog.caching import cached_for_anonymous
from flaskblog.main import bp
from flaskblog.models import Post
from flaskblog.pagination import page_number, paginate


@bp.route("/home")
@bp.route("/")  # registered first, so url_for builds "/": the canonical address
@cached_for_anonymous
def home():
    posts = paginate(Post.newest_first(), page_number()) or abort(404)
    return render_template("main/home.html", posts=posts)


@bp.route("/about")
@cached_for_anonymous
def about():
    return render_template("main/about.html", title="About")
