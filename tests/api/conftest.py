"""Fixtures of the API tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from omnichannel.persistence import db
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


@pytest_asyncio.fixture
async def keep_policies(app: Any) -> AsyncIterator[None]:
    """Policies are per store and every later test's online orders obey them: put them back, pass or fail."""
    before = await db.fetch("SELECT location_id, online_share, automatic, min_share, max_share FROM allocation_policy")
    yield
    await db.execute("DELETE FROM allocation_policy")
    for row in before:
        await db.execute(
            "INSERT INTO allocation_policy (location_id, online_share, automatic, min_share, max_share) "
            "VALUES ($1, $2, $3, $4, $5)",
            list(row.values()),
        )
