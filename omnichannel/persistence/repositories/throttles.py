"""Failure counters shared by every server process (rows in `throttle`).

Concurrent failures are all counted: a counter is changed only under its row lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from ...domain.throttle import ThrottlePolicy, ThrottleState, after_failure
from ..db import execute, execute_many, fetch
from ..session import Session


async def state(key: str, *, conn: BaseDBAsyncClient | None = None) -> ThrottleState | None:
    rows = await fetch(
        "SELECT failures, window_started_at, locked_until FROM throttle WHERE key = $1", [key], conn=conn
    )
    if not rows:
        return None
    row = rows[0]
    return ThrottleState(row["failures"], row["window_started_at"], row["locked_until"])


async def lock(conn: BaseDBAsyncClient | None, keys: Sequence[str], now: datetime) -> dict[str, ThrottleState]:
    """The counters of these keys, row-locked (in key order) until the transaction ends."""
    ordered = sorted(set(keys))
    await execute(
        "INSERT INTO throttle (key, failures, window_started_at) SELECT k, 0, $2 FROM unnest($1::text[]) AS k "
        "ON CONFLICT (key) DO NOTHING",
        [ordered, now],
        conn=conn,
    )
    rows = await fetch(
        "SELECT key, failures, window_started_at, locked_until FROM throttle WHERE key = ANY($1::text[]) "
        "ORDER BY key FOR UPDATE",
        [ordered],
        conn=conn,
    )
    return {r["key"]: ThrottleState(r["failures"], r["window_started_at"], r["locked_until"]) for r in rows}


async def save(conn: BaseDBAsyncClient | None, states: Mapping[str, ThrottleState]) -> None:
    await execute_many(
        "UPDATE throttle SET failures = $2, window_started_at = $3, locked_until = $4 WHERE key = $1",
        [[key, s.failures, s.window_started_at, s.locked_until] for key, s in states.items()],
        conn=conn,
    )


async def record_failure(
    key: str, policy: ThrottlePolicy, now: datetime, *, conn: BaseDBAsyncClient | None = None
) -> ThrottleState:
    """Count a failure under the counter's row lock; without `conn`, in a transaction of its own."""
    if conn is None:
        async with in_transaction("default") as own:
            return await record_failure(key, policy, now, conn=own)
    current = (await lock(conn, [key], now))[key]
    new = after_failure(current, policy, now)
    await save(conn, {key: new})
    return new


async def clear(key: str, *, conn: BaseDBAsyncClient | None = None) -> None:
    await execute("DELETE FROM throttle WHERE key = $1", [key], conn=conn)


class ThrottleStore:
    """The throttle repository of the unit of work (domain.ports.ThrottleRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def state(self, key: str) -> ThrottleState | None:
        return await state(key, conn=self._session.conn)

    async def record_failure(self, key: str, policy: ThrottlePolicy, now: datetime) -> ThrottleState:
        return await record_failure(key, policy, now, conn=self._session.conn)

    async def clear(self, key: str) -> None:
        await clear(key, conn=self._session.conn)

    async def lock(self, keys: Sequence[str], now: datetime) -> dict[str, ThrottleState]:
        return await lock(self._session.conn, keys, now)

    async def save(self, states: Mapping[str, ThrottleState]) -> None:
        await save(self._session.conn, states)
