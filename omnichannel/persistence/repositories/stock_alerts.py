"""Low-stock alerts: raising one per level at a time, resolving it, listing them; the safety stock itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from ...domain.inventory import StockLevel
from ...domain.stock_alerts import LowStockAlert
from ..db import execute, fetch
from ..mappers import STOCK_COLUMNS, to_stock_level
from ..session import Session

ALERT_COLUMNS = "id, location_id, variant_id, on_hand, reserved, safety_stock, raised_at, resolved_at"

# the partial unique index uniq_low_stock_alert_open keeps one open alert per level: a second raise is a no-op
RAISE = f"""INSERT INTO low_stock_alert (location_id, variant_id, on_hand, reserved, safety_stock, raised_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (location_id, variant_id) WHERE resolved_at IS NULL DO NOTHING
RETURNING {ALERT_COLUMNS}"""
RESOLVE = (
    "UPDATE low_stock_alert SET resolved_at = $3 WHERE location_id = $1 AND variant_id = $2 AND resolved_at IS NULL"
)

PAGE = f"""SELECT {ALERT_COLUMNS} FROM low_stock_alert
WHERE ($1::int[] IS NULL OR location_id = ANY($1::int[])) AND (NOT $2 OR resolved_at IS NULL)
  AND ($3::bigint IS NULL OR id < $3)
ORDER BY id DESC LIMIT $4"""


def to_alert(r: asyncpg.Record) -> LowStockAlert:
    return LowStockAlert(
        r["id"], r["location_id"], r["variant_id"], r["on_hand"], r["reserved"], r["safety_stock"], r["raised_at"],
        r["resolved_at"],
    )  # fmt: skip


async def page(
    location_ids: Sequence[int] | None, open_only: bool, before_id: int | None, limit: int
) -> list[LowStockAlert]:
    """Alerts newest first (at these locations; open ones only), those with an id below before_id."""
    rows = await fetch(PAGE, [list(location_ids) if location_ids is not None else None, open_only, before_id, limit])
    return [to_alert(r) for r in rows]


async def by_id(alert_id: int) -> LowStockAlert | None:
    rows = await fetch(f"SELECT {ALERT_COLUMNS} FROM low_stock_alert WHERE id = $1", [alert_id])
    return to_alert(rows[0]) if rows else None


class StockAlertStore:
    """Safety stock and alerts of the unit of work (domain.ports.StockAlertRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def raise_alert(self, level: StockLevel, at: datetime) -> LowStockAlert | None:
        """Open an alert for the level as it is now; None when one is open already."""
        rows = await fetch(
            RAISE,
            [level.location_id, level.variant_id, level.on_hand, level.reserved, level.safety_stock, at],
            conn=self._session.conn,
        )
        return to_alert(rows[0]) if rows else None

    async def resolve(self, location_id: int, variant_id: int, at: datetime) -> bool:
        status = await execute(RESOLVE, [location_id, variant_id, at], conn=self._session.conn)
        return not status.endswith(" 0")

    async def set_safety_stock(self, location_id: int, variant_id: int, safety_stock: int) -> StockLevel:
        """The level with its new safety stock (a zero row is created when there is none yet)."""
        rows = await fetch(
            "INSERT INTO stock_level (variant_id, location_id, safety_stock) VALUES ($1, $2, $3) "
            "ON CONFLICT (variant_id, location_id) DO UPDATE SET safety_stock = EXCLUDED.safety_stock, "
            f"updated_at = now() RETURNING {STOCK_COLUMNS}",
            [variant_id, location_id, safety_stock],
            conn=self._session.conn,
        )
        return to_stock_level(rows[0])
