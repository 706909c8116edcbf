"""Flask extensions, created unbound here and bound to the app in `create_app()`."""

import smtplib
import sqlite3

from flask import current_app
from flask_babel import Babel
from flask_babel import lazy_gettext as _l
from flask_bcrypt import Bcrypt
from flask_caching import Cache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mail import Connection, Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from flaskblog.security import client_address_key
from flaskblog.visitor_csrf import VisitorCSRFProtect

# Named constraints let Alembic alter and drop them later, on SQLite too.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class TimedConnection(Connection):
    """Flask-Mail's SMTP connection with a timeout (MAIL_TIMEOUT seconds).

    Flask-Mail 0.10 connects without one, so a mail server that accepts the connection
    and never answers would hold the sender forever.
    """

    def configure_host(self) -> smtplib.SMTP:
        state, timeout = self.mail, current_app.config["MAIL_TIMEOUT"]
        smtp_class = smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP
        host = smtp_class(state.server, state.port, timeout=timeout)
        host.set_debuglevel(int(state.debug))
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host


class TimedMail(Mail):
    """Flask-Mail, sending through `TimedConnection`."""

    def connect(self) -> TimedConnection:
        return TimedConnection(current_app.extensions["mail"])


class Base(DeclarativeBase):
    """Declarative base whose metadata names every constraint."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
bcrypt = Bcrypt()
mail = TimedMail()
# Flask-WTF's, also taking a visitor's token (flaskblog.visitor_csrf).
csrf = VisitorCSRFProtect()
# The reader's language (flaskblog.i18n chooses it).
babel = Babel()
# Whole pages for anonymous visitors (flaskblog.caching); the backend comes from CACHE_*.
cache = Cache()
# gzip, Brotli or zstd, whichever the client accepts, for HTML, CSS, feeds and JSON.
compress = Compress()
# Keyed by client address (the real one behind PROXY_HOPS proxies: flaskblog.security);
# storage and on/off come from RATELIMIT_* settings.
limiter = Limiter(key_func=client_address_key)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please log in to see that page.")
# Flask-Login flashes the message; as text in the reader's language, not the lazy string.
login_manager.localize_callback = str
login_manager.login_message_category = "info"


@event.listens_for(Engine, "connect")
def _enforce_sqlite_foreign_keys(dbapi_connection, _connection_record) -> None:
    """SQLite ignores foreign keys unless asked; PostgreSQL always enforces them."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
