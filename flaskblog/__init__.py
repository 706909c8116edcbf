"""flaskblog: a server-rendered Flask blog."""

import re
from pathlib import Path

from flask import Flask, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_mail import email_dispatched
from werkzeug.routing import BaseConverter, IntegerConverter

from config import CannotStart, Config, config, config_name_from_env
from flaskblog import (
    breaker,
    caching,
    dates,
    form_pages,
    front_door,
    i18n,
    instruments,
    logs,
    mailqueue,
    media,
    security,
    site_header,
    static_files,
    visitor_csrf,
)
from flaskblog.extensions import (
    bcrypt,
    cache,
    compress,
    csrf,
    db,
    limiter,
    login_manager,
    mail,
    migrate,
)
from flaskblog.models import MAX_ID, RESERVED_SLUGS, Post, save_last_seen
from flaskblog.models.unread import shown_count, unread_counts
from flaskblog.urls import avatar_url, image_url, post_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(config_name: str | Config | None = None) -> Flask:
    """Build the app for a configuration name ("development", "testing", "production")
    or a ready `Config` object; with neither, FLASK_CONFIG decides."""
    settings = config_name if isinstance(config_name, Config) else None
    if settings is None:
        name = config_name or config_name_from_env()
        if name not in config:
            raise CannotStart(f"unknown configuration {name!r}; use one of {sorted(config)}")
        settings = config[name]()

    app = Flask(__name__)
    app.config.from_object(settings)
    settings.init_app(app)
    logs.init_app(app)  # first, so that every request gets its id before other hooks run
    instruments.init_app(app)
    app.url_map.converters["int"] = DatabaseIdConverter
    app.url_map.converters["slug"] = SlugConverter
    app.before_request(_limit_form_bodies)  # before anything reads the form
    app.before_request(_reject_nul_characters)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    i18n.init_app(app)
    app.after_request(_save_last_seen)
    bcrypt.init_app(app)
    mail.init_app(app)
    csrf.init_app(app)
    visitor_csrf.init_app(app)  # after Flask-WTF, whose csrf_token() it replaces
    breaker.init_app(app)  # before the limiter and the cache, whose Redis it guards
    limiter.init_app(app)
    front_door.install(app)  # before security's middleware, so that they run before it
    security.init_app(app)
    cache.init_app(app)
    compress.init_app(app)
    caching.init_app(app)
    form_pages.init_app(app)
    static_files.init_app(app)
    mailqueue.init_app(app)
    media.init_app(app)
    dates.init_app(app)
    site_header.init_app(app)
    app.add_template_global(post_url)
    app.add_template_global(avatar_url)
    app.add_template_global(image_url)
    app.add_template_global(unread_counts)
    app.add_template_global(shown_count)

    from flaskblog.account import bp as account_bp
    from flaskblog.admin import bp as admin_bp
    from flaskblog.auth import bp as auth_bp
    from flaskblog.blocks import bp as blocks_bp
    from flaskblog.digest import bp as digest_bp
    from flaskblog.errors import bp as errors_bp
    from flaskblog.feeds import bp as feeds_bp
    from flaskblog.follows import bp as follows_bp
    from flaskblog.health import bp as health_bp
    from flaskblog.history import bp as history_bp
    from flaskblog.main import bp as main_bp
    from flaskblog.messages import bp as messages_bp
    from flaskblog.metrics import bp as metrics_bp
    from flaskblog.moderation import bp as moderation_bp
    from flaskblog.notifications import bp as notifications_bp
    from flaskblog.passkeys import bp as passkeys_bp
    from flaskblog.posts import bp as posts_bp
    from flaskblog.search import bp as search_bp
    from flaskblog.uploads import bp as uploads_bp
    from flaskblog.users import bp as users_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(passkeys_bp)
    app.register_blueprint(users_bp)
    app.register_blueprint(posts_bp)
    app.register_blueprint(history_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(errors_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(metrics_bp)
    app.register_blueprint(uploads_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(follows_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(digest_bp)
    app.register_blueprint(blocks_bp)
    app.register_blueprint(messages_bp)

    from flaskblog import api

    api.init_app(app)

    from flaskblog.seed import seed_command

    app.cli.add_command(seed_command)

    from flaskblog.imports.commands import import_group

    app.cli.add_command(import_group)

    from flaskblog.models import ApiToken, Avatar, Comment, Post, Tag, User

    @app.shell_context_processor
    def shell_context() -> dict:
        return {
            "db": db,
            "User": User,
            "Post": Post,
            "Tag": Tag,
            "Comment": Comment,
            "Avatar": Avatar,
            "ApiToken": ApiToken,
        }

    return app


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` that only matches ids a 32-bit integer column can hold.

    A bigger number is a 404 here rather than an overflow error in the database.
    """

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class SlugConverter(BaseConverter):
    """`<slug:...>`: a post's slug, never one of the words of its actions (RESERVED_SLUGS,
    the words slugify keeps out of slugs).

    So /post/<id>/delete stays the delete route alone, and a GET there is a 405.
    """

    actions = "|".join(map(re.escape, sorted(RESERVED_SLUGS)))
    regex = rf"(?!(?:{actions})(?:/|$))[^/]+"


# The largest form a browser sends here, percent-encoded: a post of CONTENT_LENGTH characters
# of up to 4 bytes each, 3 characters a byte ("%F0"), and room for the other fields.
FORM_BODY_LIMIT = Post.CONTENT_LENGTH * 4 * 3 + 64 * 1024
# An import's upload may be IMPORT_MAX_MB, plus this for the form's other fields.
IMPORT_FORM_SLACK = 64 * 1024


def _limit_form_bodies() -> None:
    """An urlencoded form is decoded all at once, at some 70 bytes of memory for every "%XX"
    in it: under MAX_CONTENT_LENGTH alone (sized for a 5 MB picture, which comes multipart
    and is read in pieces) one request could cost a worker 400 MB. Forms get what the
    largest real one needs; more is a 413 before anything reads them."""
    if request.mimetype == "application/x-www-form-urlencoded":
        request.max_content_length = FORM_BODY_LIMIT
    elif request.endpoint == "account.import_posts":
        # The one form that takes a whole blog (multipart, read in pieces): larger than any
        # picture, and checked again when it is read (flaskblog.imports.sources).
        request.max_content_length = IMPORT_FORM_SLACK + (
            current_app.config["IMPORT_MAX_MB"] * 1024 * 1024
        )


def _reject_nul_characters() -> None:
    """No text here may hold NUL, and PostgreSQL refuses to store or compare it: say so early."""
    fields = [*request.args.items(multi=True), *request.form.items(multi=True)]
    if "\x00" in request.path or any("\x00" in value for _, value in fields):
        abort(400, _l("The request contained a NUL character, which is not allowed in any field."))


def _save_last_seen(response):
    """The loader only notes when a login was last used; a page that commits nothing of its
    own still has that written (see UserSession.mark_seen)."""
    save_last_seen()
    return response


@email_dispatched.connect
def _log_unsent_email(app: Flask, message) -> None:
    """With no mail server configured, show each email in the log instead."""
    if app.config.get("MAIL_TO_LOG"):
        app.logger.info(
            "Email not sent (no MAIL_SERVER configured).\nTo: %s\nSubject: %s\n\n%s",
            ", ".join(message.recipients),
            message.subject,
            message.body,
        )
