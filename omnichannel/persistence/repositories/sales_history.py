"""Units sold per level and day (table sales_day): kept as sales happen, read by slow movers and
transfer proposals. The sales repository of the unit of work (domain.ports.SalesRepository)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg

from ...domain.sales_history import LevelSales, Sale, slowest_first
from ..db import execute, fetch
from ..session import Session

ADD = """
INSERT INTO sales_day AS d (location_id, variant_id, day, units, last_sold_at)
SELECT * FROM unnest($1::int[], $2::int[], $3::date[], $4::int[], $5::timestamptz[])
ON CONFLICT (location_id, variant_id, day)
DO UPDATE SET units = d.units + EXCLUDED.units, last_sold_at = greatest(d.last_sold_at, EXCLUDED.last_sold_at)
"""


# The slow levels of one store (or of every store), slowest first (domain.sales_history
# .slowest_first, in SQL so LIMIT applies): the window's units per level from sales_day, joined to
# the levels with stock; lastSoldAt read only for the rows returned. Two texts, so that the one for
# a store is planned on its (location_id, ...) index prefixes.
def _slow(one_store: bool) -> str:
    where_sold = "location_id = $1 AND day >= $2" if one_store else "day >= $2"
    where_level = "s.location_id = $1 AND " if one_store else "$1::int IS NULL AND "
    return f"""
WITH sold AS (
  SELECT location_id, variant_id, sum(units)::int AS units FROM sales_day
  WHERE {where_sold} GROUP BY location_id, variant_id
), slow AS (
  SELECT s.location_id, s.variant_id, s.on_hand, coalesce(w.units, 0) AS units
  FROM stock_level s JOIN location l ON l.id = s.location_id AND l.active
  LEFT JOIN sold w ON w.location_id = s.location_id AND w.variant_id = s.variant_id
  WHERE {where_level}s.on_hand > 0 AND (w.units IS NULL OR s.on_hand::float8 * $3 >= $4 * w.units)
  ORDER BY coalesce(w.units, 0) > 0,
    CASE WHEN coalesce(w.units, 0) = 0 THEN -s.on_hand::float8 ELSE -(s.on_hand::float8 * $3 / w.units) END,
    s.location_id, s.variant_id
  LIMIT $5
)
SELECT slow.*, (SELECT max(d.last_sold_at) FROM sales_day d
                WHERE d.location_id = slow.location_id AND d.variant_id = slow.variant_id) AS last_sold_at
FROM slow
"""


SLOW_AT_STORE = _slow(True)
SLOW_EVERYWHERE = _slow(False)

# What these variants sold over the window at these locations, with what each holds (levels that sold).
SOLD_AT = """
SELECT d.location_id, d.variant_id, coalesce(s.on_hand, 0) AS on_hand, sum(d.units)::int AS units,
       max(d.last_sold_at) AS last_sold_at
FROM sales_day d LEFT JOIN stock_level s ON s.location_id = d.location_id AND s.variant_id = d.variant_id
WHERE d.variant_id = ANY($1::int[]) AND d.location_id = ANY($2::int[]) AND d.day >= $3
GROUP BY d.location_id, d.variant_id, s.on_hand
"""


def _level(row: asyncpg.Record, window_days: int) -> LevelSales:
    return LevelSales(
        row["location_id"], row["variant_id"], row["on_hand"], row["units"], window_days, row["last_sold_at"]
    )


async def slow_levels(
    location_id: int | None, *, since: date, window_days: int, min_days_of_cover: float, limit: int
) -> list[LevelSales]:
    if location_id is None:
        rows = await fetch(SLOW_EVERYWHERE, [None, since, window_days, min_days_of_cover, limit])
    else:
        rows = await fetch(SLOW_AT_STORE, [location_id, since, window_days, min_days_of_cover, limit])
    return slowest_first([_level(r, window_days) for r in rows])


async def sold_at(
    variant_ids: Sequence[int], location_ids: Sequence[int], *, since: date, window_days: int
) -> list[LevelSales]:
    if not variant_ids or not location_ids:
        return []
    rows = await fetch(SOLD_AT, [list(variant_ids), list(location_ids), since])
    return [_level(r, window_days) for r in rows]


async def raw_units_from_orders() -> dict[tuple[int, int], int]:
    """Units per (location, variant) from the orders themselves: lines of fulfilments that shipped or
    were handed over (the figure the kept aggregate must equal; a check, never a report's source)."""
    rows = await fetch(
        "SELECT f.location_id, l.variant_id, sum(l.quantity)::int AS units FROM fulfillment f "
        "JOIN fulfillment_line l ON l.fulfillment_id = f.id "
        "WHERE f.status IN ('SHIPPED', 'COMPLETED') GROUP BY f.location_id, l.variant_id"
    )
    return {(r["location_id"], r["variant_id"]): r["units"] for r in rows}


async def kept_units() -> dict[tuple[int, int], int]:
    rows = await fetch(
        "SELECT location_id, variant_id, sum(units)::int AS units FROM sales_day GROUP BY location_id, variant_id"
    )
    return {(r["location_id"], r["variant_id"]): r["units"] for r in rows}


class SalesStore:
    """The sales repository of the unit of work: sales added in the transaction that made them."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def add(self, sales: Sequence[Sale]) -> None:
        merged: dict[tuple[int, int, date], tuple[int, datetime]] = {}
        for sale in sales:
            key = (sale.location_id, sale.variant_id, sale.day)
            units, last = merged.get(key, (0, sale.at))
            merged[key] = (units + sale.units, max(last, sale.at))
        if not merged:
            return
        keys = sorted(merged)  # one lock order for every writer of these rows
        await execute(
            ADD,
            [
                [k[0] for k in keys],
                [k[1] for k in keys],
                [k[2] for k in keys],
                [merged[k][0] for k in keys],
                [merged[k][1] for k in keys],
            ],
            conn=self._session.conn,
        )
