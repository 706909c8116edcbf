"""The accessibility proof of a page: axe-core, run inside the real Chromium page."""

from axe_playwright_python.sync_playwright import Axe

AXE = Axe()


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page as it is now, one line each (rule: what, where)."""
    results = AXE.run(page)
    lines = []
    for violation in results.response["violations"]:
        where = [node["target"] for node in violation["nodes"]]
        lines.append(f"{violation['id']}: {violation['help']} at {where}")
    return lines
