"""What placing an order at one location needs to know, read in one round trip.

The variants of the order, their price overrides, the location itself and its stock of them:
four lookups a pickup order would otherwise make one after another.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.ports import PlacementSnapshot
from ..db import fetch
from ..mappers import LOCATION_COLUMNS, VARIANT_COLUMNS, to_location, to_price_override, to_stock_level, to_variant

SNAPSHOT = f"""
SELECT (SELECT row_to_json(l) FROM (SELECT {LOCATION_COLUMNS} FROM location WHERE id = $2) l)::text AS location,
  {", ".join("v." + c for c in VARIANT_COLUMNS.split(", "))},
  s.location_id, s.variant_id, s.on_hand, s.reserved, s.safety_stock,
  (SELECT json_agg(json_build_object('variant_id', p.variant_id, 'channel', p.channel,
     'location_id', p.location_id, 'amount', p.amount::text))
   FROM price_override p WHERE p.variant_id = v.id)::text AS overrides
FROM (SELECT 1) AS one
LEFT JOIN variant v ON v.id = ANY($1::int[])
LEFT JOIN stock_level s ON s.variant_id = v.id AND s.location_id = $2
"""


async def snapshot(
    variant_ids: Sequence[int], location_id: int, *, conn: BaseDBAsyncClient | None = None
) -> PlacementSnapshot:
    rows = await fetch(SNAPSHOT, [list(variant_ids), location_id], conn=conn)
    raw_location = rows[0]["location"] if rows else None
    found = PlacementSnapshot(to_location(orjson.loads(raw_location)) if raw_location else None)
    for row in rows:
        if row["id"] is None:
            continue
        found.variants[row["id"]] = to_variant(row)
        found.overrides[row["id"]] = [
            to_price_override({**o, "amount": Decimal(o["amount"])}) for o in orjson.loads(row["overrides"] or "[]")
        ]
        if row["variant_id"] is not None:
            found.levels[row["id"]] = to_stock_level(row)
    return found
