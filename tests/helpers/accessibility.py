"""axe-core in the browser: the accessibility rules a page breaks, none expected."""

from axe_playwright_python.sync_playwright import Axe

AXE = Axe()


def axe_violations(page) -> list[str]:
    """The axe-core rules the page in `page` breaks, one line each (rule, impact, where)."""
    results = AXE.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(target for node in violation["nodes"] for target in node["target"])
        for violation in results.response["violations"]
    ]
