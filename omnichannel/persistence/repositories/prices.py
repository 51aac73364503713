"""List prices and price overrides (the prices repository of the unit of work): setPrice's writes.

Overrides are unique per (variant, channel, location, window) - the index `uid_price_override_scope`
- so setting the same scope and window again is one upsert, safe under concurrent writers.
"""

from __future__ import annotations

from decimal import Decimal

from ...domain.catalog import PriceOverride, Variant
from ..db import execute, fetch
from ..mappers import OVERRIDE_COLUMNS, PRODUCT_ACTIVE, VARIANT_COLUMNS, to_variant
from ..session import Session


class PriceStore:
    """domain.ports.PriceRepository: list prices and overrides of one variant at a time."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def lock_variant(self, variant_id: int) -> Variant | None:
        """The variant, row-locked until commit (price changes of one variant queue)."""
        rows = await fetch(
            f"SELECT {VARIANT_COLUMNS}, {PRODUCT_ACTIVE.format(v='variant')} FROM variant WHERE id = $1 FOR UPDATE",
            [variant_id],
            conn=self._session.conn,
        )
        return to_variant(rows[0]) if rows else None

    async def set_list_price(self, variant_id: int, amount: Decimal) -> None:
        await execute("UPDATE variant SET list_price = $2 WHERE id = $1", [variant_id, amount], conn=self._session.conn)
        self._session.stale("variant", variant_id)

    async def set_override(self, override: PriceOverride) -> None:
        """An override of this scope and window replaces the one there was; other windows stay."""
        await execute(
            f"INSERT INTO price_override ({OVERRIDE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) "
            "ON CONFLICT (variant_id, COALESCE(channel, ''), COALESCE(location_id, 0), "
            "COALESCE(valid_from, '-infinity'::timestamptz), COALESCE(valid_until, 'infinity'::timestamptz)) "
            "DO UPDATE SET amount = EXCLUDED.amount",
            [
                override.variant_id,
                override.channel.value if override.channel is not None else None,
                override.location_id,
                override.amount,
                override.valid_from,
                override.valid_until,
            ],
            conn=self._session.conn,
        )
        self._session.stale("price_overrides", override.variant_id)
