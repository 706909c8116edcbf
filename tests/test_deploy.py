"""What the platform builds with is pinned in the repository: the Python version."""

import re
import tomllib

from config import BASE_DIR


def test_heroku_builds_with_the_pinned_python_that_the_project_supports():
    pinned = (BASE_DIR / ".python-version").read_text()
    required = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]

    assert re.fullmatch(r"3\.\d+\n", pinned)  # major.minor: security releases come by themselves
    major, minor = map(int, pinned.split("."))
    lowest = tuple(map(int, required["requires-python"].removeprefix(">=").split(".")))
    assert (major, minor) >= lowest


def test_the_deploy_steps_name_the_pinned_version():
    readme = (BASE_DIR / "README.md").read_text()
    deploying = readme.split("## Deploying to Heroku", 1)[1].split("\n## ", 1)[0]
    version = (BASE_DIR / ".python-version").read_text().strip()

    assert "`.python-version`" in deploying
    assert version in deploying
