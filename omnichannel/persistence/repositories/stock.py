"""Stock levels and the stock ledger; the stock repository of the unit of work."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from ...domain.geo import BoundingBox, bounding_box
from ...domain.inventory import MovementReason, StockLevel, StockMovement
from ...domain.locations import Location
from ...domain.online_allocation import available_online
from ...domain.ports import StockShort
from ...domain.reservations import Hold
from ..db import execute, execute_many, fetch
from ..mappers import STOCK_COLUMNS, to_stock_level, to_stock_levels
from ..session import Session
from . import allocation, locations


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
        "SELECT s.location_id, s.variant_id, s.on_hand, s.reserved, s.safety_stock, s.online_reserved "
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


# The online cap of domain.online_allocation.available_online, in SQL: online orders may hold at most
# floor(share x (on_hand - safety_stock)) units of a level ($1: location); share in 1/10,000ths.
SHARE_OF = (
    "COALESCE((SELECT round(p.online_share * 10000)::bigint FROM allocation_policy p "
    "WHERE p.location_id = {loc}), 10000)"
)
ONLINE_CAP = "(" + SHARE_OF + " * (on_hand - safety_stock) / 10000)"

RESERVE = (
    "UPDATE stock_level SET reserved = reserved + $3, "
    "online_reserved = online_reserved + CASE WHEN $4 THEN $3 ELSE 0 END, updated_at = now() "
    "WHERE location_id = $1 AND variant_id = $2 AND on_hand - reserved - safety_stock >= $3 "
    f"AND (NOT $4 OR online_reserved + $3 <= {ONLINE_CAP.format(loc='$1')}) "
    f"RETURNING {STOCK_COLUMNS}"
)
RELEASE = (
    "UPDATE stock_level SET reserved = reserved - $3, "
    "online_reserved = online_reserved - CASE WHEN $4 THEN $3 ELSE 0 END, updated_at = now() "
    "WHERE location_id = $1 AND variant_id = $2 AND reserved >= $3 AND (NOT $4 OR online_reserved >= $3) "
    f"RETURNING {STOCK_COLUMNS}"
)
# Selling held units after a stock count found fewer than were reserved (domain.sync): on hand stops
# at 0, and the units the count did not find are written back first (COUNT_SHORT), so the ledger
# still sums to the level.
SELL = (
    "WITH old AS (SELECT on_hand FROM stock_level WHERE location_id = $1 AND variant_id = $2 FOR UPDATE) "
    "UPDATE stock_level s SET on_hand = greatest(s.on_hand - $3, 0), reserved = s.reserved - $3, "
    "online_reserved = s.online_reserved - CASE WHEN $4 THEN $3 ELSE 0 END, updated_at = now() "
    "FROM old WHERE s.location_id = $1 AND s.variant_id = $2 AND s.reserved >= $3 "
    "AND (NOT $4 OR s.online_reserved >= $3) "
    "RETURNING s.location_id, s.variant_id, s.on_hand, s.reserved, s.safety_stock, s.online_reserved, "
    "old.on_hand AS before"
)
COUNT_SHORT = "sold units the last stock count did not find"

SELL_FROM_SHELF = (  # a till sale: what is on hand and not promised to another order (domain.till)
    "UPDATE stock_level SET on_hand = on_hand - $3, updated_at = now() "
    "WHERE location_id = $1 AND variant_id = $2 AND on_hand - reserved >= $3 "
    f"RETURNING {STOCK_COLUMNS}"
)
# units sold per location and day by channel group: what the automatic online share is computed from.
# The day is the transaction's own (UTC), the same clock as the SALE movements' created_at, so the
# counts always equal the ledger's sales (a caller's clock may differ: tests move it)
COUNT_SALE = (
    "INSERT INTO channel_sales (location_id, day, online_units, store_units) "
    "VALUES ($1, (now() AT TIME ZONE 'UTC')::date, $2, $3) "
    "ON CONFLICT (location_id, day) DO UPDATE SET online_units = channel_sales.online_units + EXCLUDED.online_units, "
    "store_units = channel_sales.store_units + EXCLUDED.store_units"
)


RECEIVE = (
    "INSERT INTO stock_level AS s (location_id, variant_id, on_hand) VALUES ($1, $2, $3) "
    "ON CONFLICT (variant_id, location_id) DO UPDATE SET on_hand = s.on_hand + $3, updated_at = now() "
    f"RETURNING {STOCK_COLUMNS}"
)

RECEIVE_HELD = (
    "INSERT INTO stock_level AS s (location_id, variant_id, on_hand, reserved, online_reserved) "
    "VALUES ($1, $2, $3, $3, CASE WHEN $4 THEN $3 ELSE 0 END) "
    "ON CONFLICT (variant_id, location_id) DO UPDATE SET on_hand = s.on_hand + $3, reserved = s.reserved + $3, "
    "online_reserved = s.online_reserved + CASE WHEN $4 THEN $3 ELSE 0 END, "
    f"updated_at = now() RETURNING {STOCK_COLUMNS}"
)


class StockStore:
    """The stock repository of the unit of work (domain.ports.StockRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def reserve(self, holds: Sequence[Hold], *, online: bool = False) -> list[StockLevel]:
        levels = []
        for hold in holds:
            rows = await fetch(
                RESERVE, [hold.location_id, hold.variant_id, hold.quantity, online], conn=self._session.conn
            )
            if not rows:
                raise StockShort(hold)
            levels.append(to_stock_level(rows[0]))
        return levels

    async def sell_from_shelf(self, holds: Sequence[Hold], *, count_sale: bool = False) -> list[StockLevel]:
        """A till sale: units off the shelf at once (no reservation); counted as sold in store when
        `count_sale` (channel_sales, on the transaction's UTC day)."""
        levels = []
        for hold in holds:
            rows = await fetch(
                SELL_FROM_SHELF, [hold.location_id, hold.variant_id, hold.quantity], conn=self._session.conn
            )
            if not rows:
                raise StockShort(hold)
            levels.append(to_stock_level(rows[0]))
        if count_sale:
            await self._count_sales(holds, online=False)
        return levels

    async def release(self, holds: Sequence[Hold], *, online: bool = False) -> list[StockLevel]:
        return await self._apply_holds(RELEASE, holds, online)

    async def sell(self, holds: Sequence[Hold], *, online: bool = False, count_sale: bool = False) -> list[StockLevel]:
        """Held units leave the building: on hand and reserved go down together (on hand not below 0,
        after a short stock count); counted as sold by channel group when `count_sale` (a transfer
        leaving its source is not a sale)."""
        levels = []
        for hold in holds:
            rows = await fetch(
                SELL, [hold.location_id, hold.variant_id, hold.quantity, online], conn=self._session.conn
            )
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
        if count_sale:
            await self._count_sales(holds, online=online)
        return levels

    async def _count_sales(self, holds: Sequence[Hold], *, online: bool) -> None:
        """Counted on the transaction's UTC day (COUNT_SALE), the clock of the SALE movements."""
        units: dict[int, int] = defaultdict(int)
        for hold in holds:
            units[hold.location_id] += hold.quantity
        await execute_many(
            COUNT_SALE,
            [[loc, n if online else 0, 0 if online else n] for loc, n in sorted(units.items())],
            conn=self._session.conn,
        )

    async def _apply_holds(self, sql: str, holds: Sequence[Hold], online: bool) -> list[StockLevel]:
        levels = []
        for hold in holds:
            rows = await fetch(sql, [hold.location_id, hold.variant_id, hold.quantity, online], conn=self._session.conn)
            if not rows:
                raise HeldStockMissing(f"{hold} is not reserved")
            levels.append(to_stock_level(rows[0]))
        return levels

    async def receive(self, holds: Sequence[Hold]) -> list[StockLevel]:
        """Units arrive: on hand goes up (a row is created for a variant the location never had)."""
        return await self._upsert(RECEIVE, holds, ())

    async def receive_held(self, holds: Sequence[Hold], *, online: bool = False) -> list[StockLevel]:
        """Units arrive for an order waiting there: on hand and reserved (and an online order's share
        of the online holds) go up together."""
        return await self._upsert(RECEIVE_HELD, holds, (online,))

    async def _upsert(self, sql: str, holds: Sequence[Hold], extra: tuple[bool, ...]) -> list[StockLevel]:
        levels = []
        for hold in holds:
            rows = await fetch(sql, [hold.location_id, hold.variant_id, hold.quantity, *extra], conn=self._session.conn)
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

    async def available(self, location_id: int, variant_ids: Sequence[int], *, online: bool = False) -> dict[int, int]:
        rows = await fetch(
            f"SELECT {STOCK_COLUMNS} FROM stock_level WHERE variant_id = ANY($1::int[]) AND location_id = $2",
            [list(variant_ids), location_id],
            conn=self._session.conn,
        )
        levels = to_stock_levels(rows)
        if not online:
            return {level.variant_id: level.available for level in levels}
        share = (await allocation.shares([location_id])).get(location_id, 1.0)
        return {level.variant_id: available_online(level, share) for level in levels}

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
