"""The benchmark harness's own logic (bench/): reading wrk, the ceiling page, the targets
table's verdicts, the stress run's hostile files and table. The figures themselves depend
on the machine and are not tested here."""

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load(name: str):
    """A module of bench/ (not a package, and its run.py is not the app's run.py)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ceiling, report, stress = load("ceiling"), load("report"), load("stress")
parse_wrk = load("run").parse_wrk

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8000/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.09ms    3.01ms   1.04s    80.12%
    Req/Sec   665.39     70.11   770.00     75.00%
  Latency Distribution
     50%  850.00us
     75%   13.11ms
     90%   15.62ms
     99%    1.20s
  13253 requests in 10.01s, 115.05MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 5
Requests/sec:   1324.01
Transfer/sec:     11.47MB
"""


def test_wrk_figures_are_read_in_milliseconds_with_every_error_counted():
    figures = parse_wrk(WRK_OUTPUT)

    assert figures == {
        "rps": 1324.0,
        "p50_ms": 0.85,
        "p99_ms": 1200.0,
        "requests": 13253,
        "errors": 10,
        "timeouts": 3,
        "status": "timed out",
    }


def test_a_clean_wrk_run_has_no_errors():
    clean = "\n".join(
        line for line in WRK_OUTPUT.splitlines() if not line.lstrip().startswith(("Socket", "Non"))
    )
    assert (parse_wrk(clean)["errors"], parse_wrk(clean)["status"]) == (0, "ok")


# wrk's report when the site never answered within --timeout (a page stuck on big data).
WRK_NOTHING_ANSWERED = """\
Running 3s test @ http://127.0.0.1:8000/search?q=message
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     0.00us    0.00us   0.00us    -nan%
    Req/Sec     0.00      0.00     0.00      -nan%
  Latency Distribution
     50%    0.00us
     75%    0.00us
     90%    0.00us
     99%    0.00us
  0 requests in 3.01s, 0.00B read
  Socket errors: connect 0, read 0, write 0, timeout 16
Requests/sec:      0.00
Transfer/sec:       0.00B
"""


def test_a_page_that_never_answered_is_marked_timed_out_not_zero():
    figures = parse_wrk(WRK_NOTHING_ANSWERED)

    assert (figures["status"], figures["requests"], figures["timeouts"]) == ("timed out", 0, 16)
    row = report.results_table(
        {
            "pages": [
                figures
                | {"page": "search", "who": "anonymous", "path": "/search?q=message"}
                | {"queries": 3, "vs_ceiling": 0.0}
            ],
            "ceiling": {"rps": 900.0, "p50_ms": 5.0, "p99_ms": 9.0, "errors": 0, "bytes": 8800},
        }
    )[2]
    assert "timed out" in row
    assert "| 0 |" not in row.replace("| 0 | 3 |", "")  # no 0 requests/s, no 0 ms latencies


def test_a_non_2xx_answer_is_an_error_but_not_a_timeout():
    output = WRK_OUTPUT.replace("timeout 3", "timeout 0")

    assert parse_wrk(output)["status"] == "errors"


def test_the_ceiling_renders_five_posts_like_the_home_page():
    client = ceiling.app.test_client()

    response = client.get("/")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('<article class="post">') == ceiling.PER_PAGE == 5
    assert "Read more" in page and "min read" in page
    # About the size of the real home page (8 to 10 KB), so the comparison is fair.
    assert 6_000 < len(page.encode()) < 14_000


def result(rps: dict[str, float], **changes) -> dict:
    """A run's result with these requests/s per page (anonymous unless 'logged in ...')."""
    pages = []
    for name, value in rps.items():
        who, _, page_name = name.partition(": ") if ": " in name else ("anonymous", "", name)
        path = "/?page=2000" if page_name == "home page 2,000" else "/" + page_name
        pages.append(
            {"page": page_name, "who": who, "path": path, "rps": value}
            | {"p50_ms": 5.0, "p99_ms": 20.0, "errors": 0, "queries": 3}
        )
    base = {
        "database": "sqlite",
        "posts": 20_000,
        "ceiling": {"rps": 1000.0},
        "pages": pages,
        "memory": {
            "workers": [{"start_mib": 90.0, "end_mib": 91.0, "peak_mib": 92.0}],
            "seconds": 600,
        },
        "login": {"rps": 8.0, "limit_rps": 8.5, "errors": 0},
    }
    run = base | changes
    for figures in run["pages"]:
        figures["vs_ceiling"] = figures["rps"] / run["ceiling"]["rps"]
    return run


# Requests/s against a ceiling of 1,000: every target met.
GOOD = {
    "home page 1": 1100.0,
    "home page 2,000": 1050.0,
    "post page": 1020.0,
    "user page": 1010.0,
    "tag page": 1005.0,
    "Atom feed": 1000.0,
    "avatar": 900.0,
    "login page": 850.0,
    "search": 400.0,
    "search, 20 words": 300.0,
    "logged in: home page 1": 600.0,
    "logged in: post page": 550.0,
    "logged in: following": 520.0,
    "logged in: notifications": 510.0,
    "logged in: search": 300.0,
    "logged in: search, 20 words": 260.0,
}


