"""Stock levels and the stock ledger; the stock repository of the unit of work."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from ...domain.geo import BoundingBox, bounding_box
from ...domain.inventory import MovementReason, StockLevel, StockMovement
from ...domain.locations import Location
from ...domain.ports import StockShort
from ...domain.reservations import Hold
from ..db import execute, execute_many, fetch
from ..mappers import STOCK_COLUMNS, to_stock_level, to_stock_levels
from ..session import Session
from . import locations


async def levels(variant_ids: Sequence[int], location_ids: Sequence[int] | None = None) -> list[StockLevel]:
    """Stock rows of these variants, at these locations or at every active location."""
    if location_ids is None:
        rows = await fetch(
            f"SELECT {STOCK_COLUMNS} FROM stock_level s WHERE s.variant_id = ANY($1::int[]) "
            "AND EXISTS (SELECT 1 FROM location l WHERE l.id = s.location_id AND l.active) "
            "ORDER BY s.variant_id, s.location_id",
            [list(variant_ids)],
        )
    else:
        rows = await fetch(
            f"SELECT {STOCK_COLUMNS} FROM stock_level WHERE variant_id = ANY($1::int[]) "
            "AND location_id = ANY($2::int[]) ORDER BY variant_id, location_id",
            [list(variant_ids), list(location_ids)],
        )
    return to_stock_levels(rows)


async def levels_in_box(variant_ids: Sequence[int], box: BoundingBox) -> list[StockLevel]:
    """Stock rows of these variants at active locations inside a bounding box (index prefilter)."""
    rows = await fetch(
        "SELECT s.location_id, s.variant_id, s.on_hand, s.reserved, s.safety_stock "
        "FROM location l JOIN stock_level s ON s.location_id = l.id "
        "WHERE l.active AND l.lat BETWEEN $2 AND $3 AND l.lng BETWEEN $4 AND $5 "
        "AND s.variant_id = ANY($1::int[])",
        [list(variant_ids), box.min_lat, box.max_lat, box.min_lng, box.max_lng],
    )
    return [to_stock_level(r) for r in rows]


# Reserving, releasing and selling held stock: holds come in domain.reservations.lock_order (sorted by
# location, variant), one row per statement in that order, so concurrent orders over the same rows
# queue instead of deadlocking. A reservation is one conditional UPDATE: it succeeds only while the
# row still has the units available, so no read-then-write race can oversell.
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
# Selling held units after a stock count found fewer than were reserved (domain.sync): on hand stops
# at 0, and the units the count did not find are written back first (COUNT_SHORT), so the ledger
# still sums to the level.
SELL = (
    "WITH old AS (SELECT on_hand FROM stock_level WHERE location_id = $1 AND variant_id = $2 FOR UPDATE) "
    "UPDATE stock_level s SET on_hand = greatest(s.on_hand - $3, 0), reserved = s.reserved - $3, "
    "updated_at = now() FROM old WHERE s.location_id = $1 AND s.variant_id = $2 AND s.reserved >= $3 "
    "RETURNING s.location_id, s.variant_id, s.on_hand, s.reserved, s.safety_stock, old.on_hand AS before"
)
COUNT_SHORT = "sold units the last stock count did not find"

SELL_FROM_SHELF = (  # a till sale: what is on hand and not promised to another order (domain.till)
    "UPDATE stock_level SET on_hand = on_hand - $3, updated_at = now() "
    "WHERE location_id = $1 AND variant_id = $2 AND on_hand - reserved >= $3 "
    f"RETURNING {STOCK_COLUMNS}"
)


class StockStore:
    """The stock repository of the unit of work (domain.ports.StockRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def reserve(self, holds: Sequence[Hold]) -> list[StockLevel]:
        levels = []
        for hold in holds:
            rows = await fetch(RESERVE, [hold.location_id, hold.variant_id, hold.quantity], conn=self._session.conn)
            if not rows:
                raise StockShort(hold)
            levels.append(to_stock_level(rows[0]))
        return levels

    async def sell_from_shelf(self, holds: Sequence[Hold]) -> list[StockLevel]:
        levels = []
        for hold in holds:
            rows = await fetch(
                SELL_FROM_SHELF, [hold.location_id, hold.variant_id, hold.quantity], conn=self._session.conn
            )
            if not rows:
                raise StockShort(hold)
            levels.append(to_stock_level(rows[0]))
        return levels

    async def release(self, holds: Sequence[Hold]) -> list[StockLevel]:
        return await self._apply_holds(RELEASE, holds)

    async def sell(self, holds: Sequence[Hold]) -> list[StockLevel]:
        """Held units leave the building: on hand and reserved go down together (on hand not below 0)."""
        levels = []
        for hold in holds:
            rows = await fetch(SELL, [hold.location_id, hold.variant_id, hold.quantity], conn=self._session.conn)
            if not rows:
                raise HeldStockMissing(f"{hold} is not reserved")
            level, before = to_stock_level(rows[0]), rows[0]["before"]
            if before < hold.quantity:  # the count was short: the ledger gets the units back before the sale
                found = hold.quantity - before
                await self.add_movements(
                    [
                        StockMovement(
                            hold.location_id,
                            hold.variant_id,
                            MovementReason.ADJUSTMENT,
                            found,
                            0,
                            hold.quantity,
                            level.reserved + hold.quantity,
                            COUNT_SHORT,
                        )
                    ],
                    "system:count",
                )
            levels.append(level)
        return levels

    async def _apply_holds(self, sql: str, holds: Sequence[Hold]) -> list[StockLevel]:
        levels = []
        for hold in holds:
            rows = await fetch(sql, [hold.location_id, hold.variant_id, hold.quantity], conn=self._session.conn)
            if not rows:
                raise HeldStockMissing(f"{hold} is not reserved")
            levels.append(to_stock_level(rows[0]))
        return levels

    async def lock_level(self, location_id: int, variant_id: int) -> StockLevel:
        """The level, row-locked until commit; a zero row is created when there is none yet."""
        rows = await fetch(
            "INSERT INTO stock_level (variant_id, location_id) VALUES ($1, $2) "
            "ON CONFLICT (variant_id, location_id) DO UPDATE SET on_hand = stock_level.on_hand "
            f"RETURNING {STOCK_COLUMNS}",
            [variant_id, location_id],
            conn=self._session.conn,
        )
        return to_stock_level(rows[0])

    async def apply(self, level: StockLevel, movement: StockMovement, actor: str) -> None:
        """Write the new level and its ledger movement (the caller holds the row lock)."""
        await execute(
            "UPDATE stock_level SET on_hand = $3, reserved = $4, safety_stock = $5, updated_at = now() "
            "WHERE variant_id = $1 AND location_id = $2",
            [level.variant_id, level.location_id, level.on_hand, level.reserved, level.safety_stock],
            conn=self._session.conn,
        )
        await self.add_movements([movement], actor)

    async def add_movements(self, movements: Sequence[StockMovement], actor: str) -> None:
        await execute_many(
            "INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, "
            "on_hand_after, reserved_after, note, reference, actor) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            [
                [
                    m.variant_id,
                    m.location_id,
                    m.reason.value,
                    m.on_hand_delta,
                    m.reserved_delta,
                    m.on_hand_after,
                    m.reserved_after,
                    m.note,
                    m.reference,
                    actor,
                ]
                for m in movements
            ],
            conn=self._session.conn,
        )

    async def available(self, location_id: int, variant_ids: Sequence[int]) -> dict[int, int]:
        rows = await fetch(
            f"SELECT {STOCK_COLUMNS} FROM stock_level WHERE variant_id = ANY($1::int[]) AND location_id = $2",
            [list(variant_ids), location_id],
            conn=self._session.conn,
        )
        return {level.variant_id: level.available for level in to_stock_levels(rows)}

    async def nearby(
        self, origin: Location, variant_ids: Sequence[int], radius_km: float
    ) -> list[tuple[Location, Mapping[int, int]]]:
        box = bounding_box(origin.point, radius_km)
        available: dict[int, dict[int, int]] = defaultdict(dict)
        for level in await levels_in_box(variant_ids, box):
            available[level.location_id][level.variant_id] = level.available
        network: list[tuple[Location, Mapping[int, int]]] = []
        for location in await locations.in_box(box):
            self._session.loaders.location.prime(location.id, location)
            if location.distance_to(origin.point) <= radius_km:
                network.append((location, available.get(location.id, {})))
        return network
