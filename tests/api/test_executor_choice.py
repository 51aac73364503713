"""The app runs the executor the environment asks for (the suite runs once on each)."""

from __future__ import annotations

import os
from typing import Any


def test_the_app_runs_the_executor_the_environment_asks_for(app: Any):
    wanted = "graphql-core" if os.environ.get("OMNICHANNEL_FAST_EXECUTOR") == "0" else "fast"
    assert app.state.executor == wanted
