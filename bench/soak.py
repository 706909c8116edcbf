"""The fault run behind `make soak` (docs/RELIABILITY.md says what and why).

It starts everything it needs on loopback, of its own: a PostgreSQL server (initdb and pg_ctl
from the machine's PostgreSQL binaries, in a temporary directory, on a spare port), a Redis
server on a spare port, and gunicorn serving the site as in production (page cache, rate
limits and mail queue in that Redis). It seeds demo users and posts, then sends a mixed load
for --duration seconds at --rate actions a second: anonymous reading, logged-in reading,
commenting, publishing through the form and through the API, searching, logging in.

Midway it stops Redis for --redis-outage seconds and starts it again; later it restarts
PostgreSQL. It measures the requests served, the 5xx answers outside the outage windows,
the answers during each outage (and any slower than 5 s), the time to recover after each,
and the writes lost: every post and comment that got a success must be in the database at
the end, and none that got a failure may be there. The figures go to docs/RELIABILITY.md
(or --output); the exit status is 1 when a target is missed.

    .venv/bin/python bench/soak.py --duration 600 --rate 10
"""

import argparse
import base64
import html
import importlib.util
import json
import os
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _bench_module(name: str):
    # bench/run.py, loaded by path: the name `run` is also the app's own run.py.
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench_module("run")
ROOT = bench.ROOT
DOC = ROOT / "docs" / "RELIABILITY.md"
BEGIN, END = "<!-- soak:begin -->", "<!-- soak:end -->"

ANSWER_BOUND_S = 5.0  # an answer slower than this is a hang, outage or not
RECOVERY_TARGET_S = 5.0
REQUEST_TIMEOUT_S = 15.0  # the client gives up here (and counts a hang)
RANDOM_SEED = 2026

# What the load does, and how often (weights of the actions).
MIX = {
    "anonymous read": 35,
    "logged-in read": 20,
    "search": 10,
    "comment": 12,
    "publish (form)": 8,
    "publish (API)": 7,
    "log in": 8,
}
WRITES = ("comment", "publish (form)", "publish (API)")


def log(message: str) -> None:
    print(f"soak: {message}", file=sys.stderr, flush=True)


# --- The services, each of the run's own ---------------------------------------------------------


def postgres_binaries() -> Path | None:
    """The directory of initdb and pg_ctl: the newest /usr/lib/postgresql/<v>/bin, else PATH."""

    def version(path: Path) -> int:
        return int(path.parent.name) if path.parent.name.isdigit() else 0

    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version)
    for directory in reversed(found):
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl and shutil.which("initdb"):
        return Path(pg_ctl).parent
    return None


