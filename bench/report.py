"""Turns bench/results/*.json into the generated part of docs/PERFORMANCE.md: one table per
database and size, memory, logins, and the issue's targets with met or not met.

Only the text between the begin and end markers is rewritten; the rest of the document is
written by hand.
"""

import json
from pathlib import Path

NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SIZE = 20_000
MILLION = 1_000_000
FLAT_MIB = 5.0  # "flat": a worker grows by less than this over the long run
WRK_TIMEOUT_MS = 10_000  # bench/run.py's wrk --timeout


UNCACHED_SUFFIX = "-no-page-cache"  # results of runs with --cache-redis-url ''


def load(results: Path, uncached: bool = False) -> dict[tuple[str, int], dict]:
    """The results in `results`, by (database, posts): the runs as deployed (with the page
    cache), or with uncached=True those of runs without it."""
    found = {}
    for path in sorted(results.glob("*.json")):
        if path.stem.endswith(UNCACHED_SUFFIX) != uncached:
            continue
        result = json.loads(path.read_text())
        found[(result["database"], result["posts"])] = result
    return found


def page(result: dict, name: str, who: str = "anonymous") -> dict | None:
    for figures in result["pages"]:
        if figures["page"] == name and figures["who"] == who:
            return figures
    return None


def deep_page(result: dict) -> dict | None:
    for figures in result["pages"]:
        if figures["who"] == "anonymous" and figures["path"].startswith("/?page="):
            return figures
    return None


def timed_out(figures: dict) -> bool:
    """Nothing was answered within wrk's --timeout: the row has no speed to show."""
    return figures.get("requests", 1) == 0


def p99(figures: dict) -> float:
    """The p99 latency, honestly: wrk's percentiles leave out the requests it gave up on, so
    when more than 1% of them timed out the p99 is beyond the timeout (infinite here)."""
    timeouts = figures.get("timeouts", 0)
    if timed_out(figures) or timeouts > 0.01 * (figures.get("requests", 0) + timeouts):
        return float("inf")
    return figures["p99_ms"]


def p99_cell(figures: dict) -> str:
    if timed_out(figures):
        return "–"
    if p99(figures) == float("inf"):
        return f"> {WRK_TIMEOUT_MS:,}"
    return str(figures["p99_ms"])


def errors_cell(figures: dict) -> str:
    timeouts = figures.get("timeouts", 0)
    return f"{figures['errors']} ({timeouts} timed out)" if timeouts else str(figures["errors"])


