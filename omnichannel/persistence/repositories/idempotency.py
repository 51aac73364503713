"""placeOrder idempotency keys: the first request with a key claims it; later ones find its order.

The claim is an INSERT ... ON CONFLICT DO NOTHING inside the placing transaction: a concurrent
duplicate blocks on the unique index until the first transaction ends, then sees its row (and its
order) - or, if the first one rolled back, claims the key itself. Exactly one order per key.
`lookup` outside a transaction is the cheap path for retries.
"""

from __future__ import annotations

from datetime import datetime

from ...domain.ports import IdempotencyClaim
from ..db import execute, fetch
from ..session import Session

SELECT = "SELECT id, fingerprint, order_id FROM idempotency_key WHERE caller = $1 AND key = $2"


class IdempotencyStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    async def claim(self, caller: str, key: str, fingerprint: str) -> IdempotencyClaim:
        conn = self._session.conn
        rows = await fetch(
            "INSERT INTO idempotency_key (caller, key, fingerprint) VALUES ($1, $2, $3) "
            "ON CONFLICT (caller, key) DO NOTHING RETURNING id",
            [caller, key, fingerprint],
            conn=conn,
        )
        if rows:
            return IdempotencyClaim(rows[0]["id"], fingerprint, None, True)
        row = (await fetch(SELECT, [caller, key], conn=conn))[0]
        return IdempotencyClaim(row["id"], row["fingerprint"], row["order_id"], False)

    async def lookup(self, caller: str, key: str) -> IdempotencyClaim | None:
        rows = await fetch(SELECT, [caller, key], conn=self._session.conn)
        return IdempotencyClaim(rows[0]["id"], rows[0]["fingerprint"], rows[0]["order_id"], False) if rows else None

    async def forget_older_than(self, cutoff: datetime) -> None:
        await execute("DELETE FROM idempotency_key WHERE created_at < $1", [cutoff], conn=self._session.conn)
