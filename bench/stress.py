"""The stress run behind `make stress` (docs/SECURITY.md, "Stress figures", says what and why).

It serves the site as in production (gunicorn, 2 sync workers, its 30-second worker timeout,
rate limits on, SQLite in a file of a temporary directory or PostgreSQL), seeded by
`flask seed` like `make bench`, and sends it the most expensive requests known, one case at
a time on a fresh server: long searches, Markdown built to be slow, hostile pictures, the
sitemap, a lockout attempt and hostile JSON. For each case it records the answer's status,
the seconds it took, the workers' peak resident memory (VmHWM) and whether /health kept
answering within a second meanwhile. The figures go to bench/results/stress/ and into
docs/SECURITY.md between its stress markers.

The rate limits stay on: each case starts on a fresh server (the limits' counts are in the
workers' memory unless Redis stores them) and is sent by a demo account of its own, from an
address of its own (X-Forwarded-For, trusted for the one hop a platform's router adds), as
an attacker with several accounts and addresses would.

    .venv/bin/python bench/stress.py --posts 20000 --databases sqlite,postgresql
"""

import argparse
import base64
import html
import importlib.util
import json
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager, suppress
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

# The hostile pictures are the ones the suite uploads (tests/helpers/images.py).
sys.path.insert(0, str(bench.ROOT))
from tests.helpers.images import blank_png, progressive_jpeg_with_repeated_scan  # noqa: E402

ROOT = bench.ROOT
RESULTS = bench.RESULTS / "stress"
DOC = ROOT / "docs" / "SECURITY.md"
BEGIN, END = "<!-- stress:start -->", "<!-- stress:end -->"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/flaskblog_stress_data"

HEALTH_BOUND_S = 1.0  # /health "answers" when it does within this
HEALTH_EVERY_S = 0.2
REQUEST_TIMEOUT_S = 120  # longer than gunicorn's worker timeout: we see the worker killed
LOGIN_LOCKOUT_TRIES = 12
OWNER_ADDRESS = "198.51.100.7"  # the owner's usual address (TEST-NET-2)


def log(message: str) -> None:
    print(f"stress: {message}", file=sys.stderr, flush=True)


# --- Hostile requests, built in code ----------------------------------------------------------


def progressive_jpeg_bomb() -> bytes:
    """A 16-megapixel progressive JPEG whose smallest scan comes 5,000 times (about 200 KB)."""
    return progressive_jpeg_with_repeated_scan(size=(4000, 4000), repeats=5000)


