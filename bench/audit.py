"""The measurement behind `make audit` (docs/AUDIT.md says what and why).

It serves the site as in production (gunicorn, production settings, a fresh SQLite database
in a temporary directory seeded with a little demo content) on a free loopback port, then:

- runs Lighthouse (tools/audit, pinned) in Debian's headless Chromium, mobile preset, on the
  home, a post, a user, a tag and the search page, and on a page of search results and the
  login and account pages (these three are kept out of search engines on purpose, so held to
  Performance, Accessibility and Best Practices only), each in the light and the dark theme
  (Chromium's --force-dark-mode: a visitor's theme follows the device) and with
  Accept-Language: en and de;
- saves screenshots of the home, post and editor pages in both themes at 1280 and 390 CSS
  pixels wide into docs/screenshots/.

The scores go into docs/AUDIT.md between its markers; the exit status is 1 when any score is
below 100.

    .venv/bin/python bench/audit.py
"""

import argparse
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import ExitStack
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
DOC = ROOT / "docs" / "AUDIT.md"
SCREENSHOTS = ROOT / "docs" / "screenshots"
BEGIN, END = "<!-- audit:begin -->", "<!-- audit:end -->"
TOOLS = ROOT / "tools" / "audit"
LIGHTHOUSE = TOOLS / "node_modules" / ".bin" / "lighthouse"

USERS, POSTS = 8, 60
ALL_CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# Pages kept out of search engines on purpose (noindex, or robots.txt's Disallow as for search
# results: endless, and the most expensive page to serve) are not held to SEO. The search form
# itself (/search, no query) is indexed, and held to all four.
NOT_INDEXED = ("performance", "accessibility", "best-practices")
# A score below 100 is measured twice more and the median kept: the Performance score moves
# with what else the machine is doing.
RUNS_WHEN_LOW = 3
THEMES = ("light", "dark")
LANGUAGES = ("en", "de")
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
WIDTHS = {1280: 800, 390: 844}  # CSS pixels wide: tall (one screen, not the whole page)
SCREENSHOT_BYTES = 200_000  # larger PNGs are reduced to 256 colours
DRAFT = """Three small things went out this week.

## What changed

- Dates read *3 hours ago*, in the reader's own time zone.
- The theme follows the device, or the reader's choice.

```python
print("hello, reader")
```
"""


def log(message: str) -> None:
    print(f"audit: {message}", file=sys.stderr, flush=True)


def chromium_path() -> str:
    path = os.environ.get("CHROME_PATH") or shutil.which("chromium")
    if not path:
        raise SystemExit("audit: Chromium not found: `make browser` installs it")
    return path


# --- The site ------------------------------------------------------------------------------


