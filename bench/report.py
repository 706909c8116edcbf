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


def load(results: Path) -> dict[tuple[str, int], dict]:
    found = {}
    for path in sorted(results.glob("*.json")):
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
        lines.append(
            f"| {figures['page']} (`{figures['path']}`) | {figures['who']} "
            f"| {number(figures['rps'])} | {figures['p50_ms']} | {figures['p99_ms']} "
            f"| {figures['errors']} | {figures['queries']} "
            f"| {figures['vs_ceiling']:.0%} | {size} |"
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
    return [
        f"Logins (`POST /login`, a correct password; bcrypt cost factor {login['rounds']}): "
        f"one hash takes {login['hash_ms']} ms here, so {cores} cores can check at most "
        f"{cores} / {login['hash_ms'] / 1000:.3f} s = **{number(login['limit_rps'], 1)} "
        f"logins/s**; measured {number(login['rps'], 1)} logins/s ({share:.0%} of that limit), "
        f"p50 {login['p50_ms']} ms, p99 {login['p99_ms']} ms, {login['errors']} errors.",
    ]


# --- Targets ----------------------------------------------------------------------------


def targets(found: dict, database: str) -> list[tuple[str, str, str, bool | None]]:
    """(what, target, figure, met) for one database, from its 20,000-post run."""
    result = found.get((database, SIZE))
    million = found.get((database, MILLION))
    if result is None:
        return []
    ceiling = result["ceiling"]["rps"]
    home, deep, post = page(result, "home page 1"), deep_page(result), page(result, "post page")
    rows = []
    share = home["rps"] / ceiling
    rows.append(
        (
            "home page 1",
            "at least 40% of the ceiling's requests/s",
            f"{share:.0%} ({number(home['rps'])} of {number(ceiling)})",
            share >= 0.40,
        )
    )
    share = deep["rps"] / home["rps"]
    rows.append(
        (
            f"home page {deep['path'].split('=')[1]}",
            "at least 80% of home page 1",
            f"{share:.0%} ({number(deep['rps'])} of {number(home['rps'])})",
            share >= 0.80,
        )
    )
    share = post["rps"] / ceiling
    rows.append(
        (
            "post page",
            "at least 50% of the ceiling",
            f"{share:.0%} ({number(post['rps'])} of {number(ceiling)})",
            share >= 0.50,
        )
    )
    worst = max((home, deep, post), key=lambda figures: figures["p99_ms"])
    rows.append(
        (
            "p99 latency, every page above",
            "under 25 ms",
            f"{worst['p99_ms']} ms at worst ({worst['page']})",
            worst["p99_ms"] < 25,
        )
    )
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
    if million is None:
        rows.append(("1,000,000 posts", "home page 1 and page 2,000 within 20%", "", None))
    else:
        pairs = [
            (page(result, "home page 1"), page(million, "home page 1")),
            (deep, deep_page(million)),
        ]
        ratios = [big["rps"] / small["rps"] for small, big in pairs]
        rows.append(
            (
                "1,000,000 posts",
                "home page 1 and page 2,000 within 20% of their 20,000-post figures",
                f"home {ratios[0]:.0%}, deep page {ratios[1]:.0%} of the 20,000-post figures",
                all(ratio >= 0.8 for ratio in ratios),
            )
        )
    growth = max(w["end_mib"] - w["start_mib"] for w in result["memory"]["workers"])
    peak = max(w["peak_mib"] for w in result["memory"]["workers"])
    rows.append(
        (
            "memory",
            "RSS per worker flat over a 60-second run; stated in the doc",
            f"grew {growth:+.1f} MiB at most; peak {peak} MiB a worker",
            growth < FLAT_MIB,
        )
    )
    shares = [
        page(result, name, "logged in")["rps"] / page(result, name)["rps"]
        for name in ("home page 1", "post page")
    ]
    rows.append(
        (
            "logged in",
            "home and post pages at least 50% of their anonymous figures",
            f"home {shares[0]:.0%}, post {shares[1]:.0%}",
            min(shares) >= 0.5,
        )
    )
    return rows


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


def generated(found: dict) -> list[str]:
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
        "Anonymous, 2 workers, 16 connections, 20,000 posts; figures from the runs below.",
        "",
        *targets_table(found),
    ]
    order = list(NAMES)
    for (database, posts), result in sorted(
        found.items(), key=lambda item: (item[0][1], order.index(item[0][0]))
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
    body = "\n".join(generated(load(results)))
    doc.write_text(f"{head}{begin}\n{body}\n{end}{tail}")
