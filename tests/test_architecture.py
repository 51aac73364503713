"""The layering of DESIGN.md and the lint rules, as failing tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_import_direction_is_enforced():
    done = _run(str(Path(sys.executable).parent / "lint-imports"), "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_is_clean():
    done = _run(sys.executable, "-m", "ruff", "check", "omnichannel", "tests")
    assert done.returncode == 0, done.stdout + done.stderr
