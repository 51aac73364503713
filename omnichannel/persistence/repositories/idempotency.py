"""placeOrder idempotency keys: the first request with a key claims it; later ones find its order.

The claim is an INSERT ... ON CONFLICT DO NOTHING inside the placing transaction: a concurrent
duplicate blocks on the unique index until the first transaction ends, then sees its row (and its
order) - or, if the first one rolled back, claims the key itself. Exactly one order per key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from ..db import execute, fetch


@dataclass(frozen=True, slots=True)
class Claim:
    id: int
    fingerprint: str
    order_id: int | None
    ours: bool  # True: this transaction just claimed the key and must create the order


async def claim(conn: BaseDBAsyncClient, caller: str, key: str, fingerprint: str) -> Claim:
    rows = await fetch(
        "INSERT INTO idempotency_key (caller, key, fingerprint) VALUES ($1, $2, $3) "
        "ON CONFLICT (caller, key) DO NOTHING RETURNING id",
        [caller, key, fingerprint],
        conn=conn,
    )
    if rows:
        return Claim(rows[0]["id"], fingerprint, None, True)
    rows = await fetch(
        "SELECT id, fingerprint, order_id FROM idempotency_key WHERE caller = $1 AND key = $2",
        [caller, key],
        conn=conn,
    )
    row = rows[0]
    return Claim(row["id"], row["fingerprint"], row["order_id"], False)


async def forget_older_than(cutoff: datetime) -> None:
    await execute("DELETE FROM idempotency_key WHERE created_at < $1", [cutoff])


async def lookup(caller: str, key: str) -> Claim | None:
    """A key already used by this caller (outside any transaction: the cheap path for retries)."""
    rows = await fetch(
        "SELECT id, fingerprint, order_id FROM idempotency_key WHERE caller = $1 AND key = $2", [caller, key]
    )
    return Claim(rows[0]["id"], rows[0]["fingerprint"], rows[0]["order_id"], False) if rows else None