def zero_png() -> bytes:
    """A 4999x4999 PNG of zero RGB pixels: 75 MB once decoded, under 100 KB as a file."""
    return blank_png(4999, 4999, bit_depth=8, colour_type=2)


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type."""
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode()
            + b"\r\n"
        )
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def nested_json(depth: int) -> bytes:
    """A JSON array nested `depth` deep."""
    return b"[" * depth + b"]" * depth


def long_integer_json(digits: int) -> bytes:
    """A post whose title is a `digits`-digit integer."""
    return b'{"title": ' + b"9" * digits + b', "content": "x"}'


# --- Watching the site during a case ---------------------------------------------------------


class Watch(threading.Thread):
    """Meanwhile: /health probed every HEALTH_EVERY_S, the workers' peak RSS (VmHWM) read.

    Workers killed for their timeout are replaced; the peak counts every worker seen.
    """

    def __init__(self, port: int, master: int) -> None:
        super().__init__(daemon=True)
        self.port, self.master = port, master
        self.running = True
        self.probes: list[float | None] = []  # seconds, None when not answered in time
        self.peak_kib: dict[int, int] = {}
        self.memory = threading.Thread(target=self._read_memory, daemon=True)

    def _read_memory(self) -> None:
        while self.running:
            for pid in bench.worker_pids(self.master):
                with suppress(OSError, KeyError):
                    hwm = bench.memory_kib(pid)["VmHWM"]
                    self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), hwm)
            time.sleep(0.05)

    def run(self) -> None:
        self.memory.start()
        while self.running:
            started = time.perf_counter()
            try:
                status, _, _ = bench.request(self.port, "GET", "/health", timeout=HEALTH_BOUND_S)
                took = time.perf_counter() - started
                self.probes.append(took if status == 200 else None)
            except OSError:
                self.probes.append(None)
            time.sleep(HEALTH_EVERY_S)

    def stop(self) -> None:
        self.running = False
        self.join()
        self.memory.join()

    @property
    def late(self) -> int:
        return sum(1 for probe in self.probes if probe is None)


# --- The cases ----------------------------------------------------------------------------------


@dataclass
class Site:
    """The running site and what the cases need of it."""

    port: int
    words: list[str]
    emails: list[str]

    def address(self, n: int) -> dict[str, str]:
        """Headers of a client at the n-th address of TEST-NET-3."""
        return {"X-Forwarded-For": f"203.0.113.{n % 250 + 1}"}

    def member(self, n: int) -> "Member":
        """Demo account n, logged in from an address of its own."""
        headers = self.address(n)
        return Member(self, bench.log_in(self.port, self.emails[n], headers=headers), headers)


@dataclass
class Member:
    site: Site
    cookie: str
    headers: dict[str, str]

    def get(self, path: str):
        """GET `path` as this member, keeping the cookies it sets (the session holds the new
        CSRF token, since logging in drops the one from before)."""
        status, sent, page = bench.request(
            self.site.port, "GET", path, cookie=self.cookie, headers=self.headers
        )
        self.cookie = with_cookies(self.cookie, sent)
        return status, sent, page

    def form_post(self, form_page: str, path: str, fields: dict[str, str]):
        """A form POST with the CSRF token of `form_page`, sent (as a callable) later."""
        _, _, page = self.get(form_page)
        body = urllib.parse.urlencode({"csrf_token": bench.csrf_token(page), **fields})
        return lambda: bench.request(
            self.site.port, "POST", path, body, self.cookie, REQUEST_TIMEOUT_S, self.headers
        )

    def upload_picture(self, filename: str, content: bytes):
        """The account form sent back unchanged with a new profile picture."""
        _, _, page = self.get("/account")
        fields = {"csrf_token": bench.csrf_token(page)}
        for name in ("username", "email"):
            found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
            fields[name] = html.unescape(found.group(1)) if found else ""
        body, content_type = multipart(fields, {"picture": (filename, content)})
        headers = self.headers | {"Content-Type": content_type}
        return lambda: bench.request(
            self.site.port, "POST", "/account", body, self.cookie, REQUEST_TIMEOUT_S, headers
        )


def with_cookies(cookie: str, headers) -> str:
    """A Cookie header: `cookie` with the cookies a response set put in (name=value)."""
    jar = dict(part.split("=", 1) for part in cookie.split("; ") if "=" in part)
    jar |= dict(
        part.split("=", 1) for part in bench.session_cookie(headers).split("; ") if "=" in part
    )
    return "; ".join(f"{name}={value}" for name, value in jar.items())


def anonymous_get(path: str) -> Callable[[Site], Callable]:
    return lambda site: (
        lambda: bench.request(
            site.port, "GET", path, timeout=REQUEST_TIMEOUT_S, headers=site.address(200)
        )
    )


def search(words: int) -> Callable[[Site], Callable]:
    def prepare(site: Site):
        query = urllib.parse.urlencode({"q": " ".join(site.words[:words])})
        return anonymous_get(f"/search?{query}")(site)

    return prepare


def publish(content: str, n: int) -> Callable[[Site], Callable]:
    fields = {"title": f"Stress {n}", "content": content, "tags": "", "submit": "Publish"}
    return lambda site: site.member(n).form_post("/post/new", "/post/new", fields)


def preview(content: str, n: int) -> Callable[[Site], Callable]:
    fields = {"title": f"Stress {n}", "content": content, "tags": ""}
    return lambda site: site.member(n).form_post("/post/new", "/post/preview?fragment=1", fields)


def upload(filename: str, build: Callable[[], bytes], n: int) -> Callable[[Site], Callable]:
    return lambda site: site.member(n).upload_picture(filename, build())


def lockout(n: int) -> Callable[[Site], Callable]:
    """Wrong passwords for the owner's address from many addresses, then the owner's login
    from the browser they logged in with before (it holds the known-device cookie): the
    owner's answer is the case's status (302 when they got in)."""

    def prepare(site: Site):
        email = site.emails[n]
        owner = {"X-Forwarded-For": OWNER_ADDRESS}
        cookie, body = bench.login_form(site.port, email, headers=owner)
        _, answer, _ = bench.request(site.port, "POST", "/login", body, cookie, headers=owner)
        device = "; ".join(
            part for part in bench.session_cookie(answer).split("; ") if "known_device" in part
        )

        def attack_then_owner():
            for attempt in range(LOGIN_LOCKOUT_TRIES):
                headers = site.address(100 + attempt)
                cookie, body = bench.login_form(site.port, email, "not the password", headers)
                bench.request(site.port, "POST", "/login", body, cookie, headers=headers)
            cookie, body = bench.login_form(site.port, email, headers=owner)
            return bench.request(
                site.port, "POST", "/login", body, f"{cookie}; {device}", headers=owner
            )

        return attack_then_owner

    return prepare


def api_post(body: Callable[[], bytes], n: int) -> Callable[[Site], Callable]:
    """POST /api/v1/posts with this JSON body, under a token of demo account n."""

    def prepare(site: Site):
        basic = base64.b64encode(f"{site.emails[n]}:{bench.DEMO_PASSWORD}".encode()).decode()
        headers = site.address(n) | {"Authorization": f"Basic {basic}"}
        status, _, answer = bench.request(site.port, "POST", "/api/v1/tokens", b"", headers=headers)
        if status != 201:
            raise SystemExit(f"stress: no API token for {site.emails[n]} (HTTP {status})")
        send = site.address(n) | {
            "Authorization": f"Bearer {json.loads(answer)['token']}",
            "Content-Type": "application/json",
        }
        payload = body()
        return lambda: bench.request(
            site.port, "POST", "/api/v1/posts", payload, timeout=REQUEST_TIMEOUT_S, headers=send
        )

    return prepare


@dataclass
class Case:
    name: str
    prepare: Callable[[Site], Callable]  # returns the request(s) to measure
    at_once: int = 1  # sent this many times in parallel


def cases() -> list[Case]:
    """The worst requests known, each sent by its own account (the rate limits stay on)."""
    return [
        Case("search, 8 common words", search(8)),
        Case("search, 20 common words", search(20)),
        Case("search, 8 common words, 2 at once", search(8), at_once=2),
        Case("publish '[' x 50,000", publish("[" * 50_000, 1)),
        Case("publish '![' x 25,000", publish("![" * 25_000, 2)),
        Case("preview '[' x 50,000", preview("[" * 50_000, 3)),
        Case("preview '![' x 25,000", preview("![" * 25_000, 4)),
        Case("preview fragment, 300 KB of '['", preview("[" * 300_000, 5)),
        Case(
            "picture: progressive JPEG, 5,000 scans", upload("scans.jpg", progressive_jpeg_bomb, 6)
        ),
        Case("picture: 4999x4999 zero PNG", upload("zero.png", zero_png, 7)),
        Case(
            "picture: 4999x4999 16-bit RGBA PNG",
            upload("deep.png", lambda: blank_png(4999, 4999), 8),
        ),
        Case("/sitemap.xml", anonymous_get("/sitemap.xml")),
        Case(f"{LOGIN_LOCKOUT_TRIES} wrong logins, then the owner's", lockout(9)),
        Case("API: JSON nested 100,000 deep", api_post(lambda: nested_json(100_000), 10)),
        Case("API: 5,000-digit integer", api_post(lambda: long_integer_json(5000), 11)),
    ]


def measure(case: Case, site: Site, master: int) -> dict:
    """Send the case's request(s) while watching /health and the workers' memory."""
    sends = [case.prepare(site) for _ in range(case.at_once)]
    watch = Watch(site.port, master)
    before = max(bench.memory_kib(pid)["VmRSS"] for pid in bench.worker_pids(master))
    answers: list[str] = [""] * len(sends)

    def send(i: int) -> None:
        try:
            answers[i] = str(sends[i]()[0])
        except OSError as error:  # the worker was killed mid-request, or never answered
            answers[i] = f"no answer ({type(error).__name__})"

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(sends))]
    watch.start()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    time.sleep(HEALTH_EVERY_S * 2)  # a probe sent just before the end gets its answer
    watch.stop()
    return {
        "case": case.name,
        "status": ", ".join(dict.fromkeys(answers)),
        "seconds": round(seconds, 2),
        "rss_before_mib": round(before / 1024, 1),
        "peak_mib": round(max(watch.peak_kib.values(), default=0) / 1024, 1),
        "health_probes": len(watch.probes),
        "health_late": watch.late,
        "health_worst_s": round(max((p for p in watch.probes if p is not None), default=0), 3),
    }


# --- The site -------------------------------------------------------------------------------------


def common_words(url: str, count: int = 20, sample: int = 500) -> list[str]:
    """The most frequent words of the posts (what a search matching everything looks like)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        texts = connection.execute(
            text("SELECT title, content FROM posts WHERE is_published ORDER BY id LIMIT :n"),
            {"n": sample},
        ).all()
    engine.dispose()
    words = Counter(
        word
        for title, content in texts
        for word in re.findall(r"[a-z]{3,}", f"{title} {content}".lower())
        if word not in ("http", "https", "www", "com")
    )
    return [word for word, _ in words.most_common(count)]


