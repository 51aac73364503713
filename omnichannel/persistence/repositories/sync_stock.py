"""Counted stock applied set-wise: a batch of thousands of rows in a handful of statements.

1. resolve store codes and SKUs to ids (one statement over the batch);
2. lock the levels the batch touches, in (location, variant) order - the order reservations lock in,
   so a sync and orders queue instead of deadlocking - and read them;
3. create the levels that are not there yet (one INSERT ... SELECT FROM unnest);
4. one UPDATE ... FROM unnest sets every changed level's on hand;
5. one INSERT ... SELECT FROM unnest writes a SYNC movement per changed level, the batch id as its
   reference (the stock ledger, as persistence.repositories.stock writes it).
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.inventory import MovementReason, StockLevel, StockMovement
from ...domain.sync import Resolved, StockApplied, StockRow
from ..db import execute, fetch
from ..mappers import to_stock_level
from ..session import Session

RESOLVE = """
SELECT x.n, l.id AS location_id, v.id AS variant_id
FROM unnest($1::int[], $2::text[], $3::text[]) AS x(n, code, sku)
LEFT JOIN location l ON l.code = x.code
LEFT JOIN variant v ON v.sku = x.sku
"""
LOCK = """
SELECT s.location_id, s.variant_id, s.on_hand, s.reserved, s.safety_stock, s.online_reserved
FROM stock_level s JOIN unnest($1::int[], $2::int[]) AS x(location_id, variant_id)
  ON s.location_id = x.location_id AND s.variant_id = x.variant_id
ORDER BY s.location_id, s.variant_id
FOR UPDATE OF s
"""
CREATE = """
INSERT INTO stock_level (variant_id, location_id, on_hand)
SELECT x.variant_id, x.location_id, 0 FROM unnest($1::int[], $2::int[]) AS x(location_id, variant_id)
ORDER BY x.location_id, x.variant_id
ON CONFLICT (variant_id, location_id) DO NOTHING
"""
UPDATE = """
UPDATE stock_level s SET on_hand = x.on_hand, updated_at = now()
FROM unnest($1::int[], $2::int[], $3::int[]) AS x(location_id, variant_id, on_hand)
WHERE s.location_id = x.location_id AND s.variant_id = x.variant_id
"""
MOVEMENTS = """
INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, on_hand_after,
  reserved_after, note, reference, actor)
SELECT x.variant_id, x.location_id, $5, x.delta, 0, x.after, x.reserved, $6, $7, $8
FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $9::int[]) AS x(location_id, variant_id, delta, after, reserved)
"""


class StockSync:
    _session: Session

    @property
    def _conn(self) -> BaseDBAsyncClient | None:
        return self._session.conn

    async def resolve_stock_rows(self, rows: Sequence[tuple[int, StockRow]]) -> Resolved:
        found = await fetch(
            RESOLVE,
            [[n for n, _ in rows], [r.store_code for _, r in rows], [r.sku for _, r in rows]],
            conn=self._conn,
        )
        unknown_stores = sorted(r["n"] for r in found if r["location_id"] is None)
        unknown_skus = sorted(r["n"] for r in found if r["location_id"] is not None and r["variant_id"] is None)
        ids = {r["n"]: (r["location_id"], r["variant_id"]) for r in found if r["location_id"] and r["variant_id"]}
        return Resolved(unknown_stores, unknown_skus, ids)

    async def apply_counts(self, counts: Sequence[tuple[int, int, int]], *, reference: str, actor: str) -> StockApplied:
        """counts: (location id, variant id, counted on hand), one per level."""
        conn = self._conn
        keys = sorted((loc, var) for loc, var, _ in counts)
        wanted = {(loc, var): on_hand for loc, var, on_hand in counts}
        missing = [k for k in keys if wanted[k] > 0]
        if missing:  # levels not there yet are created at 0, then counted like the rest
            await execute(CREATE, [[k[0] for k in missing], [k[1] for k in missing]], conn=conn)
        locked = await fetch(LOCK, [[k[0] for k in keys], [k[1] for k in keys]], conn=conn)
        before = {(r["location_id"], r["variant_id"]): to_stock_level(r) for r in locked}
        changes: list[tuple[StockMovement, StockLevel]] = []
        for key in keys:
            level = before.get(key)
            count = wanted[key]
            if level is None or level.on_hand == count:
                continue  # a 0 count where there is no level, or the figure it has: unchanged
            after = level._replace(on_hand=count)
            movement = StockMovement(
                key[0],
                key[1],
                MovementReason.SYNC,
                count - level.on_hand,
                0,
                count,
                level.reserved,
                "count",
                reference,
            )
            changes.append((movement, after))
        if changes:
            await execute(
                UPDATE,
                [
                    [m.location_id for m, _ in changes],
                    [m.variant_id for m, _ in changes],
                    [a.on_hand for _, a in changes],
                ],
                conn=conn,
            )
            await execute(
                MOVEMENTS,
                [
                    [m.location_id for m, _ in changes],
                    [m.variant_id for m, _ in changes],
                    [m.on_hand_delta for m, _ in changes],
                    [m.on_hand_after for m, _ in changes],
                    MovementReason.SYNC.value,
                    "count",
                    reference,
                    actor,
                    [m.reserved_after for m, _ in changes],
                ],
                conn=conn,
            )
        return StockApplied(changes, len(counts) - len(changes))
