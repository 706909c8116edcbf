"""What a URL names, found for a view, or a 404: shared by the blueprints whose pages are
addressed by a username."""

from flask import abort

from flaskblog.models import User


def get_user_or_404(username: str) -> User:
    """The user with this username (any case), or a 404."""
    user = User.by_username(username)
    if user is None:
        abort(404)
    return user