class Postgres:
    """A PostgreSQL cluster in `directory`, on a spare loopback port. As root (PostgreSQL
    refuses to run as root) its commands run as the `postgres` user."""

    def __init__(self, directory: Path, binaries: Path) -> None:
        self.directory, self.binaries = directory, binaries
        self.data = directory / "data"
        self.port = bench.free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/flaskblog_soak"
        self.as_owner = []
        if os.geteuid() == 0:
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        directory.mkdir(parents=True)
        if self.as_owner:
            shutil.chown(directory, "postgres")

    def _run(self, *command: str) -> None:
        subprocess.run(
            [*self.as_owner, *command], check=True, stdout=subprocess.DEVNULL, cwd=self.directory
        )

    def create(self) -> "Postgres":
        self._run(
            str(self.binaries / "initdb"), "-D", str(self.data), "-U", "postgres",
            "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip
        self.start()
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute("CREATE DATABASE flaskblog_soak")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"
        options += " -c fsync=off -c max_connections=60"
        self._run(
            str(self.binaries / "pg_ctl"), "-D", str(self.data), "-l",
            str(self.directory / "postgres.log"), "-w", "-t", "60", "-o", options, "start",
        )  # fmt: skip

    def stop(self) -> None:
        # "fast": as a restart by an operator or a failover: sessions are cut, nothing waits.
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


class Redis:
    """A redis-server on a spare loopback port that keeps its data across a restart, as a
    production Redis with snapshots does."""

    def __init__(self, directory: Path) -> None:
        self.executable = shutil.which("redis-server")
        self.directory = directory
        directory.mkdir(parents=True)
        self.port = bench.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--dir", str(self.directory), "--save", "3600 1", "--appendonly", "no"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        import redis

        deadline = time.monotonic() + 30
        while True:
            try:
                with redis.Redis.from_url(self.url, socket_connect_timeout=0.5) as server:
                    server.ping()
                    return
            except redis.exceptions.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


def environment(args, postgres: Postgres, redis_url: str, port: int) -> dict[str, str]:
    """The site as in production, over plain http on loopback, on the run's own services."""
    env = dict(os.environ)
    for name in ("CACHE_REDIS_URL", "RATELIMIT_STORAGE_URI", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    env.update(
        FLASK_APP="run.py",
        FLASK_CONFIG="production",
        FLASK_DEBUG="0",
        FLASK_SKIP_DOTENV="1",
        DATABASE_URL=postgres.url,
        SECRET_KEY=uuid.uuid4().hex + uuid.uuid4().hex,
        SERVER_NAME=f"127.0.0.1:{port}",
        PREFERRED_URL_SCHEME="http",
        REDIS_URL=redis_url,
        CACHE_REDIS_URL=redis_url,
        MAIL_QUEUE="rq",
        RATELIMIT_ENABLED="true",
        # Each simulated person comes from an address of their own (X-Forwarded-For, one
        # trusted hop), so that the limits apply per person as in production.
        PROXY_HOPS="1",
        SPAM_MIN_FORM_SECONDS="0",
        NEW_ACCOUNT_POSTS_PER_HOUR="0",
        NEW_ACCOUNT_COMMENTS_PER_HOUR="0",
        BCRYPT_LOG_ROUNDS=str(args.bcrypt_rounds),
        WEB_CONCURRENCY=str(args.workers),
        LOG_FORMAT="text",
        LOG_LEVEL="WARNING",
    )
    return env


def flask(env: dict, *arguments: str) -> None:
    done = subprocess.run(  # our own interpreter's flask
        [str(bench.BIN / "flask"), *arguments], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"soak: flask {' '.join(arguments)} failed:\n{done.stderr}")


def start_gunicorn(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    command = [str(bench.BIN / "gunicorn"), "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "run:app"]
    with log_path.open("w") as output:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 90
    while True:
        with suppress(OSError):
            if bench.request(port, "GET", "/health", timeout=2)[0] == 200:
                return process
        if process.poll() is not None or time.monotonic() > deadline:
            bench.stop(process)
            raise SystemExit(f"soak: gunicorn did not start:\n{log_path.read_text()}")
        time.sleep(0.2)


# --- The load ------------------------------------------------------------------------------------


@dataclass
class Answer:
    """One request the load sent: when (seconds from the start), what, and how it went."""

    action: str
    started: float
    seconds: float
    status: int  # 0: no answer (refused, reset, or no answer within REQUEST_TIMEOUT_S)


@dataclass
class Write:
    """A post or comment the load tried to write, and whether it was told it succeeded."""

    action: str
    marker: str  # unique text in the post's content or the comment's body
    outcome: str  # "success", "failure" (an answer that says no) or "unknown" (no answer)


@dataclass
class Member:
    email: str
    address: str
    cookie: str = ""
    token: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Forwarded-For": self.address}


class Load:
    """Sends the mix at a steady rate from a pool of threads; keeps every answer."""

    def __init__(self, port: int, members: list[Member], post_ids: list[int], words: list[str]):
        self.port, self.post_ids, self.words = port, post_ids, words
        self.members: queue.Queue[Member] = queue.Queue()
        for member in members:
            self.members.put(member)
        self.answers: list[Answer] = []
        self.writes: list[Write] = []
        self.lock = threading.Lock()
        self.origin = time.monotonic()
        self.rng = random.Random(RANDOM_SEED)  # noqa: S311  (a load pattern, no secret)

    def now(self) -> float:
        return time.monotonic() - self.origin

    def request(self, action: str, method: str, path: str, body=None, cookie="", headers=None):
        started = self.now()
        try:
            status, sent, text = bench.request(
                self.port, method, path, body, cookie, REQUEST_TIMEOUT_S, headers
            )
        except OSError:
            status, sent, text = 0, None, ""
        with self.lock:
            self.answers.append(Answer(action, started, self.now() - started, status))
        return status, sent, text

    def wrote(self, action: str, marker: str, outcome: str) -> None:
        with self.lock:
            self.writes.append(Write(action, marker, outcome))

    def address(self) -> dict[str, str]:
        return {"X-Forwarded-For": f"203.0.113.{self.rng.randrange(1, 251)}"}

    def run(self, seconds: float, rate: float, threads: int) -> None:
        actions, weights = list(MIX), list(MIX.values())
        with ThreadPoolExecutor(max_workers=threads) as pool:
            due = self.now()
            while due < seconds:
                time.sleep(max(0.0, due - self.now()))
                action = self.rng.choices(actions, weights)[0]
                pool.submit(self.act, action)
                due += 1 / rate

    def act(self, action: str) -> None:
        if action in ("anonymous read", "search"):
            self.anonymous(action)
            return
        member = self.members.get()
        try:
            getattr(self, ACTIONS[action])(action, member)
        finally:
            self.members.put(member)

    def anonymous(self, action: str) -> None:
        if action == "search":
            words = " ".join(self.rng.sample(self.words, 2))
            path = "/search?" + urllib.parse.urlencode({"q": words})
        else:
            path = self.rng.choice(["/", "/?page=2", "/tags", f"/post/{self.some_post()}"])
        self.request(action, "GET", path, headers=self.address())

    def some_post(self) -> int:
        return self.rng.choice(self.post_ids)

    def read_logged_in(self, action: str, member: Member) -> None:
        path = self.rng.choice(["/", f"/post/{self.some_post()}", "/following"])
        self.member_get(action, member, path)

    def member_get(self, action: str, member: Member, path: str):
        status, sent, text = self.request(
            action, "GET", path, cookie=member.cookie, headers=member.headers
        )
        if sent is not None:
            member.cookie = with_cookies(member.cookie, sent)
        return status, text

    def form_post(self, action: str, member: Member, page: str, path: str, fields: dict):
        """GET the form's page for its CSRF token, then POST; (status, Location) or None when
        the form could not be had (then nothing was sent, so nothing can have been written)."""
        status, text = self.member_get(action, member, page)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text) if status == 200 else None
        if token is None:
            return None
        body = urllib.parse.urlencode({"csrf_token": html.unescape(token.group(1)), **fields})
        status, sent, _ = self.request(action, "POST", path, body, member.cookie, member.headers)
        if sent is not None:
            member.cookie = with_cookies(member.cookie, sent)
        return status, (sent.get("Location", "") if sent is not None else "")

    def comment(self, action: str, member: Member) -> None:
        post_id = self.some_post()
        marker = f"soak-{uuid.uuid4().hex}"
        fields = {"body": f"A comment under load, {marker}.", "submit": "Post comment"}
        answer = self.form_post(
            action, member, f"/post/{post_id}", f"/post/{post_id}/comment", fields
        )
        if answer is not None:
            status, location = answer
            self.wrote(action, marker, outcome(status, status == 302 and "#comment-" in location))

    def publish_form(self, action: str, member: Member) -> None:
        marker = f"soak-{uuid.uuid4().hex}"
        fields = {
            "title": f"Soak {marker[5:17]}",
            "content": f"A post published under load, {marker}.",
            "tags": "soak",
            "submit": "Publish",
        }
        answer = self.form_post(action, member, "/post/new", "/post/new", fields)
        if answer is not None:
            status, location = answer
            self.wrote(action, marker, outcome(status, status == 302 and "/post/" in location))

    def publish_api(self, action: str, member: Member) -> None:
        marker = f"soak-{uuid.uuid4().hex}"
        body = json.dumps(
            {"title": f"Soak API {marker[5:17]}", "content": f"Posted through the API, {marker}."}
        )
        headers = member.headers | {
            "Authorization": f"Bearer {member.token}",
            "Content-Type": "application/json",
        }
        status, _, _ = self.request(action, "POST", "/api/v1/posts", body, headers=headers)
        self.wrote(action, marker, outcome(status, status == 201))

    def log_in(self, action: str, member: Member) -> None:
        """A fresh login of the member from a new browser (its cookie then replaces theirs)."""
        status, sent, text = self.request(action, "GET", "/login", headers=member.headers)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text) if status == 200 else None
        if token is None:
            return
        cookie = bench.session_cookie(sent)
        body = urllib.parse.urlencode(
            {
                "csrf_token": html.unescape(token.group(1)),
                "email": member.email,
                "password": bench.DEMO_PASSWORD,
            }
        )
        status, sent, _ = self.request(action, "POST", "/login", body, cookie, member.headers)
        if status == 302 and sent is not None:
            member.cookie = with_cookies(cookie, sent)


ACTIONS = {
    "logged-in read": "read_logged_in",
    "comment": "comment",
    "publish (form)": "publish_form",
    "publish (API)": "publish_api",
    "log in": "log_in",
}


def outcome(status: int, succeeded: bool) -> str:
    if succeeded:
        return "success"
    return "unknown" if status == 0 else "failure"


def with_cookies(cookie: str, headers) -> str:
    """A Cookie header: `cookie` with the cookies a response set put in (name=value)."""
    jar = dict(part.split("=", 1) for part in cookie.split("; ") if "=" in part)
    jar |= dict(
        part.split("=", 1) for part in bench.session_cookie(headers).split("; ") if "=" in part
    )
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def prepare_members(port: int, database_url: str, count: int) -> list[Member]:
    """`count` demo accounts, each logged in (and holding an API token) from its own address."""
    emails = database_rows(
        database_url, "SELECT email FROM users WHERE confirmed_at IS NOT NULL ORDER BY id LIMIT %s",
        (count,),
    )  # fmt: skip
    members = []
    for n, (email,) in enumerate(emails):
        member = Member(email, f"198.51.100.{n + 1}")
        member.cookie = bench.log_in(port, email, headers=member.headers)
        basic = base64.b64encode(f"{email}:{bench.DEMO_PASSWORD}".encode()).decode()
        headers = member.headers | {"Authorization": f"Basic {basic}"}
        status, _, answer = bench.request(port, "POST", "/api/v1/tokens", b"", headers=headers)
        if status != 201:
            raise SystemExit(f"soak: no API token for {email} (HTTP {status})")
        member.token = json.loads(answer)["token"]
        members.append(member)
    return members


def database_rows(url: str, query: str, parameters: tuple = ()) -> list[tuple]:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as connection:
        return connection.execute(query, parameters).fetchall()


# --- The faults ----------------------------------------------------------------------------------


@dataclass
class Outage:
    name: str
    started: float
    ended: float = 0.0


def redis_outage(load: Load, redis: Redis, seconds: float) -> Outage:
    outage = Outage("Redis stopped", load.now())
    log(f"stopping Redis for {seconds:g} s")
    redis.stop()
    time.sleep(seconds)
    redis.start()
    outage.ended = load.now()
    log("Redis started again")
    return outage


def postgres_restart(load: Load, postgres: Postgres) -> Outage:
    outage = Outage("PostgreSQL restarted", load.now())
    log("restarting PostgreSQL")
    postgres.stop()
    postgres.start()
    outage.ended = load.now()
    log(f"PostgreSQL back after {outage.ended - outage.started:.1f} s")
    return outage


# --- The figures ---------------------------------------------------------------------------------


def failed(answer: Answer) -> bool:
    """A 5xx or no answer at all. (Slow answers are counted on their own: on a saturated
    machine they come from the load, not from an outage, and would hide the recovery.)"""
    return answer.status >= 500 or answer.status == 0


def overlaps(answer: Answer, start: float, end: float) -> bool:
    return answer.started <= end and answer.started + answer.seconds >= start


def figures(load: Load, outages: list[Outage], database_url: str, log_path: Path) -> dict:
    answers = sorted(load.answers, key=lambda a: a.started)
    windows = []
    for n, outage in enumerate(outages):
        following = outages[n + 1].started if n + 1 < len(outages) else float("inf")
        during = [a for a in answers if overlaps(a, outage.started, outage.ended)]
        after = [
            a
            for a in answers
            if outage.ended < a.started and a.started + a.seconds < following and failed(a)
        ]  # failures once the service was back, and before the next fault
        recovery = max((a.started + a.seconds - outage.ended for a in after), default=0.0)
        windows.append(
            {
                "name": outage.name,
                "from_s": round(outage.started, 1),
                "seconds": round(outage.ended - outage.started, 1),
                "answers": len(during),
                "by_status": count_statuses(during),
                "slowest_s": round(max((a.seconds for a in during), default=0.0), 2),
                "over_5_s": sum(1 for a in during if a.seconds > ANSWER_BOUND_S or a.status == 0),
                "recovery_s": round(recovery, 2),
            }
        )
    allowed = [(o.started, o.ended + RECOVERY_TARGET_S) for o in outages]
    outside = [
        a
        for a in answers
        if (a.status >= 500 or a.status == 0)
        and not any(overlaps(a, start, end) for start, end in allowed)
    ]
    return {
        "requests": len(answers),
        "by_status": count_statuses(answers),
        "by_action": {action: sum(1 for a in answers if a.action == action) for action in MIX},
        "errors_outside_outages": len(outside),
        "slow_outside_outages": sum(
            1
            for a in answers
            if a.seconds > ANSWER_BOUND_S
            and not any(overlaps(a, start, end) for start, end in allowed)
        ),
        "slow_by_action": {
            action: sum(1 for a in answers if a.action == action and a.seconds > ANSWER_BOUND_S)
            for action in MIX
        },
        "outages": windows,
        "writes": check_writes(load.writes, database_url),
        "log": read_log(log_path),
    }


def count_statuses(answers: list[Answer]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for answer in answers:
        key = "no answer" if answer.status == 0 else str(answer.status)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def check_writes(writes: list[Write], database_url: str) -> dict:
    """Every success is in the database; no failure is (not even in part)."""
    stored = {
        marker
        for (text,) in database_rows(
            database_url,
            "SELECT content FROM posts WHERE content LIKE 'A post published under load, soak-%%' "
            "OR content LIKE 'Posted through the API, soak-%%' "
            "UNION ALL SELECT body FROM comments WHERE body LIKE 'A comment under load, soak-%%'",
        )
        for marker in re.findall(r"soak-[0-9a-f]{32}", text)
    }
    result = {"tried": len(writes)}
    for kind in ("success", "failure", "unknown"):
        result[kind] = sum(1 for w in writes if w.outcome == kind)
    result["lost"] = sum(1 for w in writes if w.outcome == "success" and w.marker not in stored)
    result["failed_but_stored"] = sum(
        1 for w in writes if w.outcome == "failure" and w.marker in stored
    )
    result["unknown_stored"] = sum(
        1 for w in writes if w.outcome == "unknown" and w.marker in stored
    )
    return result


def read_log(path: Path) -> dict:
    text = path.read_text(errors="replace")
    return {
        "lines": text.count("\n"),
        "redis_lines": text.count("flaskblog.redis"),
        "database_lines": text.count("flaskblog.database"),
        "tracebacks": text.count("Traceback (most recent call last)"),
    }


def targets_met(result: dict) -> list[str]:
    """What missed its target (empty: everything met)."""
    missed = []
    if result["errors_outside_outages"]:
        missed.append(f"{result['errors_outside_outages']} errors outside the outages")
    if result["slow_outside_outages"]:
        missed.append(f"{result['slow_outside_outages']} answers slower than 5 s")
    for window in result["outages"]:
        errors = {code: n for code, n in window["by_status"].items() if code.startswith("5")}
        errors.pop("503", None)  # the fast "briefly unavailable" answer is the one expected
        if errors:
            missed.append(f"{sum(errors.values())} errors other than 503 while {window['name']}")
        if window["over_5_s"]:
            missed.append(f"{window['over_5_s']} answers over 5 s while {window['name']}")
        if window["recovery_s"] > RECOVERY_TARGET_S:
            missed.append(f"{window['recovery_s']} s to recover after {window['name']}")
    writes = result["writes"]
    if writes["lost"] or writes["failed_but_stored"]:
        missed.append(
            f"{writes['lost']} writes lost, {writes['failed_but_stored']} failed but saved"
        )
    return missed


# --- The run -------------------------------------------------------------------------------------


def run(args) -> dict:
    """The whole run; its figures."""
    binaries = postgres_binaries()
    if binaries is None or shutil.which("redis-server") is None:
        raise SystemExit("soak: needs PostgreSQL's initdb and pg_ctl, and redis-server")
    with ExitStack() as cleanup:
        directory = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="soak-")))
        directory.chmod(0o755)  # the postgres user (when run as root) must reach its cluster
        postgres = Postgres(directory / "postgres", binaries).create()
        cleanup.callback(lambda: suppress_errors(postgres.stop))
        redis = Redis(directory / "redis")
        redis.start()
        cleanup.callback(redis.stop)
        port = bench.free_port()
        env = environment(args, postgres, redis.url, port)
        log(f"seeding {args.users} users and {args.posts} posts")
        flask(env, "db", "upgrade")
        flask(env, "seed", "--users", str(args.users), "--posts", str(args.posts),
              "--random-seed", str(RANDOM_SEED))  # fmt: skip
        gunicorn_log = directory / "gunicorn.log"
        gunicorn = start_gunicorn(env, port, gunicorn_log)
        cleanup.callback(bench.stop, gunicorn)
        members = prepare_members(port, postgres.url, min(args.users, args.members))
        post_ids = [
            row[0]
            for row in database_rows(
                postgres.url, "SELECT id FROM posts WHERE is_published ORDER BY id LIMIT 500"
            )
        ]
        words = ["post", "flask", "python", "the", "and", "code", "blog", "data", "web"]
        load = Load(port, members, post_ids, words)
        log(f"load: {args.rate:g} actions/s for {args.duration:g} s")
        sender = threading.Thread(
            target=load.run, args=(args.duration, args.rate, args.threads), daemon=True
        )
        sender.start()
        outages = []
        time.sleep(max(0.0, args.duration * 0.35 - load.now()))
        outages.append(redis_outage(load, redis, args.redis_outage))
        time.sleep(max(0.0, args.duration * 0.7 - load.now()))
        outages.append(postgres_restart(load, postgres))
        sender.join()
        log("load done; checking the database")
        result = figures(load, outages, postgres.url, gunicorn_log)
        if args.keep_log:
            shutil.copyfile(gunicorn_log, args.keep_log)
    result.update(
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        duration_s=args.duration,
        rate=args.rate,
        workers=args.workers,
        redis_outage_s=args.redis_outage,
        machine=describe_machine(),
    )
    result["missed"] = targets_met(result)
    return result


