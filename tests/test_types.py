"""Types are checked in the suite, like the import layering (tests/test_architecture.py).

The whole package at the project's settings (`[tool.mypy]` in pyproject.toml: strict), and the
business layers on their own the strictest way, without leaning on what they import.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_the_package_type_checks_at_the_project_settings():
    done = _mypy()  # files and settings from [tool.mypy]
    assert done.returncode == 0, done.stdout + done.stderr


def test_domain_and_use_cases_type_check_strictly_on_their_own():
    done = _mypy(
        "--strict", "--implicit-reexport", "--follow-imports=silent", "omnichannel/domain", "omnichannel/resolvers"
    )
    assert done.returncode == 0, done.stdout + done.stderr