def number(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def yes_no(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "not measured"}[met]


def results_table(result: dict) -> list[str]:
    lines = [
        "| page | who | requests/s | p50 ms | p99 ms | errors | SQL queries | vs ceiling | KB |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for figures in result["pages"]:
        size = f"{figures['bytes'] / 1024:.1f}" if figures.get("bytes") else ""
        if timed_out(figures):
            speed = "**timed out** | – | –"
            share = "–"
        else:
            speed = f"{number(figures['rps'])} | {figures['p50_ms']} | {p99_cell(figures)}"
            share = f"{figures['vs_ceiling']:.0%}"
        lines.append(
            f"| {figures['page']} (`{figures['path']}`) | {figures['who']} | {speed} "
            f"| {errors_cell(figures)} | {figures['queries']} | {share} | {size} |"
        )
    ceiling = result["ceiling"]
    lines.append(
        f"| **ceiling** (bench/ceiling.py, 5 posts from memory) | anonymous "
        f"| {number(ceiling['rps'])} | {ceiling['p50_ms']} | {ceiling['p99_ms']} "
        f"| {ceiling['errors']} | 0 | 100% | {ceiling['bytes'] / 1024:.1f} |"
    )
    return lines


def memory_lines(result: dict) -> list[str]:
    memory = result["memory"]
    run = memory["run"]
    lines = [
        f"Memory of each gunicorn worker (VmRSS from /proc, sampled twice a second) over a "
        f"{memory['seconds']:g}-second run of the home page "
        f"({number(run['rps'])} requests/s, {number(run['requests'])} requests):",
        "",
        "| worker | RSS at the start, MiB | RSS at the end, MiB | peak (VmHWM), MiB |",
        "|---|--:|--:|--:|",
    ]
    for number_, worker in enumerate(memory["workers"], 1):
        lines.append(
            f"| {number_} | {worker['start_mib']} | {worker['end_mib']} | {worker['peak_mib']} |"
        )
    return lines


def login_lines(result: dict) -> list[str]:
    login = result["login"]
    cores = result["machine"]["cores"]
    if login["errors"] is None:
        return [
            f"Logins: not measured (the workers were still busy with queued slow pages); one "
            f"bcrypt hash at cost factor {login['rounds']} takes {login['hash_ms']} ms here, so "
            f"{cores} cores can check at most {number(login['limit_rps'], 1)} logins/s."
        ]
    share = login["rps"] / login["limit_rps"] if login["limit_rps"] else 0
    # Older results ran the logins for the pages' --duration and did not say so.
    over = f" over {login['seconds']:g} s" if "seconds" in login else ""
    return [
        f"Logins (`POST /login`, a correct password; bcrypt cost factor {login['rounds']}): "
        f"one hash takes {login['hash_ms']} ms here, so {cores} cores can check at most "
        f"{cores} / {login['hash_ms'] / 1000:.3f} s = **{number(login['limit_rps'], 1)} "
        f"logins/s**; measured {number(login['rps'], 1)} logins/s{over} "
        f"({share:.0%} of that limit), "
        f"p50 {login['p50_ms']} ms, p99 {login['p99_ms']} ms, {login['errors']} errors.",
    ]


# --- Targets ----------------------------------------------------------------------------


# The pages each target counts, by name as bench/run.py names them.
CACHE_HITS = ("home page 1", "home page 2,000", "post page", "user page", "tag page", "Atom feed")
LIGHT_PAGES = ("avatar", "login page")
LOGGED_IN_PAGES = ("home page 1", "post page", "following", "notifications")
SEARCHES = ("search", "search, 20 words")
TEN_MINUTES = 600


def targets(found: dict, database: str) -> list[tuple[str, str, str, bool | None]]:
    """(what, target, figure, met) for one database, from its 20,000-post run (and its
    million-post run, when there is one): the issue's targets, one row each."""
    result = found.get((database, SIZE))
    million = found.get((database, MILLION))
    if result is None:
        return []
    ceiling = result["ceiling"]["rps"]

    def pages(names, who="anonymous"):
        return [
            figures
            for figures in result["pages"]
            if figures["who"] == who and _named(figures, names)
        ]

    searches = pages(SEARCHES) + pages(SEARCHES, "logged in")
    rows = [
        lowest_share_row(
            "anonymous cache hits",
            "at least 100% of the ceiling's requests/s",
            pages(CACHE_HITS),
            ceiling,
            1.00,
        ),
        lowest_share_row(
            "avatar, login page", "at least 80% of the ceiling", pages(LIGHT_PAGES), ceiling, 0.80
        ),
        lowest_share_row(
            "logged in: home, post, following, notifications",
            "at least 50% of the ceiling",
            pages(LOGGED_IN_PAGES, "logged in"),
            ceiling,
            0.50,
        ),
        lowest_share_row(
            "search: one word and 20 words, anonymous and logged in",
            "at least 25% of the ceiling",
            searches,
            ceiling,
            0.25,
        ),
        worst_p99_row("search, p99", "under 100 ms", searches, 100),
        worst_p99_row(
            "p99, anonymous pages",
            "under 25 ms",
            [figures for figures in result["pages"] if figures["who"] == "anonymous"],
            25,
        ),
        worst_p99_row(
            "p99, logged-in pages",
            "under 50 ms",
            [figures for figures in result["pages"] if figures["who"] == "logged in"],
            50,
        ),
    ]
    listings = [
        figures
        for figures in result["pages"]
        if figures["who"] == "anonymous"
        and (figures["page"].startswith(("home page", "user page", "tag page", "search")))
    ]
    most = max(listings, key=lambda figures: figures["queries"])
    rows.append(
        (
            "SQL queries per listing page",
            "at most 3, whatever the page size or data size",
            f"{most['queries']} at most ({most['page']}; home, user, tag and search pages)",
            most["queries"] <= 3,
        )
    )
    rows += million_rows(result, million)
    rows.append(login_row(result))
    rows.append(memory_row(result))
    return rows


def _named(figures: dict, names) -> bool:
    # The deep page is named by its number, which depends on the data's size.
    name = "home page 2,000" if figures["path"].startswith("/?page=") else figures["page"]
    return name in names


def lowest_share_row(what: str, target: str, pages: list, ceiling: float, goal: float) -> tuple:
    """An "every one of these pages at least `goal` of the ceiling" target."""
    if not pages:
        return (what, target, "", None)
    shares = [0.0 if timed_out(figures) else figures["rps"] / ceiling for figures in pages]
    low = min(range(len(pages)), key=shares.__getitem__)
    spread = f"{min(shares):.0%} to {max(shares):.0%}" if len(pages) > 1 else f"{shares[0]:.0%}"
    who = pages[low]["who"]
    return (
        what,
        target,
        f"{spread}; lowest {pages[low]['page']} ({who}), {margin(shares[low] - goal, ' points')}",
        shares[low] >= goal,
    )


def worst_p99_row(what: str, target: str, pages: list, limit_ms: float) -> tuple:
    if not pages:
        return (what, target, "", None)
    worst = max(pages, key=p99)
    worst_p99 = p99(worst)
    figure = f"{p99_cell(worst)} ms at worst ({worst['page']}, {worst['who']})"
    if worst_p99 != float("inf"):
        figure += f": {margin(limit_ms - worst_p99, ' ms')}"
    return (what, target, figure, worst_p99 < limit_ms)


def million_rows(result: dict, million: dict | None) -> list[tuple]:
    """Every page of the million-post run against its 20,000-post figure, and its searches'
    p99. Pages are compared by their shares of each run's own ceiling: the two runs are
    minutes or days apart on a shared machine, and the ceiling moves with its load."""
    what, target = "1,000,000 posts", "every page within 20% of its 20,000-post figure"
    search_what, search_target = "search at 1,000,000 posts, p99", "under 500 ms"
    if million is None:
        return [(what, target, "", None), (search_what, search_target, "", None)]
    searches = [figures for figures in million["pages"] if _named(figures, SEARCHES)]
    search_row = worst_p99_row(search_what, search_target, searches, 500)
    speeds = machine_speeds(result, million)
    if speeds is not None:
        return [(what, target, speeds, None), search_row]
    ratios = []
    for big in million["pages"]:
        small = page(result, big["page"], big["who"])
        if big["path"].startswith("/?page=") and big["who"] == "anonymous":
            small = deep_page(result)
        if small is None or timed_out(small):
            continue
        ratios.append((0.0 if timed_out(big) else big["vs_ceiling"] / small["vs_ceiling"], big))
    if not ratios:
        return [(what, target, "", None), (search_what, search_target, "", None)]
    low, figures = min(ratios, key=lambda pair: pair[0])
    rows = [
        (
            what,
            target,
            f"lowest {low:.0%} ({figures['page']}, {figures['who']}); "
            f"{sum(ratio >= 0.8 for ratio, _ in ratios)} of {len(ratios)} pages within",
            low >= 0.8,
        )
    ]
    rows.append(search_row)
    return rows


# Two runs whose bcrypt hash times differ by more than this were made on machines of
# different speeds (or one far busier than the other) and are not compared page by page.
SAME_MACHINE = 1.25


def machine_speeds(small: dict, big: dict) -> str | None:
    """Why the two runs cannot be compared, or None if they can. A faster or slower CPU does
    not move every page's share of the ceiling alike (a cache hit answered before Flask less
    than the ceiling's bare Flask page), so shares are only comparable on one machine; one
    bcrypt hash, timed in every run, says how fast its machine was."""
    small_ms, big_ms = small["login"].get("hash_ms"), big["login"].get("hash_ms")
    if not small_ms or not big_ms or max(small_ms, big_ms) / min(small_ms, big_ms) <= SAME_MACHINE:
        return None
    return (
        f"not compared: one bcrypt hash took {big_ms:g} ms in the million-post run and "
        f"{small_ms:g} ms in the 20,000-post one, so they ran on machines of different speeds; "
        f"run both sizes on one machine"
    )


def login_row(result: dict) -> tuple:
    what, target = "logins", "at least 90% of the bcrypt limit (cores / hash time)"
    login = result.get("login")
    if not login or login.get("errors") is None or not login.get("limit_rps"):
        return (what, target, "", None)
    share = login["rps"] / login["limit_rps"]
    return (
        what,
        target,
        f"{share:.0%} ({number(login['rps'], 1)} of {number(login['limit_rps'], 1)} logins/s)",
        share >= 0.9,
    )


def memory_row(result: dict) -> tuple:
    memory = result["memory"]
    seconds = memory.get("seconds", 0)
    growth = max(w["end_mib"] - w["start_mib"] for w in memory["workers"])
    peak = max(w["peak_mib"] for w in memory["workers"])
    figure = f"grew {growth:+.1f} MiB at most over {seconds:g} s; peak {peak} MiB a worker"
    if seconds < TEN_MINUTES:
        return ("memory", "RSS per worker flat over a 10-minute run", figure, None)
    return ("memory", "RSS per worker flat over a 10-minute run", figure, growth < FLAT_MIB)


def margin(difference: float, unit: str) -> str:
    """By how much a target is met (over) or missed (short)."""
    word = "over" if difference >= 0 else "short"
    if unit == " points":
        return f"{abs(difference) * 100:.0f} points {word}"
    return f"{abs(difference):,.1f}{unit} {'to spare' if difference >= 0 else 'over'}"


def targets_table(found: dict) -> list[str]:
    sqlite, postgres = targets(found, "sqlite"), targets(found, "postgresql")
    if not sqlite and not postgres:
        return ["No 20,000-post run yet."]
    lines = [
        "| what | target | SQLite | | PostgreSQL | |",
        "|---|---|---|---|---|---|",
    ]
    for index, row in enumerate(sqlite or postgres):
        cells = []
        for rows in (sqlite, postgres):
            if rows:
                cells += [rows[index][2], yes_no(rows[index][3])]
            else:
                cells += ["", yes_no(None)]
        lines.append(f"| {row[0]} | {row[1]} | " + " | ".join(cells) + " |")
    return lines


def before_after(found: dict, baseline: dict) -> list[str]:
    """Each page before the speed work (bench/results/baseline/) and now, same database and
    size. Runs minutes or hours apart on a shared machine: the shares of each run's own
    ceiling are the fairer comparison, the requests/s are given too."""
    lines = []
    order = list(NAMES)
    for key in sorted(set(found) & set(baseline), key=lambda k: (k[1], order.index(k[0]))):
        before, after = baseline[key], found[key]
        lines += [
            "",
            f"#### {NAMES[key[0]]}, {key[1]:,} posts: before ({before['date']}) and after "
            f"({after['date']})",
            "",
            "| page | who | requests/s before | after | × | p99 ms before | after "
            "| vs ceiling before | after |",
            "|---|---|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for now in after["pages"]:
            then = page(before, now["page"], now["who"])
            if then is None and now["path"].startswith("/?page="):
                then = deep_page(before)
            if then is None:
                continue
            rps = [
                "timed out" if timed_out(figures) else number(figures["rps"])
                for figures in (then, now)
            ]
            times = (
                f"{now['rps'] / then['rps']:.1f}"
                if then["rps"] and not timed_out(now) and not timed_out(then)
                else "–"
            )
            shares = [
                "–" if timed_out(figures) else f"{figures['vs_ceiling']:.0%}"
                for figures in (then, now)
            ]
            lines.append(
                f"| {now['page']} | {now['who']} | {rps[0]} | {rps[1]} | {times} "
                f"| {p99_cell(then)} | {p99_cell(now)} | {shares[0]} | {shares[1]} |"
            )
        lines.append(
            f"| **ceiling** | | {number(before['ceiling']['rps'])} "
            f"| {number(after['ceiling']['rps'])} | "
            f"{after['ceiling']['rps'] / before['ceiling']['rps']:.1f} "
            f"| {before['ceiling']['p99_ms']} | {after['ceiling']['p99_ms']} | 100% | 100% |"
        )
    if not lines:
        return []
    return [
        "",
        "### Before and after the speed work",
        "",
        "Before: the baseline runs (`--label baseline`, kept in `bench/results/baseline/`), "
        "measured before the indexes, the pager without COUNT, keyset deep pages, the page "
        "cache and compression. After: the runs below. The load on the machine differed "
        "between them (each run's load average is printed with its table), so compare the "
        "shares of each run's own ceiling as much as the requests/s.",
        *lines,
    ]


def generated(found: dict, baseline: dict | None = None, uncached: dict | None = None) -> list[str]:
    if not found:
        return ["No results yet: run `make bench`."]
    any_result = next(iter(found.values()))
    machine = any_result["machine"]
    lines = [
        f"Machine: {machine['cores']} cores ({machine['cpu']}), "
        f"{machine['memory_gib']} GiB of memory, {machine['os']}, Python {machine['python']}, "
        f"SQLite {machine['sqlite']}, {machine['wrk']}.",
        "",
        "### Targets",
        "",
        "The issue's targets, from the runs below (2 workers, 16 connections, 20,000 posts, "
        "and the million-post run where there is one); each share is of the ceiling measured "
        "in the same run.",
        "",
        *targets_table(found),
        *before_after(found, baseline or {}),
    ]
    order = list(NAMES)
    # Baseline runs with no later run of their own are shown whole, labelled as such.
    runs = list(found.items()) + [
        (key, result | {"label": "baseline, before the speed work"})
        for key, result in (baseline or {}).items()
        if key not in found
    ]
    runs += [
        (key, result | {"label": "without the page cache: every page built, as on a miss"})
        for key, result in (uncached or {}).items()
    ]
    for (database, posts), result in sorted(
        runs, key=lambda item: (item[0][1], order.index(item[0][0]))
    ):
        label = f" ({result['label']})" if result.get("label") else ""
        seeded = (
            f" Seeding took {result['seed_seconds']} s."
            if result.get("seed_seconds")
            else " The data was already seeded."
        )
        lines += [
            "",
            f"### {NAMES[database]}, {posts:,} posts{label}",
            "",
            f"{result['date']}; `{result['command']}`; {result['published']:,} published posts "
            f"by {result['users']:,} users; {result['duration_s']:g} s a page.{seeded}"
            + (f" {result['server']}." if result.get("server") else "")
            + (
                " Anonymous pages cached in Redis as in production (emptied before the run)."
                if result.get("page_cache")
                else " No page cache."
            )
            + (
                f" Load average (1, 5, 15 min) before: {', '.join(map(str, result['load_before']))}"
                f"; after: {', '.join(map(str, result['load_after']))}."
                if result.get("load_before")
                else ""
            ),
            "",
            *results_table(result),
            "",
            *memory_lines(result),
            "",
            *login_lines(result),
        ]
    return lines


def write_document(results: Path, doc: Path, begin: str, end: str) -> None:
    """Replace the generated part of `doc` with tables built from `results`."""
    text = doc.read_text()
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    baseline = load(results / "baseline") if (results / "baseline").is_dir() else {}
    body = "\n".join(generated(load(results), baseline, load(results, uncached=True)))
    doc.write_text(f"{head}{begin}\n{body}\n{end}{tail}")
