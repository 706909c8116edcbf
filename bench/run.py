"""The load benchmark behind `make bench` (docs/PERFORMANCE.md says what and why).

For each database it seeds the data with `flask seed` (1,000 users, --posts posts, the same
random seed every time), serves the site with gunicorn (2 sync workers, production settings
with the page cache in Redis, rate limits off) and, beside it, the bare Flask ceiling app
(bench/ceiling.py), then drives every page with wrk for --duration seconds: anonymous, and
logged in for the home and post pages, search, the Following feed and the notifications. The
site's gunicorn is started afresh for each page, so that a page too slow to answer cannot
leave the next one waiting behind its requests. It counts each page's SQL statements through
the test client, samples the workers' memory during a longer run of the home page, and times
bcrypt logins. Each run's figures go
to bench/results/<database>-<posts>.json, and docs/PERFORMANCE.md's generated part is
rebuilt from every result there.

    .venv/bin/python bench/run.py --posts 20000 --duration 10 --databases sqlite,postgresql
"""

import argparse
import html
import http.client
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"

USERS = 1000
RANDOM_SEED = 2026
WORKERS = 2
CONNECTIONS = 16
THREADS = 2
DEEP_PAGE = 2000
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/flaskblog_bench_data"
# Production caches anonymous pages in Redis; the benchmark's own database number and prefix,
# emptied before each run so that no page comes from an earlier run or another database.
DEFAULT_CACHE = "redis://127.0.0.1:6379/7"
CACHE_PREFIX = "flaskblog-bench:"
# wrk gives up on a request after this long and counts it as a timeout.
WRK_TIMEOUT_S = 10
# Logins are driven for at least this long: 16 connections each wait for a bcrypt check that
# queues behind fifteen others (about 3 s on a slow machine), so in a 5-second run wrk counts
# one wave of answers and cuts the next, and reads as little as 80% of the true rate.
LOGIN_SECONDS = 60
# flaskblog.seed.DEMO_PASSWORD (a published demo password); tests/test_seed.py pins it.
DEMO_PASSWORD = "seeded demo account"  # noqa: S105


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- The database -------------------------------------------------------------------------


def database_url(database: str, posts: int, postgres_url: str) -> str:
    if database == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA / f'sqlite-{posts}.sqlite'}"
    return postgres_url


def app_environment(url: str, port: int | None = None, cache_url: str = "") -> dict[str, str]:
    """The site as in production, on this database, with rate limits off for the load.

    With cache_url, anonymous pages are cached in that Redis as in production; without it,
    every request builds its page (what the SQL query counts are taken from).
    """
    env = dict(os.environ)
    env.pop("CACHE_REDIS_URL", None)
    if cache_url:
        env.update(CACHE_REDIS_URL=cache_url, CACHE_KEY_PREFIX=CACHE_PREFIX)
    env.update(
        FLASK_APP="run.py",
        FLASK_CONFIG="production",
        FLASK_DEBUG="0",
        FLASK_SKIP_DOTENV="1",
        DATABASE_URL=url,
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_hex(32),
        SERVER_NAME=f"127.0.0.1:{port}" if port else "127.0.0.1",
        PREFERRED_URL_SCHEME="http",
        RATELIMIT_ENABLED="false",
        WEB_CONCURRENCY=str(WORKERS),
        LOG_LEVEL="WARNING",
    )
    return env


def prepare_database(database: str, url: str, posts: int) -> float | None:
    """Migrate and seed; a database holding more posts than asked for is emptied first.

    Returns the seconds `flask seed` took (None when the data was already there).
    """
    if database == "postgresql":
        create_postgres_database(url)
    env = app_environment(url)
    env["FLASK_CONFIG"] = "development"  # seeding needs no SERVER_NAME nor secrets
    flask = str(BIN / "flask")
    subprocess.run([flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    have = post_count(url)
    if have > posts:
        log(f"{database}: holds {have:,} posts, more than {posts:,}: starting it again")
        empty_database(database, url)
        subprocess.run([flask, "db", "upgrade"], env=env, cwd=ROOT, check=True)
    elif have == posts:
        log(f"{database}: already seeded with {posts:,} posts")
        return None
    command = [flask, "seed", "--users", str(USERS), "--posts", str(posts)]
    command += ["--random-seed", str(RANDOM_SEED)]
    log(f"{database}: {shlex.join(['flask', *command[1:]])}")
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True)
    return time.perf_counter() - started


def create_postgres_database(url: str) -> None:
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    parts = make_url(url)
    server = dict(host=parts.host, port=parts.port or 5432, user=parts.username)
    if parts.password:
        server["password"] = parts.password
    try:
        connection = psycopg.connect(dbname="postgres", autocommit=True, **server)
    except psycopg.OperationalError as error:
        raise SystemExit(
            f"bench: PostgreSQL does not answer at {parts.host}:{server['port']} ({error}); "
            "pass --postgres-url, or --databases sqlite"
        ) from error
    with connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parts.database,)
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parts.database)))


