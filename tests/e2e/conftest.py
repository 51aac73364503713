"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import pytest

from .servers import server_env as _server_env


@pytest.fixture
def server_env(database_url: str, redis_url: str, broker_namespace: str) -> dict[str, str]:
    """servers.server_env for the session's database, Redis and broker namespace."""
    return _server_env(database_url, redis_url, broker_namespace)