def seed(env: dict) -> None:
    """Migrate and fill the run's database with a little demo content, the same each run."""
    env = {**env, "FLASK_CONFIG": "development"}  # seeding needs no SERVER_NAME nor secrets
    flask = str(bench.BIN / "flask")
    subprocess.run([flask, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    command = [flask, "seed", "--users", str(USERS), "--posts", str(POSTS)]
    command += ["--random-seed", str(bench.RANDOM_SEED)]
    subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True)


def audited_pages(targets: dict) -> list[tuple[str, str, tuple[str, ...], bool]]:
    """(name, path, categories, logged in) for each page audited."""
    path = dict(targets["pages"])
    return [
        ("home", "/", ALL_CATEGORIES, False),
        ("post", path["post page"], ALL_CATEGORIES, False),
        ("user", path["user page"], ALL_CATEGORIES, False),
        ("tag", path["tag page"], ALL_CATEGORIES, False),
        ("search", "/search", ALL_CATEGORIES, False),
        ("search results", path["search"], NOT_INDEXED, False),
        ("login", "/login", NOT_INDEXED, False),
        ("account", "/account", NOT_INDEXED, True),
    ]


# --- Lighthouse ----------------------------------------------------------------------------


def measure(url: str, categories, theme: str, language: str, cookie: str, out: Path) -> dict:
    """Lighthouse's scores for one page; when one is below 100, the median of three runs."""
    runs = [lighthouse(url, categories, theme, language, cookie, out)]
    if min(runs[0]["scores"].values()) < 100:
        more = RUNS_WHEN_LOW - 1
        runs += [lighthouse(url, categories, theme, language, cookie, out) for _ in range(more)]
    scores = {
        name: sorted(run["scores"][name] for run in runs)[len(runs) // 2] for name in categories
    }
    low = [name for name, score in scores.items() if score < 100]
    missed = sorted({line for run in runs for line in run["missed"] if line.split(":")[0] in low})
    return {"scores": scores, "missed": missed, "version": runs[0]["version"], "runs": len(runs)}


def lighthouse(url: str, categories, theme: str, language: str, cookie: str, out: Path) -> dict:
    """One Lighthouse run (mobile preset): {category: score out of 100}, and the audits that
    kept a category below 100."""
    flags = [*CHROME_FLAGS, *(["--force-dark-mode"] if theme == "dark" else [])]
    headers = {"Accept-Language": language, **({"Cookie": cookie} if cookie else {})}
    command = [str(LIGHTHOUSE), url, "--output=json", f"--output-path={out}", "--quiet"]
    command += [f"--only-categories={','.join(categories)}", f"--chrome-flags={' '.join(flags)}"]
    command += [f"--extra-headers={json.dumps(headers)}"]
    env = {**os.environ, "CHROME_PATH": chromium_path()}
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)
    report = json.loads(out.read_text())
    scores, missed = {}, []
    for name in categories:
        category = report["categories"][name]
        scores[name] = round((category["score"] or 0) * 100)
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                missed.append(f"{name}: {ref['id']} ({audit['score']:.2f})")
    return {"scores": scores, "missed": missed, "version": report["lighthouseVersion"]}


# --- Screenshots ---------------------------------------------------------------------------


def screenshots(base_url: str, cookie: str, post_path: str) -> list[str]:
    """PNGs of the home, post and editor pages, both themes, both widths, one screen tall."""
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = [("home", "/", ""), ("post", post_path, ""), ("editor", "/post/new", cookie)]
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROME_FLAGS)
        for theme in THEMES:
            for width, height in WIDTHS.items():
                for name, path, page_cookie in pages:
                    context = browser.new_context(
                        base_url=base_url,
                        viewport={"width": width, "height": height},
                        color_scheme=theme,
                        extra_http_headers={"Cookie": page_cookie} if page_cookie else {},
                    )
                    page = context.new_page()
                    page.goto(path, wait_until="networkidle")
                    if name == "editor":
                        write_a_draft(page)
                    file = SCREENSHOTS / f"{name}-{theme}-{width}.png"
                    file.write_bytes(small_png(page.screenshot()))
                    saved.append(file.name)
                    context.close()
        browser.close()
    return saved


def write_a_draft(page) -> None:
    """Some Markdown in the editor, and its preview beside it (or below, on a phone)."""
    page.get_by_label("Title").fill("Notes on a quiet week")
    page.get_by_label("Content").fill(DRAFT)
    page.locator("#preview h2", has_text="What changed").wait_for(state="attached")