def verdicts(found) -> dict[str, bool | None]:
    return {what: met for what, _, _, met in report.targets(found, "sqlite")}


def test_targets_are_met_by_figures_that_meet_them():
    found = {("sqlite", 20_000): result(GOOD)}

    assert verdicts(found) == {
        "anonymous cache hits": True,
        "avatar, login page": True,
        "logged in: home, post, following, notifications": True,
        "search: one word and 20 words, anonymous and logged in": True,
        "search, p99": True,
        "p99, anonymous pages": True,
        "p99, logged-in pages": True,
        "SQL queries per listing page": True,
        "1,000,000 posts": None,  # no million-post run yet
        "search at 1,000,000 posts, p99": None,
        "logins": True,
        "memory": True,
    }


@pytest.mark.parametrize(
    ("page", "value", "target"),
    [
        ("Atom feed", 990.0, "anonymous cache hits"),
        ("home page 2,000", 999.0, "anonymous cache hits"),
        ("login page", 790.0, "avatar, login page"),
        ("logged in: following", 490.0, "logged in: home, post, following, notifications"),
        (
            "logged in: search, 20 words",
            240.0,
            "search: one word and 20 words, anonymous and logged in",
        ),
    ],
)
def test_a_figure_below_its_target_is_not_met(page, value, target):
    found = {("sqlite", 20_000): result(GOOD | {page: value})}

    assert verdicts(found)[target] is False


def test_slow_p99_many_queries_growing_memory_and_slow_logins_are_not_met():
    slow = result(GOOD)
    slow["pages"][1]["p99_ms"] = 25.0  # the deep page, anonymous
    slow["pages"][4]["queries"] = 4  # the tag page
    slow["pages"][-1]["p99_ms"] = 100.0  # a search, logged in
    slow["memory"]["workers"][0]["end_mib"] = 96.0
    slow["login"]["rps"] = 7.0
    found = {("sqlite", 20_000): slow}

    met = verdicts(found)
    assert met["p99, anonymous pages"] is False
    assert met["SQL queries per listing page"] is False
    assert (met["search, p99"], met["p99, logged-in pages"]) == (False, False)
    assert met["memory"] is False
    assert met["logins"] is False


def test_a_memory_run_shorter_than_ten_minutes_is_not_a_verdict():
    short = result(GOOD)
    short["memory"]["seconds"] = 60

    assert verdicts({("sqlite", 20_000): short})["memory"] is None


def test_the_million_post_run_is_compared_page_by_page_with_the_small_one():
    small = result(GOOD)
    # Measured on a busier machine: its ceiling, and so every page, 40% lower. Pages are
    # compared by their shares of their own run's ceiling, so that is no loss.
    slower = {name: 0.6 * rps for name, rps in GOOD.items()}
    big = result(slower, posts=1_000_000, ceiling={"rps": 600.0})
    avatar = big["pages"][6]
    avatar["vs_ceiling"] *= 0.85
    found = {("sqlite", 20_000): small, ("sqlite", 1_000_000): big}
    assert verdicts(found)["1,000,000 posts"] is True
    assert verdicts(found)["search at 1,000,000 posts, p99"] is True

    avatar["vs_ceiling"] *= 0.75 / 0.85
    big["pages"][-1]["p99_ms"] = 600.0
    assert verdicts(found)["1,000,000 posts"] is False
    assert verdicts(found)["search at 1,000,000 posts, p99"] is False


def test_only_the_generated_part_of_the_document_is_rewritten(tmp_path):
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text("# Hand-written\n\n<!-- b -->\nold figures\n<!-- e -->\n\n## Also kept\n")
    results = tmp_path / "results"
    results.mkdir()

    report.write_document(results, doc, "<!-- b -->", "<!-- e -->")

    assert doc.read_text() == (
        "# Hand-written\n\n<!-- b -->\nNo results yet: run `make bench`.\n<!-- e -->\n\n"
        "## Also kept\n"
    )


def test_the_baseline_is_kept_beside_the_new_figures(tmp_path):
    results = tmp_path / "results"
    (results / "baseline").mkdir(parents=True)
    machine = {"cores": 2, "cpu": "x", "memory_gib": 1, "os": "y", "python": "3", "sqlite": "3"}
    common = {"published": 19_000, "users": 1000, "command": "make bench", "duration_s": 10}
    common |= {"machine": machine | {"wrk": "wrk"}, "login": {"rps": 1.0, "errors": 0}}
    common["login"] |= {"rounds": 12, "hash_ms": 250.0, "limit_rps": 8.0, "p50_ms": 1, "p99_ms": 2}
    before = result(GOOD | {"home page 1": 100.0}) | common | {"date": "before"}
    after = result(GOOD) | common | {"date": "after"}
    for run in (before, after):
        run["ceiling"] |= {"p50_ms": 1.0, "p99_ms": 2.0, "errors": 0, "bytes": 8000}
        run["memory"] |= {"seconds": 60, "run": {"rps": 1.0, "requests": 60}}
        for worker in run["memory"]["workers"]:
            worker["pid"] = 1
    (results / "baseline" / "sqlite-20000.json").write_text(json.dumps(before))
    (results / "sqlite-20000.json").write_text(json.dumps(after))
    doc = tmp_path / "PERFORMANCE.md"
    doc.write_text("<!-- b -->\n<!-- e -->\n")

    report.write_document(results, doc, "<!-- b -->", "<!-- e -->")

    text = doc.read_text()
    assert "### Before and after the speed work" in text
    assert "| home page 1 | anonymous | 100 | 1,100 | 11.0 |" in text


