"""Views for the home page and the about page."""

from flask import abort, redirect, render_template, request
from flask_babel import gettext as _

from flaskblog.caching import cached_for_anonymous, shared_fragment
from flaskblog.main import bp
from flaskblog.models import OldLink, Post
from flaskblog.pagination import page_number, paginate
from flaskblog.urls import post_url


@bp.route("/home")
@bp.route("/")  # registered first, so url_for builds "/": the canonical address
@cached_for_anonymous
def home():
    if "p" in request.args:
        # A WordPress address (/?p=123) of a post imported from there.
        old = OldLink.post_at(f"/?p={request.args['p']}")
        if old is not None and old.is_public:
            return redirect(post_url(old), 301)
    page = page_number()
    listing = shared_fragment(f"home:{page}", lambda: home_listing(page))
    return render_template("main/home.html", listing=listing)


def home_listing(page: int) -> str:
    """Page `page` of the newest posts with its pager (a 404 past the last page): the part
    of the home page that is the same for every reader in a language and time zone."""
    posts = paginate(Post.newest_first(), page) or abort(404)
    return render_template("main/_listing.html", posts=posts)


@bp.route("/about")
@cached_for_anonymous
def about():
    return render_template("main/about.html", title=_("About"))
