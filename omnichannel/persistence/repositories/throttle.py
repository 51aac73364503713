"""Failure counters shared by every server process (rows in `throttle`).

`begin_attempt` / `finish_attempt` check and count an attempt around trying a secret, each in one
short transaction with the counters row-locked in key order (domain/throttle.py has the rule); no
connection is held while the secret is tried, so attempts queued on a key cannot starve the pool.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.throttle import ThrottlePolicy, ThrottleState, after_failure, begin, finish, must_wait, retry_after
from ..db import execute, execute_many, fetch
from ..uow import transactional

Keys = Sequence[tuple[str, ThrottlePolicy]]
WAIT_FOR_TURN = 10.0  # seconds an attempt waits for attempts in flight before it is refused
_COLUMNS = "key, failures, window_started_at, locked_until, pending, pending_until"


def _state(row) -> ThrottleState:  # type: ignore[no-untyped-def]
    return ThrottleState(
        row["failures"], row["window_started_at"], row["locked_until"], row["pending"], row["pending_until"]
    )


async def state(key: str) -> ThrottleState | None:
    rows = await fetch(f"SELECT {_COLUMNS} FROM throttle WHERE key = $1", [key])
    return _state(rows[0]) if rows else None


async def record_failure(key: str, policy: ThrottlePolicy, now: datetime) -> ThrottleState:
    """Count a failure atomically (row lock), so concurrent guesses are all counted."""

    async def work(uow) -> ThrottleState:  # type: ignore[no-untyped-def]
        store = ThrottleStore(uow.conn)
        new = after_failure((await store.lock([key], now))[key], policy, now)
        await store.save({key: new})
        return new

    new_state, _ = await transactional(work)
    return new_state


async def clear(key: str) -> None:
    await execute("DELETE FROM throttle WHERE key = $1", [key])


async def begin_attempt(keys: Keys, clock: Callable[[], datetime], *, wait_up_to: float = WAIT_FOR_TURN) -> int:
    """Check and count one attempt before it is made: 0 when it may go ahead (it is then in flight on
    every key until finish_attempt), else the seconds until a locked key opens again. While attempts
    in flight hold the rest of a key's budget this waits for them (up to `wait_up_to` seconds)."""
    deadline = time.monotonic() + wait_up_to
    delay = 0.01
    while True:
        now = clock()

        async def work(uow, now: datetime = now) -> int | None:  # type: ignore[no-untyped-def]
            store = ThrottleStore(uow.conn)
            states = await store.lock([key for key, _ in keys], now)
            wait = retry_after(states, now)
            if wait:
                return wait
            if any(must_wait(states[key], policy, now) for key, policy in keys):
                return None
            await store.save({key: begin(states[key], policy, now) for key, policy in keys})
            return 0

        outcome, _ = await transactional(work)
        if outcome is not None:
            return outcome
        if time.monotonic() >= deadline:
            return 1
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.2)


async def finish_attempt(keys: Keys, now: datetime, *, wrong: bool) -> None:
    """End an attempt begun with begin_attempt; a wrong one counts as a failure of every key."""

    async def work(uow) -> None:  # type: ignore[no-untyped-def]
        store = ThrottleStore(uow.conn)
        states = await store.lock([key for key, _ in keys], now)
        await store.save({key: finish(states[key], policy, now, wrong=wrong) for key, policy in keys})

    await transactional(work)


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
            f"SELECT {_COLUMNS} FROM throttle WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE",
            [ordered],
            conn=self._conn,
        )
        return {r["key"]: _state(r) for r in rows}

    async def save(self, states: dict[str, ThrottleState]) -> None:
        await execute_many(
            "UPDATE throttle SET failures = $2, window_started_at = $3, locked_until = $4, pending = $5, "
            "pending_until = $6 WHERE key = $1",
            [
                [key, s.failures, s.window_started_at, s.locked_until, s.pending, s.pending_until]
                for key, s in states.items()
            ],
            conn=self._conn,
        )