def post_count(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM posts")).scalar_one()
    finally:
        engine.dispose()


def flush_page_cache(cache_url: str) -> int:
    """Delete the benchmark's cached pages (its key prefix only); returns how many."""
    import redis

    client = redis.Redis.from_url(cache_url)
    try:
        keys = list(client.scan_iter(match=CACHE_PREFIX + "*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError as error:
        raise SystemExit(
            f"bench: Redis does not answer at {cache_url} ({error}); "
            "pass --cache-redis-url, or --cache-redis-url '' to run without the page cache"
        ) from error
    finally:
        client.close()
    return len(keys)


def stop_database_work(database: str, url: str) -> None:
    """End PostgreSQL statements still running for a stopped site: a query outlives the
    worker that sent it until it next writes to the socket, and would slow the next page."""
    if database != "postgresql":
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    engine.dispose()


def empty_database(database: str, url: str) -> None:
    if database == "sqlite":
        Path(url.removeprefix("sqlite:///")).unlink()
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# --- What to request ----------------------------------------------------------------------


# The post page's post has this many comments, replies included, in every run: the same
# random seed gives SQLite and PostgreSQL different posts in the middle (one had 1 comment,
# the other 17), and a post page's cost grows with its comments.
POST_COMMENTS = 4


def pick_targets(url: str) -> dict:
    """Concrete URLs for each page: a post in the middle with POST_COMMENTS comments, its
    author, the biggest tag, a word from the post's title, a picture, and the deep page (or
    the last one)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        published = c.execute(text("SELECT count(*) FROM posts WHERE is_published")).scalar_one()
        post = c.execute(
            text(
                "SELECT p.id, p.slug, p.title, p.content_text, u.username FROM posts p "
                "JOIN users u ON u.id = p.user_id WHERE p.is_published "
                "AND (SELECT count(*) FROM comments c WHERE c.post_id = p.id) = :comments "
                "AND p.id >= (SELECT max(id) FROM posts) / 2 ORDER BY p.id LIMIT 1"
            ),
            {"comments": POST_COMMENTS},
        ).one()
        tag = c.execute(
            text(
                "SELECT t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id "
                "GROUP BY t.name ORDER BY count(*) DESC, t.name LIMIT 1"
            )
        ).scalar_one()
        avatar = c.execute(
            text("SELECT user_id, digest FROM avatars ORDER BY user_id LIMIT 1")
        ).one()
    engine.dispose()
    last_page = max(1, -(-published // 5))
    deep = min(DEEP_PAGE, last_page)
    word = max(re.findall(r"[A-Za-z]+", post.title), key=len).lower()
    # Someone pasting a sentence: twenty words of the post (the site searches the first 8).
    sentence = " ".join(re.findall(r"[A-Za-z]{3,}", post.content_text)[:20])
    search = "/search?" + urllib.parse.urlencode({"q": word})
    long_search = "/search?" + urllib.parse.urlencode({"q": sentence})
    return {
        "published": published,
        "deep_page": deep,
        "pages": [
            ("home page 1", "/"),
            (f"home page {deep:,}", f"/?page={deep}"),
            ("post page", f"/post/{post.id}/{post.slug}"),
            ("user page", f"/user/{post.username}"),
            ("tag page", f"/tag/{tag}"),
            ("search", search),
            ("search, 20 words", long_search),
            ("Atom feed", "/feed.xml"),
            ("avatar", f"/avatar/{avatar.user_id}/{avatar.digest}.webp"),
            ("login page", "/login"),
        ],
        "logged_in": [
            ("home page 1", "/"),
            ("post page", f"/post/{post.id}/{post.slug}"),
            ("search", search),
            ("search, 20 words", long_search),
            ("following", "/following"),
            ("notifications", "/notifications"),
        ],
        "listings": ["home page 1", f"home page {deep:,}", "user page", "tag page", "search"],
        "login_email": demo_email(url),
    }


def database_server(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        version = c.execute(text("SHOW server_version")).scalar_one()
    engine.dispose()
    return f"PostgreSQL {version.split()[0]}"


def demo_email(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as c:
        email = c.execute(
            text("SELECT email FROM users WHERE email LIKE '%@demo.example.com' ORDER BY id")
        ).scalar()
    engine.dispose()
    return email


# --- Servers ------------------------------------------------------------------------------


@contextmanager
def gunicorn(app: str, env: dict, port: int, chdir: Path = ROOT):
    """gunicorn with 2 sync workers on 127.0.0.1:port, stopped on the way out."""
    command = [str(BIN / "gunicorn"), "--workers", str(WORKERS), "--worker-class", "sync"]
    command += ["--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), app]
    process = subprocess.Popen(command, env=env, cwd=chdir, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, _ = request(port, "GET", "/")
                if status < 500 and len(worker_pids(process.pid)) == WORKERS:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"bench: {app} did not start on port {port}")
            time.sleep(0.2)
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn at once (SIGQUIT: no waiting for requests in flight), then make sure no
    worker is left behind still working on a slow request."""
    workers = worker_pids(process.pid)
    process.send_signal(signal.SIGQUIT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pid in workers:
        with suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def worker_pids(master: int) -> list[int]:
    """The gunicorn master's children: its workers."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == master:
                pids.append(int(entry.name))
    return sorted(pids)


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def request(
    port: int,
    method: str,
    path: str,
    body: str | bytes | None = None,
    cookie: str = "",
    timeout: float = 120,
    headers: dict[str, str] | None = None,
):
    """One plain HTTP request, no redirects followed: (status, headers, text).

    A body is a form unless `headers` name another Content-Type. The default timeout is
    long: after wrk stops, the workers still owe it the requests it had queued, which on
    slow pages of big data takes a while.
    """
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = dict(headers or {})
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    text = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, response.headers, text


def session_cookie(headers) -> str:
    """name=value of the cookies set (the Secure flag is production's; this is loopback)."""
    return "; ".join(value.split(";", 1)[0] for value in headers.get_all("Set-Cookie") or [])


def csrf_token(page: str) -> str:
    """The CSRF token of the (first) form on a page."""
    return html.unescape(re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1))


def login_form(
    port: int, email: str, password: str = DEMO_PASSWORD, headers: dict | None = None
) -> tuple[str, str]:
    """(cookie, form body) for a login POST: the login page's session and CSRF token."""
    _, sent, page = request(port, "GET", "/login", headers=headers)
    body = urllib.parse.urlencode(
        {"csrf_token": csrf_token(page), "email": email, "password": password}
    )
    return session_cookie(sent), body


def log_in(port: int, email: str, headers: dict | None = None) -> str:
    """The session cookie of a fresh login through the real login form."""
    cookie, body = login_form(port, email, headers=headers)
    status, answer, _ = request(port, "POST", "/login", body, cookie, headers=headers)
    if status != 302 or not answer.get_all("Set-Cookie"):
        raise SystemExit(f"bench: logging in as {email} failed (HTTP {status})")
    return session_cookie(answer)


# --- wrk ----------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk(port: int, path: str, seconds: float, cookie: str = "", script: Path | None = None):
    """Drive one URL for `seconds`: requests/s, p50 and p99 in ms, errors."""
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--latency"]
    command += ["--timeout", f"{WRK_TIMEOUT_S}s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", str(script)]
    command.append(f"http://127.0.0.1:{port}{path}")
    finished = subprocess.run(
        command, check=True, capture_output=True, text=True, timeout=seconds + WRK_TIMEOUT_S + 60
    )
    return parse_wrk(finished.stdout)


def parse_wrk(output: str) -> dict:
    """wrk's report (with --latency) as numbers; errors are non-2xx/3xx plus socket errors.

    "status" says whether the figures can be read as a speed: "ok", "errors" (some answers
    failed), or "timed out" (some requests got no answer within wrk's --timeout, or none
    was answered at all: then requests/s and latencies are not a measure of the page).
    """

    def latency(percent: str) -> float | None:
        found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        return round(float(found.group(1)) * UNITS[found.group(2)], 2) if found else None

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    total = re.search(r"(\d+) requests in", output)
    requests = int(total.group(1))
    timeouts = int(sockets.group(4)) if sockets else 0
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(n) for n in sockets.groups()) if sockets else 0
    )
    status = "errors" if errors else "ok"
    if requests == 0 or timeouts:
        status = "timed out"
    return {
        "rps": round(float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)), 1),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "requests": requests,
        "errors": errors,
        "timeouts": timeouts,
        "status": status,
    }


