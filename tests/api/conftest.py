"""Fixtures of the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.loyalty import Outbox


@pytest.fixture(scope="session")
def outbox(app: Any) -> Iterator[Outbox]:
    """Sign-in codes land here instead of the log (the app's code sender, swapped for the session)."""
    services = app.state.services
    previous = services.code_sender
    box = Outbox()
    services.code_sender = box
    yield box
    services.code_sender = previous
