"""Connecting tortoise to PostgreSQL, creating databases and applying the checked-in migrations."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.migrations.api import migrate as run_migrations

APP_LABEL = "omnichannel"
MODELS = ["omnichannel.persistence.models"]
MIGRATIONS = "omnichannel.persistence.migrations"


def normalise_url(url: str, pool_size: int | None = None) -> str:
    """postgres:// URL with tortoise's pool parameter names; keeps ?host=/socket/dir URLs working."""
    parts = urlsplit(url)
    scheme = "postgres" if parts.scheme in ("postgres", "postgresql", "asyncpg") else parts.scheme
    query = dict(parse_qsl(parts.query))
    for legacy, name in (("maxsize", "max_size"), ("minsize", "min_size")):
        if legacy in query:
            query[name] = query.pop(legacy)
    if pool_size is not None:
        query.setdefault("max_size", str(pool_size))
        query.setdefault("min_size", str(min(2, pool_size)))
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Released pool connections skip asyncpg's reset query (one round trip per statement saved).

    asyncpg still rolls back an open transaction on release; we never leave session state behind
    (no LISTEN, SET or session advisory locks on pooled connections: migrate() uses its own).
    """
    del connection


def tortoise_config(url: str, pool_size: int | None = None) -> dict[str, Any]:
    connection = expand_db_url(normalise_url(url, pool_size))
    connection["credentials"]["reset"] = _keep_session
    return {
        "connections": {"default": connection},
        "apps": {APP_LABEL: {"models": MODELS, "default_connection": "default", "migrations": MIGRATIONS}},
        "use_tz": True,
        "timezone": "UTC",
    }


# Used only by the tortoise CLI when a developer runs `tortoise -c ... makemigrations`.
TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/omnichannel"))


@asynccontextmanager
async def open_database(url: str, pool_size: int | None = None) -> AsyncIterator[None]:
    """Initialise tortoise for the whole process (lifespan, CLI) and close it on exit."""
    await Tortoise.init(config=tortoise_config(url, pool_size), _enable_global_fallback=True)
    try:
        yield
    finally:
        await Tortoise.close_connections()


def connection() -> BaseDBAsyncClient:
    client: BaseDBAsyncClient = connections.get("default")
    return client


async def migrate(url: str) -> None:
    """Apply every checked-in migration not yet applied. Idempotent; safe to run on every start.

    A PostgreSQL advisory lock makes concurrent callers (several servers starting at once) wait
    for each other instead of racing on the same DDL.
    """
    raw = await _raw_connect(url)
    try:
        await raw.execute("SELECT pg_advisory_lock(hashtext('omnichannel.migrate'))")
        try:
            await run_migrations(config=tortoise_config(url, pool_size=2))
        finally:
            await Tortoise.close_connections()
            await raw.execute("SELECT pg_advisory_unlock(hashtext('omnichannel.migrate'))")
    finally:
        await raw.close()


def _dsn_and_options(url: str) -> tuple[str, dict[str, Any]]:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    options: dict[str, Any] = {}
    if "host" in query:  # unix socket directory (embedded PostgreSQL)
        options["host"] = query["host"]
    scheme = "postgresql" if parts.scheme in ("postgres", "asyncpg") else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, "", "")), options


async def _raw_connect(url: str, database: str | None = None) -> asyncpg.Connection:
    dsn, options = _dsn_and_options(url)
    if database is not None:
        options["database"] = database
    return await asyncpg.connect(dsn, **options)


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


async def create_database(url: str, *, exist_ok: bool = True) -> bool:
    """Create the database the URL names (connecting to `postgres`). Returns True when created."""
    name = database_name(url)
    raw = await _raw_connect(url, database="postgres")
    try:
        exists = await raw.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            if not exist_ok:
                raise RuntimeError(f"database {name} already exists")
            return False
        await raw.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await raw.close()


async def drop_database(url: str) -> None:
    name = database_name(url)
    raw = await _raw_connect(url, database="postgres")
    try:
        await raw.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await raw.close()


async def listening_connection(url: str, channel: str, on_notify: Callable[[str], None]) -> asyncpg.Connection:
    """A connection of its own that LISTENs on `channel` (pooled connections never LISTEN)."""
    raw = await _raw_connect(url)
    await raw.add_listener(channel, lambda _conn, _pid, _channel, payload: on_notify(payload))
    return raw


async def open_pool(url: str, size: int) -> asyncpg.Pool:
    """A small pool of plain connections apart from the ORM's, for work that holds a connection
    while it waits on the outside world (webhook deliveries), so requests never wait behind it."""
    dsn, options = _dsn_and_options(url)
    return await asyncpg.create_pool(dsn, min_size=0, max_size=size, **options)


async def ping(url_or_none: str | None = None) -> bool:
    """True when the database answers a trivial query through the ORM's pool."""
    del url_or_none
    await connection().execute_query("SELECT 1")
    return True


async def fetch(sql: str, params: Sequence[Any] = (), *, conn: BaseDBAsyncClient | None = None) -> list[asyncpg.Record]:
    """Run one statement on the current connection (the unit of work's transaction inside one)."""
    client = conn or connection()
    async with client.acquire_connection() as raw:
        rows: list[asyncpg.Record] = await raw.fetch(sql, *params)
        return rows


async def execute(sql: str, params: Sequence[Any] = (), *, conn: BaseDBAsyncClient | None = None) -> str:
    client = conn or connection()
    async with client.acquire_connection() as raw:
        status: str = await raw.execute(sql, *params)
        return status


async def execute_many(sql: str, rows: Sequence[Sequence[Any]], *, conn: BaseDBAsyncClient | None = None) -> None:
    client = conn or connection()
    async with client.acquire_connection() as raw:
        await raw.executemany(sql, rows)


# What a database outage looks like from here: the server refuses or drops connections, shuts down
# (57P01 admin_shutdown on a restart, 57P03 cannot_connect_now while it starts), or the pool is
# closed or gives no connection in time. tortoise wraps asyncpg's errors, so the cause chain is read.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable
    TimeoutError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.OperatorInterventionError,  # admin_shutdown, crash_shutdown
    asyncpg.exceptions.ConnectionFailureError,
)
_CLOSED = ("connection is closed", "pool is closing", "pool is closed")
# The server ended the connection (a restart's admin_shutdown, pg_terminate_backend) while it sat idle
# and asyncpg read the FATAL before the socket's close: its protocol is left consuming an error, and
# the next statement on it fails with this InternalClientError instead of "connection is closed".
_TERMINATED_WHILE_IDLE = "another operation (2) is in progress"


def is_unavailable(error: BaseException) -> bool:
    """True when the error says the database cannot be reached now (worth retrying), not that a
    statement was wrong."""
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 8:
        if isinstance(current, _UNAVAILABLE):
            return True
        if isinstance(current, asyncpg.exceptions.InterfaceError) and any(t in str(current) for t in _CLOSED):
            return True
        if isinstance(current, asyncpg.exceptions.InternalClientError) and _TERMINATED_WHILE_IDLE in str(current):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False