def demo_emails(url: str, count: int) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        emails = connection.execute(
            text(
                "SELECT email FROM users WHERE email LIKE '%@demo.example.com' ORDER BY id LIMIT :n"
            ),
            {"n": count},
        ).scalars()
        found = list(emails)
    engine.dispose()
    return found


def environment(url: str, port: int) -> dict[str, str]:
    """bench/run.py's production environment, with the rate limits back on, in memory."""
    env = bench.app_environment(url, port)
    for name in ("REDIS_URL", "RATELIMIT_STORAGE_URI", "CACHE_REDIS_URL"):
        env.pop(name, None)
    env.update(RATELIMIT_ENABLED="true", PROXY_HOPS="1")
    return env


@contextmanager
def database(name: str, posts: int, postgres_url: str):
    """The seeded database's URL; SQLite's is a copy in a temporary directory (the cases
    write to it), taken from bench/data/ (seeded there once, as `make bench` does)."""
    seeded = bench.database_url(name, posts, postgres_url)
    bench.prepare_database(name, seeded, posts)
    if name != "sqlite":
        yield seeded
        return
    with tempfile.TemporaryDirectory(prefix="flaskblog-stress-") as directory:
        copy = Path(directory) / "site.sqlite"
        shutil.copyfile(seeded.removeprefix("sqlite:///"), copy)
        yield f"sqlite:///{copy}"