def login_script(cookie: str, body: str) -> Path:
    """A wrk script that posts the login form (one bcrypt check a request)."""
    path = DATA / "login.lua"
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body)}\n"
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        f'wrk.headers["Cookie"] = {json.dumps(cookie)}\n'
    )
    return path


def warm_up_script(pages: int) -> Path:
    """A wrk script that asks for home pages 2 to `pages` in turn, each built (not cached)."""
    path = DATA / "warm-up.lua"
    path.write_text(
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        f'  return wrk.format("GET", "/?warm-up&page=" .. (n % {pages - 1} + 2))\n'
        "end\n"
    )
    return path


class MemorySampler(threading.Thread):
    """Samples the workers' RSS twice a second while the benchmark runs."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids, self.samples, self.running = pids, [], True

    def run(self) -> None:
        start = time.monotonic()
        while self.running:
            for pid in self.pids:
                with suppress(OSError, KeyError):  # a worker that has just gone
                    self.samples.append((time.monotonic() - start, pid, memory_kib(pid)["VmRSS"]))
            time.sleep(0.5)


# --- Queries per page, through the test client --------------------------------------------


def count_queries(url: str, pages: list, logged_in: list, email: str) -> dict:
    """SQL statements each page runs, anonymous and logged in (request hooks included)."""
    os.environ.update(app_environment(url))
    os.environ.pop("CACHE_REDIS_URL", None)  # every page built: its queries, not a cache hit
    from sqlalchemy import event

    from flaskblog import create_app
    from flaskblog.extensions import db

    app = create_app("production")
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    def measure(client, path):
        client.get(path)  # the first request of a process fills caches
        statements.clear()
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"bench: {path} answered {response.status_code} to the test client")
        return len(statements), len(response.get_data())

    anonymous, member = app.test_client(), app.test_client()
    counts = {"anonymous": {}, "logged in": {}, "bytes": {}}
    for name, path in pages:
        counts["anonymous"][name], counts["bytes"][name] = measure(anonymous, path)
    token = csrf_token(member.get("/login").get_data(as_text=True))
    response = member.post(
        "/login", data={"csrf_token": token, "email": email, "password": DEMO_PASSWORD}
    )
    if response.status_code != 302:
        raise SystemExit("bench: the test client could not log in")
    for name, path in logged_in:
        counts["logged in"][name] = measure(member, path)[0]
    with app.app_context():
        db.engine.dispose()
    return counts


def bcrypt_hash_ms(rounds: int, samples: int = 5) -> float:
    """Milliseconds one bcrypt hash takes here at `rounds` (the login check's cost)."""
    import bcrypt

    salt = bcrypt.gensalt(rounds)
    started = time.perf_counter()
    for _ in range(samples):
        bcrypt.hashpw(b"a password of typical length", salt)
    return round((time.perf_counter() - started) / samples * 1000, 1)


# --- One database -------------------------------------------------------------------------


def run_database(database: str, args, machine: dict) -> dict:
    url = database_url(database, args.posts, args.postgres_url)
    seed_seconds = prepare_database(database, url, args.posts)
    targets = pick_targets(url)
    if args.pages:
        targets["pages"] = chosen(targets["pages"], args.pages)
        targets["logged_in"] = chosen(targets["logged_in"], args.pages)
    server = database_server(url) if database == "postgresql" else None
    queries = count_queries(url, targets["pages"], targets["logged_in"], targets["login_email"])
    if args.cache_redis_url:
        flushed = flush_page_cache(args.cache_redis_url)
        log(f"{database}: page cache {args.cache_redis_url} emptied ({flushed} keys)")
    site_port, ceiling_port = free_port(), free_port()
    result = {
        "database": database,
        "posts": args.posts,
        "published": targets["published"],
        "users": USERS,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": args.command,
        "duration_s": args.duration,
        "machine": machine,
        "seed_seconds": round(seed_seconds, 1) if seed_seconds else None,
        "server": server,
        "page_cache": "redis" if args.cache_redis_url else None,
        "wrk_timeout_s": WRK_TIMEOUT_S,
        # Other work on the machine shows here: the figures are only as quiet as it was.
        "load_before": [round(load, 2) for load in os.getloadavg()],
        "pages": [],
    }
    env = app_environment(url, site_port, args.cache_redis_url)

    @contextmanager
    def site():
        """A fresh site for each measurement: nothing queued or stuck from the one before."""
        stop_database_work(database, url)
        with gunicorn("run:app", env, site_port) as process:
            yield process
        stop_database_work(database, url)

    with gunicorn("ceiling:app", env, ceiling_port, ROOT / "bench"):
        with site():
            cookie = log_in(site_port, targets["login_email"])
        runs = [("anonymous", name, path, "") for name, path in targets["pages"]]
        runs += [("logged in", name, path, cookie) for name, path in targets["logged_in"]]
        for who, name, path, sent_cookie in runs:
            with site():
                warm_up(site_port, path, sent_cookie)
                log(f"{database}: {who} {name} ({path})")
                figures = wrk(site_port, path, args.duration, sent_cookie)
            if figures["status"] != "ok":
                log(f"{database}: {name}: {figures['status']} ({figures['errors']} errors)")
            figures.update(
                who=who,
                page=name,
                path=path,
                queries=queries[who][name],
                bytes=queries["bytes"].get(name) if who == "anonymous" else None,
            )
            result["pages"].append(figures)

        log(f"{database}: ceiling (bench/ceiling.py)")
        result["ceiling"] = wrk(ceiling_port, "/", args.duration)
        _, _, ceiling_page = request(ceiling_port, "GET", "/")
        result["ceiling"]["bytes"] = len(ceiling_page.encode())
        for page in result["pages"]:
            page["vs_ceiling"] = round(page["rps"] / result["ceiling"]["rps"], 3)

    if args.pages:  # a look at a few pages: no memory or login runs
        result["load_after"] = [round(load, 2) for load in os.getloadavg()]
        return result

    log(f"{database}: memory, home page for {args.memory_duration} s")
    with site() as process:
        pids = worker_pids(process.pid)
        # Both workers build pages first (an argument the cache ignores: built each time;
        # a new page number each time, or its listing would be the one kept for every
        # visitor), so the run measures their steady state, not the first page a worker
        # ever builds (templates compiled, catalogues read: about 7 MiB, once).
        wrk(site_port, "/", 2, script=warm_up_script(targets["deep_page"]))
        sampler = MemorySampler(pids)
        sampler.start()
        memory_run = wrk(site_port, "/", args.memory_duration)
        sampler.running = False
        sampler.join()
        result["memory"] = memory_report(pids, sampler.samples, memory_run)  # VmHWM: alive
    result["memory"]["seconds"] = args.memory_duration

    log(f"{database}: logins (POST /login, bcrypt)")
    with site():
        login_cookie, login_body = login_form(site_port, targets["login_email"])
        script = login_script(login_cookie, login_body)
        seconds = max(args.duration, LOGIN_SECONDS)
        result["login"] = wrk(site_port, "/login", seconds, script=script)
        result["login"]["seconds"] = seconds
    result["load_after"] = [round(load, 2) for load in os.getloadavg()]

    # The production cost factor: ProductionConfig's, from the environment as the site reads it.
    os.environ.update(app_environment(url))
    from config import ProductionConfig

    rounds = ProductionConfig().BCRYPT_LOG_ROUNDS
    hash_ms = bcrypt_hash_ms(rounds)
    result["login"].update(
        rounds=rounds,
        hash_ms=hash_ms,
        limit_rps=round(machine["cores"] / (hash_ms / 1000), 1),
    )
    return result


def chosen(pages: list, names: str) -> list:
    """The pages whose name holds one of the comma-separated `names` ("search": both)."""
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    return [(name, path) for name, path in pages if any(w in name for w in wanted)]


def warm_up(port: int, path: str, cookie: str) -> None:
    """Warm up both workers (templates, connections, the page cache): 20 requests, or 3 s."""
    warm_until = time.monotonic() + 3
    for _ in range(20):
        try:
            request(port, "GET", path, cookie=cookie, timeout=WRK_TIMEOUT_S)
        except OSError:  # too slow to answer: wrk will count it as timed out
            return
        if time.monotonic() > warm_until:
            return


def memory_report(pids: list[int], window: list, run: dict) -> dict:
    """Per worker: RSS at the start and end of the long run, its peak, in MiB."""
    workers = []
    for pid in pids:
        series = [(t, rss) for t, sample_pid, rss in window if sample_pid == pid]
        if not series:
            continue
        first = [rss for t, rss in series if t <= series[0][0] + 5]
        last = [rss for t, rss in series if t >= series[-1][0] - 5]
        try:
            hwm = memory_kib(pid)["VmHWM"]
        except (OSError, KeyError):
            hwm = max(rss for _, rss in series)
        workers.append(
            {
                "pid": pid,
                "start_mib": round(sum(first) / len(first) / 1024, 1),
                "end_mib": round(sum(last) / len(last) / 1024, 1),
                "peak_mib": round(hwm / 1024, 1),
                "samples": len(series),
            }
        )
    return {"workers": workers, "run": run}


# --- The machine and the document ---------------------------------------------------------


def describe_machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.partition(":")[2].strip()
            break
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1])
    import sqlite3

    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory / 1024 / 1024, 1),
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split(
            "\n"
        )[0],
    }


