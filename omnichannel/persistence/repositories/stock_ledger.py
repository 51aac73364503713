"""Reading the stock ledger (stock_movement), and checking it against the levels it explains."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg
from tortoise.transactions import in_transaction

from ...domain.inventory import MovementReason
from ..db import fetch


@dataclass(frozen=True, slots=True)
class MovementRow:
    id: int
    location_id: int
    variant_id: int
    reason: MovementReason
    on_hand_delta: int
    reserved_delta: int
    on_hand_after: int
    reserved_after: int
    note: str
    reference: str | None
    at: datetime


PAGE = """SELECT id, location_id, variant_id, reason, on_hand_delta, reserved_delta, on_hand_after, reserved_after,
  note, reference, created_at
FROM stock_movement
WHERE location_id = $1 AND ($2::int IS NULL OR variant_id = $2) AND ($3::timestamptz IS NULL OR created_at >= $3)
  AND ($4::bigint IS NULL OR id < $4)
ORDER BY id DESC LIMIT $5"""


def _row(r: asyncpg.Record) -> MovementRow:
    return MovementRow(
        r["id"], r["location_id"], r["variant_id"], MovementReason(r["reason"]), r["on_hand_delta"],
        r["reserved_delta"], r["on_hand_after"], r["reserved_after"], r["note"], r["reference"], r["created_at"],
    )  # fmt: skip


async def page(
    location_id: int, variant_id: int | None, since: datetime | None, before_id: int | None, limit: int
) -> list[MovementRow]:
    """A store's movements newest first (ids grow in commit-independent insert order; the id breaks ties)."""
    rows = await fetch(PAGE, [location_id, variant_id, since, before_id, limit])
    return [_row(r) for r in rows]


async def by_id(movement_id: int) -> MovementRow | None:
    rows = await fetch(PAGE.split("WHERE")[0] + "WHERE id = $1", [movement_id])
    return _row(rows[0]) if rows else None


@dataclass(frozen=True, slots=True)
class LedgerMismatch:
    location_id: int
    variant_id: int
    on_hand: int
    reserved: int
    on_hand_in_ledger: int
    reserved_in_ledger: int


# Every level whose on hand or reserved differs from the sum of its movements' deltas (a level with
# movements but no row counts as 0 / 0). Run in one REPEATABLE READ snapshot so concurrent changes,
# which write their level and movement in one transaction, never show as a mismatch.
CHECK = """SELECT COALESCE(s.location_id, m.location_id) AS location_id,
  COALESCE(s.variant_id, m.variant_id) AS variant_id,
  COALESCE(s.on_hand, 0) AS on_hand, COALESCE(s.reserved, 0) AS reserved,
  COALESCE(m.on_hand, 0) AS ledger_on_hand, COALESCE(m.reserved, 0) AS ledger_reserved
FROM stock_level s
FULL OUTER JOIN (
  SELECT location_id, variant_id, SUM(on_hand_delta) AS on_hand, SUM(reserved_delta) AS reserved
  FROM stock_movement GROUP BY location_id, variant_id
) m ON m.location_id = s.location_id AND m.variant_id = s.variant_id
WHERE COALESCE(s.on_hand, 0) <> COALESCE(m.on_hand, 0) OR COALESCE(s.reserved, 0) <> COALESCE(m.reserved, 0)
ORDER BY 1, 2 LIMIT $1"""


async def mismatches(limit: int = 1000) -> tuple[int, list[LedgerMismatch]]:
    """(levels checked, levels the ledger does not explain) in one consistent snapshot."""
    async with in_transaction("default") as conn:
        await conn.execute_script("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        counted = await fetch("SELECT count(*) AS n FROM stock_level", conn=conn)
        rows = await fetch(CHECK, [limit], conn=conn)
    found = [
        LedgerMismatch(r["location_id"], r["variant_id"], r["on_hand"], r["reserved"], int(r["ledger_on_hand"]),
                       int(r["ledger_reserved"]))
        for r in rows
    ]  # fmt: skip
    return int(counted[0]["n"]), found
