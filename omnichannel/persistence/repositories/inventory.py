"""Stock levels and the stock ledger."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.geo import BoundingBox
from ...domain.inventory import StockLevel, StockMovement
from ..db import execute, execute_many, fetch
from ..mappers import STOCK_COLUMNS, to_stock_level, to_stock_levels


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


class StockStore:
    """Stock writes inside a unit of work's transaction."""

    def __init__(self, conn: BaseDBAsyncClient) -> None:
        self._conn = conn

    async def lock_level(self, location_id: int, variant_id: int) -> StockLevel:
        """The level, row-locked until commit; a zero row is created when there is none yet."""
        rows = await fetch(
            "INSERT INTO stock_level (variant_id, location_id) VALUES ($1, $2) "
            "ON CONFLICT (variant_id, location_id) DO UPDATE SET on_hand = stock_level.on_hand "
            f"RETURNING {STOCK_COLUMNS}",
            [variant_id, location_id],
            conn=self._conn,
        )
        return to_stock_level(rows[0])

    async def apply(self, level: StockLevel, movement: StockMovement, actor: str) -> None:
        """Write the new level and its ledger movement (the caller holds the row lock)."""
        await execute(
            "UPDATE stock_level SET on_hand = $3, reserved = $4, safety_stock = $5, updated_at = now() "
            "WHERE variant_id = $1 AND location_id = $2",
            [level.variant_id, level.location_id, level.on_hand, level.reserved, level.safety_stock],
            conn=self._conn,
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
            conn=self._conn,
        )