def run_database(name: str, args) -> dict:
    with database(name, args.posts, args.postgres_url) as url:
        site = Site(bench.free_port(), common_words(url), demo_emails(url, 12))
        env = environment(url, site.port)
        result = {
            "database": name,
            "posts": args.posts,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "label": args.label,
            "words": site.words,
            "cases": [],
        }
        for case in cases():
            if args.only and not re.search(args.only, case.name):
                continue
            bench.stop_database_work(name, url)
            with bench.gunicorn("run:app", env, site.port) as process:
                log(f"{name}: {case.name}")
                figures = measure(case, site, process.pid)
            log(
                f"{name}:   {figures['status']} in {figures['seconds']} s, "
                f"peak {figures['peak_mib']} MiB, /health late {figures['health_late']} times"
            )
            result["cases"].append(figures)
        bench.stop_database_work(name, url)
    return result


# --- The document -----------------------------------------------------------------------------


def health_cell(figures: dict) -> str:
    if not figures["health_late"]:
        return f"yes (worst {figures['health_worst_s']:.2f} s)"
    return f"**no**: {figures['health_late']} of {figures['health_probes']} probes late"


def stress_table(result: dict, before: dict | None = None) -> list[str]:
    """One run's figures as a Markdown table; with `before`, its seconds beside them."""
    earlier = {figures["case"]: figures for figures in (before or {}).get("cases", [])}
    columns = ["Case", "Status", "Seconds", "Worker peak RSS (MiB)", "/health within 1 s"]
    if before:
        columns.insert(2, "Seconds (before)")
    head = "| " + " | ".join(columns) + " |"
    rule = "|---|---|" + "---:|" * (len(columns) - 3) + "---|"
    lines = [head, rule]
    for figures in result["cases"]:
        cells = [figures["case"].replace("|", "\\|"), figures["status"]]
        if before:
            old = earlier.get(figures["case"])
            cells.append(f"{old['seconds']:.2f}" if old else "–")
        cells += [
            f"{figures['seconds']:.2f}",
            f"{figures['rss_before_mib']:.0f} → {figures['peak_mib']:.0f}",
            health_cell(figures),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def generated(results: Path) -> list[str]:
    """The stress section's generated part, from every result in `results`."""
    found = sorted(results.glob("*.json")) if results.is_dir() else []
    if not found:
        return ["No figures yet: run `make stress`."]
    lines = []
    for path in found:
        result = json.loads(path.read_text())
        baseline = results / "baseline" / path.name
        before = json.loads(baseline.read_text()) if baseline.is_file() else None
        if before and before["date"] == result["date"]:
            before = None  # the baseline run itself
        title = f"{NAMES.get(result['database'], result['database'])}, {result['posts']:,} posts"
        lines += [f"#### {title} ({result['date']})", ""]
        if before:
            lines += [f"Before: the run of {before['date']}.", ""]
        lines += [*stress_table(result, before), ""]
    return lines[:-1]


def write_document(results: Path, doc: Path, begin: str = BEGIN, end: str = END) -> None:
    """Replace the text between the markers of `doc` with the figures in `results`."""
    text = doc.read_text()
    if begin not in text or end not in text:
        raise SystemExit(f"stress: {doc.name} has no {begin} ... {end} markers")
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    body = "\n".join(generated(results))
    doc.write_text(f"{head}{begin}\n{body}\n{end}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=20_000, help="posts to seed (20,000)")
    parser.add_argument("--databases", default="sqlite", help="sqlite, postgresql or both")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="PostgreSQL database")
    parser.add_argument("--only", default="", help="run only the cases whose name matches")
    parser.add_argument(
        "--label", default="", help="'baseline' keeps the figures as the 'before' column"
    )
    parser.add_argument("--doc-only", action="store_true", help="rebuild the doc only")
    args = parser.parse_args()
    if not args.doc_only:
        for name in args.databases.split(","):
            result = run_database(name.strip(), args)
            folders = [RESULTS] + ([RESULTS / "baseline"] if args.label == "baseline" else [])
            for folder in folders:
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{result['database']}-{result['posts']}.json"
                path.write_text(json.dumps(result, indent=1) + "\n")
                log(f"wrote {path.relative_to(ROOT)}")
    write_document(RESULTS, DOC)
    log(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
