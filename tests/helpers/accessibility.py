"""axe-core, the accessibility rules engine, run inside a page in Chromium."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()  # reads axe.min.js (shipped in the package, not fetched) once


def axe_violations(page) -> list[tuple[str, list]]:
    """What axe-core finds wrong with the page as it stands: (rule id, the elements that
    break it), an empty list for a page without violations."""
    results = _axe.run(page)
    return [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in results.response["violations"]
    ]
