"""Routing: head office's rules, and the candidate stock an order is planned over."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.geo import BoundingBox
from ...domain.routing import LocationStock, RoutingRules
from ..db import execute, fetch
from ..mappers import LOCATION_COLUMNS, ROUTING_RULES_COLUMNS, to_location, to_routing_rules
from ..session import Session

# Locations in the box first (index on lat, lng), then, for each of them and each variant of the
# order, one unique-index probe into stock_level: rows of other locations (or variants) are never read.
# For online orders ($6) what is available is capped by the location's online share: the SQL form of
# domain.online_allocation.available_online (share in 1/10,000ths; no policy: share 1).
_AVAILABLE = """CASE WHEN $6 THEN LEAST(st.on_hand - st.reserved - st.safety_stock,
    COALESCE((SELECT round(p.online_share * 10000)::bigint FROM allocation_policy p WHERE p.location_id = l.id), 10000)
      * (st.on_hand - st.safety_stock) / 10000 - st.online_reserved)
  ELSE st.on_hand - st.reserved - st.safety_stock END"""
CANDIDATE_STOCK_SQL = f"""
SELECT {", ".join("l." + c for c in LOCATION_COLUMNS.split(", "))}, s.variant_ids, s.available
FROM location l
CROSS JOIN LATERAL (
    SELECT array_agg(a.variant_id ORDER BY a.variant_id) AS variant_ids,
           array_agg(a.available ORDER BY a.variant_id) AS available
    FROM (
        SELECT st.variant_id, {_AVAILABLE} AS available
        FROM unnest($1::int[]) AS wanted (variant_id)
        JOIN stock_level st ON st.location_id = l.id AND st.variant_id = wanted.variant_id
    ) a
    WHERE a.available > 0
) s
WHERE l.active AND l.lat BETWEEN $2 AND $3 AND l.lng BETWEEN $4 AND $5 AND s.variant_ids IS NOT NULL
ORDER BY l.code
"""


async def candidate_stock(
    variant_ids: Sequence[int], box: BoundingBox, *, online: bool = False, conn: BaseDBAsyncClient | None = None
) -> list[LocationStock]:
    """Active locations inside the box holding some available stock of these variants, with that stock.

    Available means on hand less reserved less safety stock; only positive amounts are returned.
    """
    rows = await fetch(
        CANDIDATE_STOCK_SQL,
        [list(variant_ids), box.min_lat, box.max_lat, box.min_lng, box.max_lng, online],
        conn=conn,
    )
    return [
        LocationStock(to_location(row), dict(zip(row["variant_ids"], row["available"], strict=True))) for row in rows
    ]


async def rules(*, conn: BaseDBAsyncClient | None = None) -> RoutingRules:
    """The rules head office set, or the defaults when they never did."""
    rows = await fetch(f"SELECT {ROUTING_RULES_COLUMNS} FROM routing_rules WHERE id = 1", conn=conn)
    return to_routing_rules(rows[0]) if rows else RoutingRules()


class RoutingStore:
    """The routing repository of the unit of work (domain.ports.RoutingRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def rules(self) -> RoutingRules:
        return await rules(conn=self._session.conn)

    async def candidate_stock(
        self, variant_ids: Sequence[int], box: BoundingBox, *, online: bool = False
    ) -> list[LocationStock]:
        network = await candidate_stock(variant_ids, box, online=online, conn=self._session.conn)
        for entry in network:
            self._session.loaders.location.prime(entry.location.id, entry.location)
        return network

    async def lock_rules(self) -> RoutingRules:
        """The current rules, row-locked until commit (the row is created with the defaults when absent)."""
        conn = self._session.conn
        await execute("INSERT INTO routing_rules (id) VALUES (1) ON CONFLICT (id) DO NOTHING", conn=conn)
        rows = await fetch(f"SELECT {ROUTING_RULES_COLUMNS} FROM routing_rules WHERE id = 1 FOR UPDATE", conn=conn)
        return to_routing_rules(rows[0])

    async def save_rules(self, rules: RoutingRules, actor: str) -> None:
        await execute(
            "UPDATE routing_rules SET store_preference_km = $1, allow_split = $2, max_locations = $3, "
            "merge_window_minutes = $4, transfer_enabled = $5, transfer_hours_per_10km = $6, "
            "search_radius_km = $7, updated_at = now(), updated_by = $8 WHERE id = 1",
            [
                rules.store_preference_km,
                rules.allow_split,
                rules.max_locations,
                rules.merge_window_minutes,
                rules.transfer_enabled,
                rules.transfer_hours_per_10km,
                rules.search_radius_km,
                actor,
            ],
            conn=self._session.conn,
        )
