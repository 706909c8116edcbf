"""Where a logged-in reader's page spends its time: cProfile over the test client.

It seeds a throwaway SQLite database (`flask seed`, 1,000 users, --posts posts, the
benchmark's random seed) unless --database names one already seeded, builds the app as
bench/run.py serves it (production settings, rate limits off, the page cache in Redis
when --cache-redis-url is given), logs the seeded demo account in through the test client
and requests each page --requests times under cProfile, then prints the functions with the
most cumulative and the most own time, and the SQL statements one request runs. The
profiler slows everything down about alike, so read shares, not milliseconds.

    .venv/bin/python bench/profile_page.py --posts 2000 --requests 300
    .venv/bin/python bench/profile_page.py --database bench/data/sqlite-20000.sqlite --top 40
    .venv/bin/python bench/profile_page.py --database postgresql+psycopg://.../flaskblog_bench_20k

With --floor it first times what every page costs before it renders anything, beside the
ceiling's whole page (bench/ceiling.py) through its own test client: the request stack alone
(/health, no login), and a logged-in request that only looks its reader up (FLOOR_PATH, a
route this script adds, answering a few bytes).
"""

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run as bench  # noqa: E402  (bench/run.py, beside this file)

FLOOR_PATH = "/_profile/floor"


def seed(path: Path, posts: int) -> None:
    """Migrate and seed a new SQLite database at `path` as the benchmark seeds its own."""
    env = bench.app_environment(f"sqlite:///{path}")
    env["FLASK_CONFIG"] = "development"  # seeding needs no SERVER_NAME nor secrets
    flask = str(bench.BIN / "flask")
    subprocess.run([flask, "db", "upgrade"], env=env, cwd=bench.ROOT, check=True)
    command = [flask, "seed", "--users", str(bench.USERS), "--posts", str(posts)]
    command += ["--random-seed", str(bench.RANDOM_SEED)]
    subprocess.run(command, env=env, cwd=bench.ROOT, check=True, capture_output=True)


def logged_in_client(url: str, cache_url: str):
    """The app as production builds it on this database, and a test client logged in as the
    seeded demo account."""
    os.environ.update(bench.app_environment(url, cache_url=cache_url))
    from flaskblog import create_app

    app = create_app("production")
    app.add_url_rule(FLOOR_PATH, "profile_floor", _floor)
    client = app.test_client()
    token = bench.csrf_token(client.get("/login").get_data(as_text=True))
    form = {"csrf_token": token, "email": bench.demo_email(url), "password": bench.DEMO_PASSWORD}
    if client.post("/login", data=form).status_code != 302:
        raise SystemExit("profile: the test client could not log in")
    return app, client


def _floor() -> str:
    """A logged-in request's least: its reader looked up, nothing rendered."""
    from flask_login import current_user

    return "in" if current_user.is_authenticated else "out"


def each_ms(client, path: str, requests: int) -> float:
    """Milliseconds a request of `path` takes, after a warm-up."""
    for _ in range(20):
        client.get(path)
    started = time.perf_counter()
    for _ in range(requests):
        client.get(path)
    return (time.perf_counter() - started) / requests * 1000


def print_floor(app, client, requests: int) -> None:
    """What a page costs before it renders, beside the ceiling's whole page."""
    import ceiling

    if client.get(FLOOR_PATH).get_data(as_text=True) != "in":
        raise SystemExit("profile: the floor request was not logged in")
    figures = {
        "the ceiling's page (bench/ceiling.py)": each_ms(ceiling.app.test_client(), "/", requests),
        "the request stack alone (/health, no login)": each_ms(
            app.test_client(), "/health", requests
        ),
        "a logged-in request that renders nothing": each_ms(client, FLOOR_PATH, requests),
    }
    print("\n=== before rendering anything ===")
    for what, ms in figures.items():
        print(f"    {ms:5.2f} ms  {what}")


def statements_of(app, client, path: str) -> list[str]:
    """The SQL statements one request of `path` runs."""
    from sqlalchemy import event

    from flaskblog.extensions import db

    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    client.get(path)
    event.remove(engine, "before_cursor_execute", note)
    return statements


def profile(client, path: str, requests: int, top: int) -> None:
    """Time `requests` requests of `path` without, then with, the profiler; print the top."""
    for _ in range(20):  # templates compiled, statements cached, connections open
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(f"profile: {path} answered {response.status_code}")
    started = time.perf_counter()
    for _ in range(requests):
        client.get(path)
    each_ms = (time.perf_counter() - started) / requests * 1000
    print(f"\n=== {path}: {each_ms:.2f} ms a request without the profiler ===")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        print(f"--- {path}, by {order} ---")
        print(out.getvalue().split("\n", 6)[-1])  # without pstats' own header lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        help="an SQLite file or a database URL already seeded (else a fresh SQLite file)",
    )
    parser.add_argument("--posts", type=int, default=2000, help="posts to seed (2,000)")
    parser.add_argument("--requests", type=int, default=300, help="requests a page (300)")
    parser.add_argument("--top", type=int, default=30, help="functions listed (30)")
    parser.add_argument("--pages", default="/,post", help="paths; 'post': the bench's post")
    parser.add_argument("--cache-redis-url", default="", help="Redis for the page cache")
    parser.add_argument("--floor", action="store_true", help="time what precedes rendering")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        if args.database and "://" in args.database:
            url = args.database
        else:
            path = Path(args.database or Path(scratch) / "blog.sqlite").resolve()
            if not args.database:
                print(f"profile: seeding {args.posts:,} posts", file=sys.stderr)
                seed(path, args.posts)
            url = f"sqlite:///{path}"
        targets = dict(bench.pick_targets(url)["logged_in"])
        app, client = logged_in_client(url, args.cache_redis_url)
        if args.floor:
            print_floor(app, client, args.requests)
        for page in args.pages.split(","):
            page = targets["post page"] if page == "post" else page
            client.get(page)
            statements = statements_of(app, client, page)
            print(f"\n{page}: {len(statements)} SQL statements")
            for statement in statements:
                print("   ", " ".join(statement.split())[:150])
            profile(client, page, args.requests, args.top)


if __name__ == "__main__":
    main()
