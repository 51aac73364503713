"""Failure counters shared by every server process (rows in `throttle`); the throttle repository.

Concurrent failures are all counted: a counter is changed only under its row lock.
`begin_attempt` / `finish_attempt` check and count an attempt around trying a secret, each in one
short transaction with the counters row-locked in key order (domain/throttle.py has the rule); no
connection is held while the secret is tried, so attempts queued on a key cannot starve the pool.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from ...domain.throttle import ThrottlePolicy, ThrottleState, after_failure, begin, finish, must_wait, retry_after
from ..db import execute, execute_many, fetch
from ..mappers import Row
from ..session import Session

Keys = Sequence[tuple[str, ThrottlePolicy]]
WAIT_FOR_TURN = 10.0  # seconds an attempt waits for attempts in flight before it is refused
_COLUMNS = "key, failures, window_started_at, locked_until, pending, pending_until"


def _state(row: Row) -> ThrottleState:
    return ThrottleState(
        row["failures"], row["window_started_at"], row["locked_until"], row["pending"], row["pending_until"]
    )


async def state(key: str, *, conn: BaseDBAsyncClient | None = None) -> ThrottleState | None:
    rows = await fetch(f"SELECT {_COLUMNS} FROM throttle WHERE key = $1", [key], conn=conn)
    return _state(rows[0]) if rows else None


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
        f"SELECT {_COLUMNS} FROM throttle WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE", [ordered], conn=conn
    )
    return {r["key"]: _state(r) for r in rows}


async def save(conn: BaseDBAsyncClient | None, states: Mapping[str, ThrottleState]) -> None:
    await execute_many(
        "UPDATE throttle SET failures = $2, window_started_at = $3, locked_until = $4, pending = $5, "
        "pending_until = $6 WHERE key = $1",
        [
            [key, s.failures, s.window_started_at, s.locked_until, s.pending, s.pending_until]
            for key, s in states.items()
        ],
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


async def begin_attempt(keys: Keys, clock: Callable[[], datetime], *, wait_up_to: float = WAIT_FOR_TURN) -> int:
    """Check and count one attempt before it is made: 0 when it may go ahead (it is then in flight on
    every key until finish_attempt), else the seconds until a locked key opens again. While attempts
    in flight hold the rest of a key's budget this waits for them (up to `wait_up_to` seconds)."""
    deadline = time.monotonic() + wait_up_to
    delay = 0.01
    while True:
        now = clock()
        async with in_transaction("default") as conn:
            states = await lock(conn, [key for key, _ in keys], now)
            wait = retry_after(states, now)
            if wait:
                return wait
            if not any(must_wait(states[key], policy, now) for key, policy in keys):
                await save(conn, {key: begin(states[key], policy, now) for key, policy in keys})
                return 0
        if time.monotonic() >= deadline:
            return 1
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)


async def finish_attempt(keys: Keys, now: datetime, *, wrong: bool) -> None:
    """End an attempt begun with begin_attempt; a wrong one counts as a failure of every key."""
    async with in_transaction("default") as conn:
        states = await lock(conn, [key for key, _ in keys], now)
        await save(conn, {key: finish(states[key], policy, now, wrong=wrong) for key, policy in keys})


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

    async def begin_attempt(
        self, keys: Keys, clock: Callable[[], datetime], *, wait_up_to: float = WAIT_FOR_TURN
    ) -> int:
        """Outside any transaction: each check is a short transaction of its own."""
        return await begin_attempt(keys, clock, wait_up_to=wait_up_to)

    async def finish_attempt(self, keys: Keys, now: datetime, *, wrong: bool) -> None:
        await finish_attempt(keys, now, wrong=wrong)