def small_png(data: bytes) -> bytes:
    """The PNG optimised; reduced to 256 colours if still large (text and flat colours)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    if out.tell() > SCREENSHOT_BYTES:
        out = io.BytesIO()
        image.quantize(256, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


# --- The run -------------------------------------------------------------------------------


def run(args) -> dict:
    if not LIGHTHOUSE.exists():
        raise SystemExit("audit: Lighthouse is not installed: `npm ci --prefix tools/audit`")
    results = []
    with ExitStack() as cleanup:
        directory = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="audit-")))
        url = f"sqlite:///{directory / 'audit.sqlite'}"
        port = bench.free_port()
        env = bench.app_environment(url, port)
        log(f"seeding {USERS} users and {POSTS} posts")
        seed(env)
        targets = bench.pick_targets(url)
        cleanup.enter_context(bench.gunicorn("run:app", env, port))
        base_url = f"http://127.0.0.1:{port}"
        cookie = bench.log_in(port, targets["login_email"])
        pages = audited_pages(targets)
        if args.pages:
            pages = [page for page in pages if page[0] in args.pages]
        for name, path, categories, logged_in in pages:
            for theme in args.themes:
                for language in args.languages:
                    out = (args.reports or directory) / f"{name}-{theme}-{language}.json"
                    found = measure(
                        base_url + path, categories, theme, language,
                        cookie if logged_in else "", out,
                    )  # fmt: skip
                    found.update(page=name, path=path, theme=theme, language=language)
                    log(f"{name} {theme} {language}: {found['scores']} {found['missed']}")
                    results.append(found)
        shots = [] if args.no_screenshots else screenshots(base_url, cookie, targets["pages"][2][1])
        version = subprocess.run(
            [chromium_path(), "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "lighthouse": results[0]["version"] if results else "",
        "chromium": version,
        "results": results,
        "screenshots": shots,
    }


def report(result: dict) -> list[str]:
    """The generated part of docs/AUDIT.md: one row per page, theme and language."""
    names = {"performance": "Performance", "accessibility": "Accessibility"}
    names |= {"best-practices": "Best Practices", "seo": "SEO"}
    lines = [
        f"Measured {result['date']} with Lighthouse {result['lighthouse']} (mobile preset) in "
        f"{result['chromium']}, headless, on the site served as in production (gunicorn, "
        f"SQLite, {USERS} demo users and {POSTS} posts). A score below 100 is the median of "
        f"{RUNS_WHEN_LOW} runs. Search engines are kept away from search results and the login "
        "and account pages on purpose, so SEO is not measured there.",
        "",
        "| page | theme | language | " + " | ".join(names.values()) + " |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for found in result["results"]:
        scores = [str(found["scores"].get(key, "(not held)")) for key in names]
        page = f"{found['page']} (`{found['path']}`)"
        lines.append(f"| {page} | {found['theme']} | {found['language']} | {' | '.join(scores)} |")
    lowest: dict[str, str] = {}
    for found in result["results"]:
        for line in found["missed"]:
            audit, _, score = line.rpartition(" ")
            lowest[audit] = min(lowest.get(audit, score), score)
    if lowest:
        lines += ["", "Audits that cost points where a score is below 100 (lowest score, 0-1):", ""]
        lines += [f"- {audit} {score}" for audit, score in sorted(lowest.items())]
    return lines


def write_document(result: dict, doc: Path) -> None:
    text = doc.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    doc.write_text(head + BEGIN + "\n" + "\n".join(report(result)) + "\n" + END + tail)


def below_100(result: dict) -> list[str]:
    return [
        f"{found['page']} {found['theme']} {found['language']} {category} {score}"
        for found in result["results"]
        for category, score in found["scores"].items()
        if score < 100
    ]


def arguments(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="*", help="only these pages (home, post, ...)")
    parser.add_argument("--themes", nargs="*", default=list(THEMES))
    parser.add_argument("--languages", nargs="*", default=list(LANGUAGES))
    parser.add_argument("--no-screenshots", action="store_true")
    parser.add_argument("--reports", type=Path, help="keep Lighthouse's JSON reports here")
    parser.add_argument("--output", type=Path, default=DOC, help="the document to update")
    return parser.parse_args(argv)


def main() -> None:
    args = arguments()
    result = run(args)
    write_document(result, args.output)
    low = below_100(result)
    for line in low:
        log(f"below 100: {line}")
    sys.exit(1 if low else 0)


if __name__ == "__main__":
    main()
