"""Migration 0015 starts right on a database with orders in flight: online holds and recent sales by
channel are filled from the orders themselves, with the SQL the aggregates are checked against."""

from __future__ import annotations

import importlib

from omnichannel.persistence import db
from omnichannel.persistence.repositories.allocation import (
    BACKFILL_CHANNEL_SALES,
    BACKFILL_ONLINE_RESERVED,
    ONLINE_HOLDS,
    SALES_BY_CHANNEL,
)


def test_the_migration_backfills_with_these_statements():
    migration = importlib.import_module("omnichannel.persistence.migrations.0015_inventory").Migration
    statements = [sql for op in migration.operations if hasattr(op, "sql") for sql in op.sql]
    assert BACKFILL_ONLINE_RESERVED in statements and BACKFILL_CHANNEL_SALES in statements
    # the fill runs before the constraint it must satisfy
    assert statements.index(BACKFILL_ONLINE_RESERVED) < next(
        i for i, s in enumerate(statements) if "stock_online_reserved_within" in s
    )


# PICKUP by transfer: units an open online order waits for are not at its pickup store yet (its
# fulfilment line counts them there), and until they ship they are an online hold at the source.
ONLINE_HOLDS_WITH_TRANSFERS = f"""
SELECT location_id, variant_id, SUM(held)::int AS held FROM (
  {ONLINE_HOLDS}
  UNION ALL
  SELECT t.to_location_id, x.variant_id, -SUM(x.quantity)::int FROM transfer t
  JOIN transfer_line x ON x.transfer_id = t.id JOIN customer_order o ON o.number = t.reference
  WHERE t.status IN ('REQUESTED', 'IN_TRANSIT') AND o.channel IN ('MINI_PROGRAM', 'APP')
    AND o.status IN ('PENDING_PAYMENT', 'CONFIRMED', 'PICKING', 'READY_FOR_PICKUP')
  GROUP BY 1, 2
  UNION ALL
  SELECT t.from_location_id, x.variant_id, SUM(x.quantity)::int FROM transfer t
  JOIN transfer_line x ON x.transfer_id = t.id WHERE t.status = 'REQUESTED' AND t.online GROUP BY 1, 2
) parts GROUP BY 1, 2"""


async def test_online_reserved_is_what_open_online_orders_hold(app):
    """The column kept by every reservation, release and sale equals the orders' own figure (levels of
    the SKUs the tests create through the API; this runs after them in the suite's order)."""
    rows = await db.fetch(
        f"SELECT s.location_id, s.variant_id, s.online_reserved, COALESCE(h.held, 0) AS held FROM stock_level s "
        f"JOIN variant v ON v.id = s.variant_id LEFT JOIN ({ONLINE_HOLDS_WITH_TRANSFERS}) h "
        "ON h.location_id = s.location_id AND h.variant_id = s.variant_id "
        "WHERE v.sku LIKE 'TST-%' AND s.online_reserved <> COALESCE(h.held, 0)"
    )
    assert [dict(r) for r in rows] == []


async def test_sales_by_channel_are_the_ledgers_sales(app):
    kept = await db.fetch(
        "SELECT location_id, day, online_units, store_units FROM channel_sales "
        "WHERE day >= (now() AT TIME ZONE 'UTC')::date - 27 AND day <= (now() AT TIME ZONE 'UTC')::date "
        "AND (online_units > 0 OR store_units > 0) ORDER BY 1, 2"
    )
    raw = await db.fetch(
        f"SELECT * FROM ({SALES_BY_CHANNEL}) x WHERE day >= (now() AT TIME ZONE 'UTC')::date - 27 "
        "AND (online_units > 0 OR store_units > 0) ORDER BY 1, 2"
    )
    assert [dict(r) for r in kept] == [dict(r) for r in raw]