def make_command(arguments: list[str]) -> str:
    """The `make bench` line that runs bench/run.py with these arguments, quoted readably."""
    joined = shlex.join(arguments)
    if not re.search(r'["$`\\]', joined):
        return f'make bench BENCH_ARGS="{joined}"'
    return "make bench BENCH_ARGS=" + shlex.quote(joined)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=20_000, help="posts to seed (20,000)")
    parser.add_argument("--duration", type=float, default=10, help="seconds a page (10)")
    parser.add_argument(
        "--memory-duration", type=float, default=600, help="seconds of the memory run (600)"
    )
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="sqlite, postgresql or both"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="PostgreSQL database")
    parser.add_argument(
        "--cache-redis-url",
        default=DEFAULT_CACHE,
        help="Redis for the site's page cache, as in production ('' for none)",
    )
    parser.add_argument(
        "--pages",
        default="",
        help="only the pages whose name holds one of these (comma-separated, e.g. search); "
        "the figures go to bench/results/pages/, not into the doc's tables",
    )
    parser.add_argument("--label", default="", help="marks the figures in the doc (e.g. baseline)")
    parser.add_argument(
        "--doc-only", action="store_true", help="rebuild the doc from bench/results only"
    )
    args = parser.parse_args()
    args.command = make_command(sys.argv[1:])
    import report  # bench/report.py, beside this file

    if not args.doc_only:
        if shutil.which("wrk") is None:
            raise SystemExit("bench: wrk is missing; `make bench` installs it (apt-get)")
        machine = describe_machine()
        RESULTS.mkdir(parents=True, exist_ok=True)
        for database in args.databases.split(","):
            result = run_database(database.strip(), args, machine)
            result["label"] = args.label
            # Without the page cache: kept beside the run as deployed, not in its place.
            suffix = "" if args.cache_redis_url else report.UNCACHED_SUFFIX
            path = RESULTS / f"{result['database']}-{result['posts']}{suffix}.json"
            if args.pages:  # a partial run: printed, kept apart, never in the doc's tables
                label = re.sub(r"[^a-z0-9]+", "-", f"{args.pages} {args.label}".lower())
                path = RESULTS / "pages" / f"{path.stem}-{label.strip('-')}.json"
                path.parent.mkdir(exist_ok=True)
                print("\n".join(report.results_table(result)))
            path.write_text(json.dumps(result, indent=1) + "\n")
            log(f"wrote {path.relative_to(ROOT)}")
    if args.pages:
        return
    report.write_document(RESULTS, DOC, BEGIN, END)
    log(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