def describe_machine() -> dict:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.partition(":")[2].strip()
            break
    return {"cores": os.cpu_count(), "cpu": f"{os.cpu_count()} cores, {cpu}"}


def suppress_errors(call) -> None:
    with suppress(Exception):
        call()


# --- The document --------------------------------------------------------------------------------


def report(result: dict) -> list[str]:
    """The generated part of docs/RELIABILITY.md."""
    writes, missed = result["writes"], result["missed"]
    lines = [
        f"Run of {result['date']}: {result['duration_s']:g} s at {result['rate']:g} actions/s, "
        f"{result['workers']} gunicorn workers, PostgreSQL and Redis of the run's own; "
        f"{result['machine'].get('cpu', 'unknown CPU')}.",
        "",
        "| what | measured | target |",
        "|---|---|---|",
        f"| requests served | {result['requests']:,} | |",
        f"| 5xx or no answer outside the outages | {result['errors_outside_outages']} | 0 |",
        f"| answers slower than 5 s outside the outages | {result['slow_outside_outages']} | 0 |",
    ]
    for window in result["outages"]:
        statuses = ", ".join(f"{code}: {n}" for code, n in window["by_status"].items())
        lines.append(
            f"| {window['name']} ({window['seconds']:g} s): answers | {window['answers']} "
            f"({statuses}); slowest {window['slowest_s']:g} s | fast 503 or a correct page, "
            "none over 5 s |"
        )
        lines.append(
            f"| {window['name']}: answers over 5 s, time to recover | {window['over_5_s']}, "
            f"{window['recovery_s']:g} s | 0, under 5 s |"
        )
    lines += [
        f"| writes tried (comments and posts) | {writes['tried']} ({writes['success']} "
        f"succeeded, {writes['failure']} refused, {writes['unknown']} unanswered) | |",
        f"| writes lost (a success not in the database) | {writes['lost']} | 0 |",
        f"| failed writes in the database anyway | {writes['failed_but_stored']} | 0 |",
        f"| log: lines from the Redis breaker, database outage lines, tracebacks | "
        f"{result['log']['redis_lines']}, {result['log']['database_lines']}, "
        f"{result['log']['tracebacks']} | a few, a few, 0 |",
        "",
        "Answers over 5 s by action: "
        + ", ".join(f"{action} {n:,}" for action, n in result.get("slow_by_action", {}).items())
        + ".",
        "",
        "Requests by action: "
        + ", ".join(f"{action} {n:,}" for action, n in result["by_action"].items())
        + "; by status: "
        + ", ".join(f"{code} {n:,}" for code, n in result["by_status"].items())
        + ".",
        "",
        "Verdict: " + ("missed: " + "; ".join(missed) + "." if missed else "every target met."),
    ]
    return lines


