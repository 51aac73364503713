"""The API suite passes on both executors: the fast one (default) and plain graphql-core.

`OMNICHANNEL_FAST_EXECUTOR=0` runs the API without `schema/execution.py`; this test runs every API
test again, in a pytest of its own, on whichever executor this session does not use, so the plain
`pytest` of CI checks both (about a minute). The differential property test
(`tests/schema/test_executor_differential.py`) compares the two on generated documents.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_api_suite_passes_on_the_other_executor():
    this = os.environ.get("OMNICHANNEL_FAST_EXECUTOR", "1")
    other = "0" if this == "1" else "1"
    with tempfile.TemporaryDirectory(prefix="omnichannel-other-executor-") as home:
        env = {**os.environ, "OMNICHANNEL_FAST_EXECUTOR": other, "OMNICHANNEL_TEST_HOME": home}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/api", "-q", "--tb=short", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    name = "graphql-core" if other == "0" else "fast"
    assert done.returncode == 0, f"tests/api on the {name} executor:\n" + (done.stdout + done.stderr)[-6000:]
    assert " passed" in done.stdout.splitlines()[-1], done.stdout[-2000:]
