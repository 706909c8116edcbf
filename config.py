"""Settings for every environment, read from the environment (and `.env`).

This is the only module that reads `os.environ`. Pick a class with
`FLASK_CONFIG` (development, testing, production); `create_app()` takes the
same names.
"""

import ipaddress
import logging
import os
import sys
from datetime import timedelta
from pathlib import Path

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent


def env_flag(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# `flask` loads .env itself; gunicorn does not, so load it here too (unless told not to,
# as `flask` is). Variables already set in the environment win, as they do on Heroku.
if not env_flag("FLASK_SKIP_DOTENV"):
    load_dotenv(BASE_DIR / ".env")


class CannotStart(SystemExit):
    """Stops the process with a one-line reason on stderr instead of a traceback.

    The exit status is 4, which gunicorn reads as "the app cannot load": it shuts down
    rather than restarting workers that would fail the same way.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(4)
        self.reason = f"flaskblog: {reason}"
        print(self.reason, file=sys.stderr)

    def __str__(self) -> str:
        return self.reason


def database_url(value: str) -> str:
    """Point PostgreSQL URLs at psycopg 3; Heroku still hands out `postgres://`."""
    for prefix in ("postgres://", "postgresql://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix) :]
    return value


def proxy_hops(value: str | None, default: int) -> int:
    """PROXY_HOPS as a number of proxies (0 or more); anything else stops the start."""
    if value is None or value.strip() == "":
        return default
    if not value.strip().isdigit():
        raise CannotStart(
            f"PROXY_HOPS must be a whole number of proxies (0 or more), not {value!r}."
        )
    return int(value)


def networks(value: str) -> list:
    """A comma-separated list of addresses or networks ("10.0.0.0/8, ::1"); a malformed one
    stops the start."""
    found = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        try:
            found.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            message = f"METRICS_ALLOW_FROM: {item!r} is not an address or network."
            raise CannotStart(message) from None
    return found


class Config:
    """Settings shared by every environment; each value can come from the environment."""

    def __init__(self) -> None:
        env = os.environ.get
        self.SECRET_KEY = env("SECRET_KEY")
        self.SERVER_NAME = env("SERVER_NAME") or None
        self.PREFERRED_URL_SCHEME = env("PREFERRED_URL_SCHEME", "http")
        self.SQLALCHEMY_DATABASE_URI = database_url(env("DATABASE_URL", "sqlite:///flaskblog.db"))
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

        self.MAIL_SERVER = env("MAIL_SERVER") or None
        self.MAIL_PORT = int(env("MAIL_PORT", "25"))
        self.MAIL_USE_TLS = env_flag("MAIL_USE_TLS")
        self.MAIL_USE_SSL = env_flag("MAIL_USE_SSL")
        self.MAIL_USERNAME = env("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env("MAIL_PASSWORD") or None
        self.MAIL_DEFAULT_SENDER = env("MAIL_DEFAULT_SENDER", "flaskblog <noreply@localhost>")
        # With no mail server, emails go to the log instead, so every flow can be finished.
        self.MAIL_SUPPRESS_SEND = self.MAIL_SERVER is None
        self.MAIL_TO_LOG = self.MAIL_SERVER is None
        # Seconds to wait for the mail server to connect or answer, so that a dead or stalled
        # server fails a delivery instead of hanging the worker (Flask-Mail has no timeout).
        self.MAIL_TIMEOUT = float(env("MAIL_TIMEOUT", "10"))
        # Account emails never go out during a request: "rq" queues them in Redis for
        # `flask mail-worker`, "thread" sends them from a thread of the web process (no
        # retries, lost on restart), "immediate" sends them at once (the tests). RQ whenever
        # a Redis server is configured.
        self.REDIS_URL = env("REDIS_URL") or None
        self.MAIL_QUEUE = env("MAIL_QUEUE") or ("rq" if self.REDIS_URL else "thread")
        self.MAIL_QUEUE_NAME = "mail"
        # RQ tries a failed delivery again after these many seconds, then gives up.
        self.MAIL_RETRY_INTERVALS = [30, 120, 600]
        # /health/ready says whether a mail worker was seen this recently: an idle RQ worker
        # sends a heartbeat every 405 s or so (its TTL of 420 s less 15).
        self.MAIL_WORKER_SEEN_SECONDS = int(env("MAIL_WORKER_SEEN_SECONDS", "480"))

        self.RESET_TOKEN_MAX_AGE = int(env("RESET_TOKEN_MAX_AGE", str(30 * 60)))
        self.POSTS_PER_PAGE = 5
        self.ADMIN_USERS_PER_PAGE = 50

        # Switching this on or off later invalidates every stored hash: it stays on.
        self.BCRYPT_HANDLE_LONG_PASSWORDS = True
        self.BCRYPT_LOG_ROUNDS = int(env("BCRYPT_LOG_ROUNDS", "12"))

        self.MAX_PICTURE_BYTES = 5 * 1024 * 1024
        # The whole request may carry a 5 MB picture plus the form's other fields: the editor's
        # cover image comes with a whole post (50,000 characters, up to 200 KB).
        self.MAX_CONTENT_LENGTH = self.MAX_PICTURE_BYTES + 256 * 1024
        # A 12-megapixel phone photo fits; decoding the largest picture allowed costs at most
        # about 130 MB (docs/SECURITY.md, "Hostile uploads").
        self.MAX_PICTURE_PIXELS = 16_000_000
        # Images in posts (flaskblog/media.py): what each user may keep, in megabytes, and
        # where the bytes go: "database" (the default: they survive a dyno restart, as
        # profile pictures do) or "s3", any S3-compatible object storage.
        self.IMAGE_QUOTA_MB = int(env("IMAGE_QUOTA_MB", "50"))
        # The largest file an import reads (a WordPress export, a zip of Markdown, or an
        # upload from /account/import), and the most a zip may unpack to, in megabytes.
        self.IMPORT_MAX_MB = int(env("IMPORT_MAX_MB", "50"))
        self.MEDIA_STORAGE = env("MEDIA_STORAGE", "database").strip().lower()
        self.S3_BUCKET = env("S3_BUCKET") or None
        self.S3_ENDPOINT_URL = env("S3_ENDPOINT_URL") or None
        self.S3_REGION = env("S3_REGION", "us-east-1")
        self.AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID") or None
        self.AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY") or None

        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_DURATION = timedelta(days=30)
        # Marks a browser that has logged in to an account before (flaskblog.login_limits).
        self.DEVICE_COOKIE_NAME = "known_device"
        # A visitor without a session: the random value their forms' CSRF tokens are bound to
        # (flaskblog.visitor_csrf).
        self.VISITOR_COOKIE_NAME = "visitor"
        # A login without "remember me" ends after this long unused (default a week), and
        # SESSION_MAX_HOURS after logging in however busy it is: ASVS 4.0 3.3.2 (level 2)
        # asks that a login be re-authenticated at least every 12 hours of active use.
        # Remember-me logins are the user's explicit choice and last REMEMBER_COOKIE_DURATION.
        self.SESSION_IDLE_MINUTES = int(env("SESSION_IDLE_MINUTES", str(7 * 24 * 60)))
        self.SESSION_MAX_HOURS = int(env("SESSION_MAX_HOURS", "12"))
        self.CONFIRM_TOKEN_MAX_AGE = int(env("CONFIRM_TOKEN_MAX_AGE", str(48 * 60 * 60)))
        # Email digests (flaskblog/digest): how long, in seconds, the unsubscribe link in a
        # digest works (90 days: mail is read late), and an optional address for the mailto:
        # form of List-Unsubscribe, for a mailbox the operator reads or processes.
        self.UNSUBSCRIBE_TOKEN_MAX_AGE = int(
            env("UNSUBSCRIBE_TOKEN_MAX_AGE", str(90 * 24 * 60 * 60))
        )
        self.UNSUBSCRIBE_MAILTO = env("UNSUBSCRIBE_MAILTO") or None
        # Two-factor login: how long, in seconds, a correct password waits for its code
        # before the login has to start again; and whether admins must have two-factor login
        # on before any admin page (production says yes unless told otherwise).
        self.TWO_FACTOR_LOGIN_SECONDS = int(env("TWO_FACTOR_LOGIN_SECONDS", "300"))
        self.ADMIN_REQUIRE_2FA = env_flag("ADMIN_REQUIRE_2FA")

        # Flask-Limiter counts in Redis whenever one is configured (its own setting first,
        # else REDIS_URL), so that every worker and instance shares one count; memory://
        # only without Redis, where each worker counts alone (production warns of it).
        self.RATELIMIT_ENABLED = env_flag("RATELIMIT_ENABLED", default=True)
        self.RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI") or self.REDIS_URL or "memory://"
        # Keeps the counts apart when several sites (or test runs) share one Redis server.
        self.RATELIMIT_KEY_PREFIX = env("RATELIMIT_KEY_PREFIX", "")
        self.RATELIMIT_HEADERS_ENABLED = True
        # Spam defences (flaskblog.spam): the fewest seconds between loading the sign-up or
        # comment form and sending it (0: no check), and what an account may write an hour
        # during its first day (0: no limit beyond everyone's).
        self.SPAM_MIN_FORM_SECONDS = int(env("SPAM_MIN_FORM_SECONDS", "3"))
        self.NEW_ACCOUNT_POSTS_PER_HOUR = int(env("NEW_ACCOUNT_POSTS_PER_HOUR", "3"))
        self.NEW_ACCOUNT_COMMENTS_PER_HOUR = int(env("NEW_ACCOUNT_COMMENTS_PER_HOUR", "10"))
        # Whole pages for anonymous visitors (flaskblog.caching). Redis when CACHE_REDIS_URL
        # is set: every worker and instance then shares the pages and their invalidation.
        # Without it, development keeps them in its one process; production keeps none,
        # since each worker's own copy would miss the others' changes.
        self.CACHE_REDIS_URL = env("CACHE_REDIS_URL") or None
        self.CACHE_TYPE = "RedisCache" if self.CACHE_REDIS_URL else "NullCache"
        self.CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", "flaskblog:")
        self.CACHE_NO_NULL_WARNING = True
        self.CACHE_DEFAULT_TIMEOUT = int(env("CACHE_DEFAULT_TIMEOUT", "300"))
        # Bytes of the front door's answers each worker keeps in its own memory, so that a
        # hit needs no Redis round trip (flaskblog.front_door_memory; Redis caches only);
        # least recently used out first. 0 keeps none: every hit asks Redis.
        self.FRONT_DOOR_MEMORY_BYTES = int(env("FRONT_DOOR_MEMORY_BYTES", str(32 * 1024 * 1024)))
        # When Redis stops answering (flaskblog.breaker): seconds to wait for it before a
        # call fails, seconds before a failed server is tried again, and seconds between the
        # log's lines saying it is still down.
        self.REDIS_TIMEOUT_SECONDS = float(env("REDIS_TIMEOUT_SECONDS", "1"))
        self.REDIS_RETRY_SECONDS = float(env("REDIS_RETRY_SECONDS", "2"))
        self.REDIS_OUTAGE_LOG_SECONDS = float(env("REDIS_OUTAGE_LOG_SECONDS", "60"))
        # How many proxies in front of the app append to X-Forwarded-For (and set
        # X-Forwarded-Proto): the client address is the one that many hops from the end.
        # 0 trusts no forwarded header, as a site served straight to the internet must;
        # production defaults to 1 on Heroku (its router is one hop), else 0.
        self.PROXY_HOPS = proxy_hops(env("PROXY_HOPS"), default=0)
        # Strict-Transport-Security, in seconds; only production, which is served over https.
        self.HSTS_MAX_AGE = 0
        self.LOG_LEVEL = env("LOG_LEVEL", "INFO").upper()
        # "text" for people reading a terminal, "json" (production's default) for log services.
        self.LOG_FORMAT = env("LOG_FORMAT", "text").strip().lower()

        # /metrics (Prometheus): shown to a scraper sending "Authorization: Bearer
        # <METRICS_TOKEN>" (32 characters or more) or coming from one of METRICS_ALLOW_FROM's
        # networks (comma-separated, e.g. "10.0.0.0/8,127.0.0.1"); with neither, no /metrics.
        # Under gunicorn the workers' counts meet in PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py).
        self.METRICS_TOKEN = env("METRICS_TOKEN") or None
        self.METRICS_ALLOW_FROM = networks(env("METRICS_ALLOW_FROM", ""))
        self.METRICS_MULTIPROCESS_DIR = env("PROMETHEUS_MULTIPROC_DIR") or None

        # The JSON API (/api/v1, docs/API.md): how long a token lives, in seconds, and the
        # origins (comma-separated, e.g. "https://app.example.com") whose pages may call it.
        self.API_TOKEN_TTL = int(env("API_TOKEN_TTL", "3600"))
        self.CORS_ORIGINS = [
            origin.strip().rstrip("/")
            for origin in env("CORS_ORIGINS", "").split(",")
            if origin.strip()
        ]
        self.API_MAX_BODY_BYTES = 256 * 1024
        # Passkeys (WebAuthn, flaskblog/passkeys): the relying party id is the site's domain,
        # which every passkey is bound to, and the origin the one its pages are served from.
        # By default the host of SERVER_NAME (the request's host when there is none, as in
        # development), and the scheme and host the request came with.
        self.WEBAUTHN_RP_ID = env("WEBAUTHN_RP_ID") or None
        self.WEBAUTHN_ORIGIN = (env("WEBAUTHN_ORIGIN") or "").rstrip("/") or None
        self.WEBAUTHN_RP_NAME = env("WEBAUTHN_RP_NAME", "flaskblog")
        # flask-smorest's settings for the OpenAPI document at /api/v1/openapi.json.
        self.API_TITLE = "flaskblog API"
        self.API_VERSION = "1"
        self.OPENAPI_VERSION = "3.1.0"
        self.OPENAPI_URL_PREFIX = "/api/v1"
        self.OPENAPI_JSON_PATH = "openapi.json"

    def init_app(self, app) -> None:
        """Environment-specific setup that needs the app itself."""
        app.logger.setLevel(getattr(logging, self.LOG_LEVEL, logging.INFO))
        if self.MEDIA_STORAGE not in ("database", "s3"):
            raise CannotStart(f"MEDIA_STORAGE is database or s3, not {self.MEDIA_STORAGE!r}.")
        if self.METRICS_TOKEN is not None and len(self.METRICS_TOKEN) < 32:
            raise CannotStart(
                "METRICS_TOKEN must be 32 characters or more (e.g. `openssl rand -hex 32`)."
            )
        if self.MEDIA_STORAGE == "s3" and not self.S3_BUCKET:
            raise CannotStart("MEDIA_STORAGE=s3 needs S3_BUCKET (and usually S3_ENDPOINT_URL).")


class DevelopmentConfig(Config):
    """Local work: SQLite in `instance/`, a fixed secret, emails in the log."""

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = self.SECRET_KEY or "development-only-secret-not-for-production"
        if not self.CACHE_REDIS_URL:
            self.CACHE_TYPE = "SimpleCache"  # one process: its own memory is enough


class TestingConfig(Config):
    """The test suite: SQLite in memory unless TEST_DATABASE_URL names another database."""

    def __init__(self) -> None:
        super().__init__()
        self.TESTING = True
        self.DEBUG = False
        self.SECRET_KEY = "testing-secret"
        # Tests that exercise the limits switch them on for their own app.
        self.RATELIMIT_ENABLED = False
        self.RATELIMIT_STORAGE_URI = "memory://"
        # Every test account is a new one, and test clients are quick: the spam tests
        # switch these on for their own app.
        self.SPAM_MIN_FORM_SECONDS = 0
        self.NEW_ACCOUNT_POSTS_PER_HOUR = 0
        self.NEW_ACCOUNT_COMMENTS_PER_HOUR = 0
        self.SERVER_NAME = os.environ.get("TEST_SERVER_NAME", "flaskblog.test")
        self.SQLALCHEMY_DATABASE_URI = database_url(
            os.environ.get("TEST_DATABASE_URL", "sqlite://")
        )
        self.BCRYPT_LOG_ROUNDS = 4
        # Admin tests that need two-factor login switch this on for their own app.
        self.ADMIN_REQUIRE_2FA = False
        # Pages are cached only in the tests of caching, which ask for a backend.
        self.CACHE_TYPE = "NullCache"
        self.CACHE_REDIS_URL = None
        # Tests record mail in memory; a test that wants real SMTP sets these on its own
        # config object, so a developer's .env never sends mail from the suite.
        self.MAIL_SERVER = "localhost"
        self.MAIL_PORT = 25
        self.MAIL_SUPPRESS_SEND = True
        self.MAIL_TO_LOG = False
        # Sent before the response, so a test sees the email at once; the mail queue's own
        # tests switch to "thread" or "rq".
        self.MAIL_QUEUE = "immediate"
        self.MAIL_RETRY_INTERVALS = [0, 0]


class ProductionConfig(Config):
    """Heroku and friends: secrets required, secure cookies, proxies trusted as PROXY_HOPS says."""

    def __init__(self) -> None:
        super().__init__()
        self.DEBUG = False
        self.PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")
        self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = True
        # "__Host-" cookies are refused by browsers unless Secure, Path=/ and without a
        # Domain, so no subdomain (or a network attacker over http) can plant or shadow them.
        # Flask and Flask-Login set no Domain by default and Path=/ (APPLICATION_ROOT and
        # REMEMBER_COOKIE_PATH), nor do the known-device and visitor cookies: the names are
        # the only change.
        self.SESSION_COOKIE_NAME = "__Host-session"
        self.REMEMBER_COOKIE_NAME = "__Host-remember_token"
        self.DEVICE_COOKIE_NAME = "__Host-known_device"
        self.VISITOR_COOKIE_NAME = "__Host-visitor"
        self.HSTS_MAX_AGE = 365 * 24 * 60 * 60
        self.ADMIN_REQUIRE_2FA = env_flag("ADMIN_REQUIRE_2FA", default=True)
        self.LOG_FORMAT = os.environ.get("LOG_FORMAT", "json").strip().lower()
        self.debug_requested = env_flag("FLASK_DEBUG")  # lower case: not a Flask setting
        # Heroku (which sets DYNO) puts exactly one router in front of every dyno; anywhere
        # else, forwarded headers are trusted only when PROXY_HOPS says how many proxies.
        self.PROXY_HOPS = proxy_hops(
            os.environ.get("PROXY_HOPS"), default=1 if os.environ.get("DYNO") else 0
        )

    def init_app(self, app) -> None:
        """Refuse to run without secrets or with the debugger; warn of per-worker limits."""
        missing = [name for name in ("SECRET_KEY", "SERVER_NAME") if not getattr(self, name)]
        if missing:
            raise CannotStart(
                f"set {' and '.join(missing)} in the environment before starting "
                "in production (see .env.example)."
            )
        if self.debug_requested:
            # `flask run` starts the debugger from FLASK_DEBUG itself, after the app is built,
            # so the only safe answer in production is to refuse.
            raise CannotStart(
                "FLASK_DEBUG is on, and the debugger lets anyone run code on the "
                "server: unset FLASK_DEBUG (and drop --debug) in production."
            )
        super().init_app(app)
        if self.RATELIMIT_ENABLED and self.RATELIMIT_STORAGE_URI.startswith("memory://"):
            from flaskblog.logs import configure_handler

            # gunicorn runs several workers: each would count alone, and forget on restart.
            # Said in the log's own format, which the app would set up only after this.
            configure_handler(app)
            app.logger.warning(
                "RATE LIMITS ARE COUNTED PER WORKER (RATELIMIT_STORAGE_URI=memory://): with "
                "n workers an attacker gets n times every limit, and a restart forgets them. "
                "Set REDIS_URL (or RATELIMIT_STORAGE_URI=redis://...) so they are shared."
            )


config = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_name_from_env() -> str:
    """The configuration named by FLASK_CONFIG, development by default."""
    return os.environ.get("FLASK_CONFIG", "development")
