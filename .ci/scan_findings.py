"""Read the reports of .ci/scan's tools and decide: exit 0 when clean, 1 on a finding,
2 when the tool could not do its job (so "nothing found" would mean nothing).

    python .ci/scan_findings.py pip-audit REPORT.json
    python .ci/scan_findings.py wapiti REPORT.json user|visitor
    python .ci/scan_findings.py sqlmap OUTPUT.txt OUTPUT_DIR
    python .ci/scan_findings.py server ACCESS.log BASE_URL

Standard library only: it runs in the scanners' virtualenv.
"""

import json
import re
import ssl
import sys
import urllib.error
import urllib.request
from pathlib import Path

CLEAN, FINDING, INCOMPLETE = 0, 1, 2
# Wapiti rates reflected XSS "medium" and open redirects "low", but on this site any
# finding of the modules run (xss, sql, redirect, crlf, file, exec) is a bug to fix.
WAPITI_LEVELS = {0: "info", 1: "low", 2: "medium", 3: "high", 4: "critical"}
MIN_CRAWLED_PAGES = 20


def say(message: str) -> None:
    print(f"scan: {message}", flush=True)


def pip_audit(report: str) -> int:
    """Known vulnerabilities in the pinned requirements; packages that could not be audited."""
    dependencies = json.loads(Path(report).read_text())["dependencies"]
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "none yet"
            say(f"pip-audit: {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    audited = len(dependencies) - len(skipped)
    say(f"pip-audit: {audited} of {len(dependencies)} packages audited, {len(vulnerable)} hit")
    if vulnerable:
        return FINDING
    if skipped:
        say(
            f"pip-audit: {len(skipped)} packages could NOT be audited, e.g. "
            f"{skipped[0]['name']}: {skipped[0]['skip_reason']}"
        )
        say(
            "pip-audit: the advisory service (PyPI's JSON API for each release, "
            "/pypi/<name>/<version>/json) did not answer from this machine; pip-audit "
            "itself would still say 'No known vulnerabilities found'. This is NOT a clean audit."
        )
        return INCOMPLETE
    return CLEAN


def wapiti(report: str, who: str) -> int:
    """Every vulnerability wapiti reports; proof that it crawled the site (and logged in,
    unless it scanned as a visitor)."""
    data = json.loads(Path(report).read_text())
    infos = data["infos"]
    status = CLEAN
    findings = [
        (category, entry)
        for category, entries in data["vulnerabilities"].items()
        for entry in entries
    ]
    for category, entry in findings:
        level = WAPITI_LEVELS.get(entry.get("level"), entry.get("level"))
        where = f"{entry.get('method', '')} {entry.get('path', '')}".strip()
        say(f"wapiti: {category} ({level}) at {where}, parameter {entry.get('parameter')!r}")
        say(f"wapiti:   {entry.get('info', '').splitlines()[0] if entry.get('info') else ''}")
        status = FINDING
    for category, entries in data["anomalies"].items():
        for entry in entries:
            where = f"{entry.get('method', '')} {entry.get('path', '')}".strip()
            say(f"wapiti: anomaly {category} at {where}: {entry.get('info', '')}")
            if "Internal Server Error" in category:
                status = FINDING
    crawled = infos.get("crawled_pages_nbr", 0)
    logged_in = (infos.get("auth") or {}).get("logged_in")
    say(f"wapiti: {crawled} pages and forms crawled, logged in: {bool(logged_in)}")
    if status == CLEAN and ((who != "visitor" and not logged_in) or crawled < MIN_CRAWLED_PAGES):
        say("wapiti: the scan did not log in or barely crawled: its silence proves nothing")
        return INCOMPLETE
    if status == CLEAN:
        say(f"wapiti: no finding ({len(findings)} vulnerabilities)")
    return status


def sqlmap(output: str, output_dir: str) -> int:
    """An injection point found, or proof that sqlmap tested every parameter to the end."""
    text = Path(output).read_text(errors="replace")
    logs = [path for path in Path(output_dir).rglob("log") if path.stat().st_size > 0]
    errors = re.findall(r"^(\d{3}) \([^)]*\) - (\d+) times", text, re.M)
    for code, times in errors:
        say(f"sqlmap: HTTP {code} answered {times} times")
    hints = re.findall(r"^.*(?:appears to be \S+ injectable|is vulnerable).*$", text, re.M)
    for hint in hints:
        say(f"sqlmap: {hint}")
    if "identified the following injection point" in text or logs or hints:
        for path in logs:
            say(f"sqlmap: injection found:\n{path.read_text(errors='replace')}")
        return FINDING
    if any(code.startswith("5") for code, _ in errors):
        return FINDING
    if "all tested parameters do not appear to be injectable" not in text:
        say("sqlmap: it did not finish testing every parameter: its silence proves nothing")
        return INCOMPLETE
    return CLEAN


def server(access_log: str, base_url: str) -> int:
    """No request of the whole scan got a 5xx; no header names the software's versions."""
    status = CLEAN
    lines = Path(access_log).read_text(errors="replace").splitlines()
    failed = [line for line in lines if re.search(r'" 5\d\d ', line)]
    codes: dict[str, int] = {}
    for line in lines:
        match = re.search(r'" (\d{3}) ', line)
        if match:
            codes[match[1]] = codes.get(match[1], 0) + 1
    say(f"server: {len(lines)} requests answered: {dict(sorted(codes.items()))}")
    for line in failed[:20]:
        say(f"server: error answer: {line[:200]}")
    if failed:
        status = FINDING
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # our own throwaway cert
    for path in ("/", "/no/such/page"):
        try:
            with urllib.request.urlopen(f"{base_url}{path}", context=context, timeout=10) as answer:  # noqa: S310
                headers = answer.headers
        except urllib.error.HTTPError as error:
            headers = error.headers
        for name, value in headers.items():
            if re.search(r"(werkzeug|python|flask|gunicorn)/\d", value, re.I):
                say(f"server: header {name}: {value} gives away a version")
                status = FINDING
    return status


def main() -> int:
    tool, *args = sys.argv[1:]
    checks = {"pip-audit": pip_audit, "wapiti": wapiti, "sqlmap": sqlmap, "server": server}
    return checks[tool](*args)


if __name__ == "__main__":
    sys.exit(main())
