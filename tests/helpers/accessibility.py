"""axe-core in the browser: the accessibility rules a page breaks, none expected.

axe-core comes from npm, pinned in tools/axe (`make test` installs it there)."""

from functools import cache
from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "tools/axe/node_modules/axe-core/axe.min.js"


@cache
def axe_source() -> str:
    if not AXE_SCRIPT.exists():
        raise RuntimeError(f"axe-core is not installed: run `make test` (it needs {AXE_SCRIPT})")
    return AXE_SCRIPT.read_text()


def axe_violations(page) -> list[str]:
    """The axe-core rules the page in `page` breaks, one line each (rule, impact, where)."""
    # Evaluated rather than added as a <script>: the site's Content-Security-Policy would
    # refuse an inline script, and the check must not need the policy loosened.
    page.evaluate(axe_source())
    results = page.evaluate("axe.run({resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(str(target) for node in violation["nodes"] for target in node["target"])
        for violation in results["violations"]
    ]
