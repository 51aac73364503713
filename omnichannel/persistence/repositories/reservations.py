"""Reserving, releasing and selling held stock with conditional UPDATEs, inside a unit of work.

Every method takes holds in domain.reservations.lock_order (sorted by location, variant) and
touches one row per statement in that order, so concurrent orders over the same rows queue
instead of deadlocking. A reservation is one conditional UPDATE: it succeeds only while the row
still has the units available, so no read-then-write race can oversell.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.inventory import StockLevel
from ...domain.reservations import Hold
from ..db import fetch
from ..mappers import STOCK_COLUMNS, to_stock_level


class StockShort(Exception):
    """A reservation lost: the location no longer has this hold available (the transaction must roll back)."""

    def __init__(self, hold: Hold) -> None:
        super().__init__(f"not enough stock for {hold}")
        self.hold = hold


class HeldStockMissing(RuntimeError):
    """Releasing or selling more than is reserved: a bug, never a business refusal."""


RESERVE = (
    "UPDATE stock_level SET reserved = reserved + $3, updated_at = now() "
    "WHERE location_id = $1 AND variant_id = $2 AND on_hand - reserved - safety_stock >= $3 "
    f"RETURNING {STOCK_COLUMNS}"
)
RELEASE = (
    "UPDATE stock_level SET reserved = reserved - $3, updated_at = now() "
    "WHERE location_id = $1 AND variant_id = $2 AND reserved >= $3 "
    f"RETURNING {STOCK_COLUMNS}"
)
SELL = (
    "UPDATE stock_level SET on_hand = on_hand - $3, reserved = reserved - $3, updated_at = now() "
    "WHERE location_id = $1 AND variant_id = $2 AND reserved >= $3 AND on_hand >= $3 "
    f"RETURNING {STOCK_COLUMNS}"
)


class ReservationStore:
    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self._conn = conn

    async def reserve(self, holds: Sequence[Hold]) -> list[StockLevel]:
        """Reserve every hold or raise StockShort naming the first that could not be covered."""
        levels = []
        for hold in holds:
            rows = await fetch(RESERVE, [hold.location_id, hold.variant_id, hold.quantity], conn=self._conn)
            if not rows:
                raise StockShort(hold)
            levels.append(to_stock_level(rows[0]))
        return levels

    async def release(self, holds: Sequence[Hold]) -> list[StockLevel]:
        return await self._apply(RELEASE, holds)

    async def sell(self, holds: Sequence[Hold]) -> list[StockLevel]:
        """Held units leave the building: on hand and reserved go down together."""
        return await self._apply(SELL, holds)

    async def _apply(self, sql: str, holds: Sequence[Hold]) -> list[StockLevel]:
        levels = []
        for hold in holds:
            rows = await fetch(sql, [hold.location_id, hold.variant_id, hold.quantity], conn=self._conn)
            if not rows:
                raise HeldStockMissing(f"{hold} is not reserved")
            levels.append(to_stock_level(rows[0]))
        return levels
