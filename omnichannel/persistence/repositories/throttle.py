"""Failure counters shared by every server process (rows in `throttle`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.throttle import ThrottlePolicy, ThrottleState, after_failure
from ..db import execute, execute_many, fetch
from ..uow import transactional


async def state(key: str) -> ThrottleState | None:
    rows = await fetch("SELECT failures, window_started_at, locked_until FROM throttle WHERE key = $1", [key])
    if not rows:
        return None
    row = rows[0]
    return ThrottleState(row["failures"], row["window_started_at"], row["locked_until"])


async def record_failure(key: str, policy: ThrottlePolicy, now: datetime) -> ThrottleState:
    """Count a failure atomically (row lock), so concurrent guesses are all counted."""

    async def work(uow) -> ThrottleState:  # type: ignore[no-untyped-def]
        await execute(
            "INSERT INTO throttle (key, failures, window_started_at) VALUES ($1, 0, $2) ON CONFLICT (key) DO NOTHING",
            [key, now],
            conn=uow.conn,
        )
        rows = await fetch(
            "SELECT failures, window_started_at, locked_until FROM throttle WHERE key = $1 FOR UPDATE",
            [key],
            conn=uow.conn,
        )
        row = rows[0]
        current = ThrottleState(row["failures"], row["window_started_at"], row["locked_until"])
        new = after_failure(current, policy, now)
        await execute(
            "UPDATE throttle SET failures = $2, window_started_at = $3, locked_until = $4 WHERE key = $1",
            [key, new.failures, new.window_started_at, new.locked_until],
            conn=uow.conn,
        )
        return new

    new_state, _ = await transactional(work)
    return new_state


async def clear(key: str) -> None:
    await execute("DELETE FROM throttle WHERE key = $1", [key])


class ThrottleStore:
    """Failure counters inside a unit of work: lock them, decide, save; concurrent attempts queue."""

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self._conn = conn

    async def lock(self, keys: Sequence[str], now: datetime) -> dict[str, ThrottleState]:
        """The counters of these keys, row-locked (in key order) until the transaction ends."""
        ordered = sorted(set(keys))
        await execute(
            "INSERT INTO throttle (key, failures, window_started_at) SELECT k, 0, $2 FROM unnest($1::text[]) AS k "
            "ON CONFLICT (key) DO NOTHING",
            [ordered, now],
            conn=self._conn,
        )
        rows = await fetch(
            "SELECT key, failures, window_started_at, locked_until FROM throttle WHERE key = ANY($1::text[]) "
            "ORDER BY key FOR UPDATE",
            [ordered],
            conn=self._conn,
        )
        return {r["key"]: ThrottleState(r["failures"], r["window_started_at"], r["locked_until"]) for r in rows}

    async def save(self, states: dict[str, ThrottleState]) -> None:
        await execute_many(
            "UPDATE throttle SET failures = $2, window_started_at = $3, locked_until = $4 WHERE key = $1",
            [[key, s.failures, s.window_started_at, s.locked_until] for key, s in states.items()],
            conn=self._conn,
        )
