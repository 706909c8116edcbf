"""The documents cite tests as proof; a cited test that was renamed or removed proves nothing."""

import re
from pathlib import Path

TESTS = Path(__file__).parent
ROOT = TESTS.parent
# `security/test_x.py::test_y`, or `security/test_x.py` followed later by `::test_y`
CITATION = re.compile(r"`(?P<file>[\w/]+\.py)?(?:::(?P<test>\w+))?`")


def cited_tests(document: Path) -> list[tuple[str, str]]:
    cited, current = [], None
    for match in CITATION.finditer(document.read_text()):
        if match["file"] and (TESTS / match["file"]).is_file():
            current = match["file"]
        if match["test"]:
            cited.append((current, match["test"]))
    return cited


def test_every_test_security_md_cites_exists():
    cited = cited_tests(ROOT / "docs" / "SECURITY.md")

    missing = [
        f"{file}::{test}"
        for file, test in cited
        if file is None or not re.search(rf"^def {test}\(", (TESTS / file).read_text(), re.M)
    ]
    assert len(cited) > 100
    assert missing == []