def test_a_run_without_the_page_cache_is_kept_apart_from_the_deployed_one(tmp_path):
    (tmp_path / "sqlite-20000.json").write_text(json.dumps({"database": "sqlite", "posts": 1}))
    (tmp_path / f"sqlite-20000{report.UNCACHED_SUFFIX}.json").write_text(
        json.dumps({"database": "sqlite", "posts": 2})
    )

    assert [r["posts"] for r in report.load(tmp_path).values()] == [1]
    assert [r["posts"] for r in report.load(tmp_path, uncached=True).values()] == [2]


# --- The stress run (bench/stress.py) ------------------------------------------------------


def test_the_hostile_json_bodies_are_what_they_say():
    assert stress.nested_json(3) == b"[[[]]]"
    with pytest.raises(ValueError, match="digits"):  # Python's own limit on int parsing
        json.loads(stress.long_integer_json(5000))


def stress_result(date: str, seconds: float, late: int) -> dict:
    case = {"case": "search | 20 words", "status": "200", "seconds": seconds}
    case |= {"rss_before_mib": 90.0, "peak_mib": 120.4, "health_probes": 10}
    case |= {"health_late": late, "health_worst_s": 0.04}
    return {"database": "sqlite", "posts": 20_000, "date": date, "cases": [case]}


def test_the_stress_table_says_when_health_went_unanswered():
    lines = stress.stress_table(stress_result("now", 31.5, late=3))

    assert lines[0].startswith("| Case | Status | Seconds |")
    assert lines[2] == (
        "| search \\| 20 words | 200 | 31.50 | 90 → 120 | **no**: 3 of 10 probes late |"
    )
    quiet = stress.stress_table(stress_result("now", 0.2, late=0))[2]
    assert quiet.endswith("| yes (worst 0.04 s) |")


def test_only_the_stress_section_is_rewritten_with_the_baseline_beside(tmp_path):
    results = tmp_path / "stress"
    (results / "baseline").mkdir(parents=True)
    before, after = stress_result("before", 31.5, 3), stress_result("after", 0.2, 0)
    (results / "baseline" / "sqlite-20000.json").write_text(json.dumps(before))
    (results / "sqlite-20000.json").write_text(json.dumps(after))
    doc = tmp_path / "SECURITY.md"
    doc.write_text("# Kept\n\n<!-- s -->\nold\n<!-- e -->\n\n## Also kept\n")

    stress.write_document(results, doc, "<!-- s -->", "<!-- e -->")

    text = doc.read_text()
    assert text.startswith("# Kept\n\n<!-- s -->\n#### SQLite, 20,000 posts (after)")
    assert text.endswith("<!-- e -->\n\n## Also kept\n") and "old" not in text
    assert "| Case | Status | Seconds (before) | Seconds |" in text
    assert "| search \\| 20 words | 200 | 31.50 | 0.20 | 90 → 120 | yes (worst 0.04 s) |" in text


def test_the_login_line_says_how_long_logins_were_driven():
    login = {"rps": 4.7, "errors": 0, "rounds": 12, "hash_ms": 412.0, "limit_rps": 4.9}
    login |= {"p50_ms": 3000.0, "p99_ms": 3600.0}
    result = {"machine": {"cores": 2}, "login": login}

    older = report.login_lines(result)[0]
    newer = report.login_lines(result | {"login": login | {"seconds": 60.0}})[0]

    assert "4.7 logins/s (96% of that limit)" in older
    assert "4.7 logins/s over 60 s (96% of that limit)" in newer


def test_runs_from_machines_of_different_speeds_are_not_compared():
    small = result(GOOD)
    big = result(GOOD, posts=1_000_000)
    small["login"]["hash_ms"], big["login"]["hash_ms"] = 430.0, 250.0
    found = {("sqlite", 20_000): small, ("sqlite", 1_000_000): big}

    rows = {row[0]: row for row in report.targets(found, "sqlite")}

    assert rows["1,000,000 posts"][2].startswith("not compared: one bcrypt hash took 250 ms")
    assert rows["1,000,000 posts"][3] is None
    assert rows["search at 1,000,000 posts, p99"][3] is True

    big["login"]["hash_ms"] = 400.0  # within the noise of one machine
    assert verdicts(found)["1,000,000 posts"] is True