def write_document(result: dict, doc: Path) -> None:
    """Rewrite only the generated part of `doc` (between BEGIN and END)."""
    text = doc.read_text() if doc.exists() else f"{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    doc.write_text(head + BEGIN + "\n" + "\n".join(report(result)) + "\n" + END + tail)


def arguments(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of load (600)")
    parser.add_argument(
        "--rate", type=float, default=5, help="actions a second (5): half the site's capacity"
    )
    parser.add_argument("--redis-outage", type=float, default=30, help="seconds Redis is down")
    parser.add_argument("--users", type=int, default=60, help="demo users seeded (60)")
    parser.add_argument("--posts", type=int, default=600, help="demo posts seeded (600)")
    parser.add_argument("--members", type=int, default=30, help="logged-in people (30)")
    parser.add_argument("--threads", type=int, default=16, help="requests in flight at most")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--bcrypt-rounds", type=int, default=12, help="bcrypt cost (12)")
    parser.add_argument("--output", type=Path, default=DOC, help="the document to rewrite")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep-log", type=Path, help="copy the site's log here")
    return parser.parse_args(argv)


def main() -> None:
    args = arguments()
    result = run(args)
    write_document(result, args.output)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    print("\n".join(report(result)))
    sys.exit(1 if result["missed"] else 0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # clean up the servers on the way out
    main()
