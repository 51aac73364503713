"""What the store floor's bookkeeping reads about a paid order, inside the transaction that pays,
cancels or refunds it: the lines each location fulfils, whether each location is a store, the
products' categories, and the order's own facts."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.catalog import SalesChannel
from ...domain.sale_facts import FulfilledLine, SaleFacts
from ..db import fetch
from ..session import Session
from .catalog import categories


async def facts(conn: BaseDBAsyncClient | None, order_id: int) -> SaleFacts | None:
    rows = await fetch(
        "SELECT o.channel, o.member_id, o.placed_at_location_id, o.attributed_staff_id, o.total, "
        "f.location_id, fl.variant_id, fl.quantity, fl.unit_price FROM customer_order o "
        "LEFT JOIN fulfillment f ON f.order_id = o.id LEFT JOIN fulfillment_line fl ON fl.fulfillment_id = f.id "
        "WHERE o.id = $1 ORDER BY f.id, fl.id",
        [order_id],
        conn=conn,
    )
    if not rows:
        return None
    first = rows[0]
    return SaleFacts(
        order_id,
        SalesChannel(first["channel"]),
        first["member_id"],
        first["placed_at_location_id"],
        first["attributed_staff_id"],
        first["total"],
        tuple(
            FulfilledLine(r["location_id"], r["variant_id"], r["quantity"], r["unit_price"])
            for r in rows
            if r["variant_id"] is not None
        ),
    )


async def store_locations(conn: BaseDBAsyncClient | None, location_ids: Sequence[int]) -> set[int]:
    """Which of these locations are stores (the others are regional warehouses)."""
    rows = await fetch(
        "SELECT id FROM location WHERE id = ANY($1::int[]) AND kind = 'STORE'", [list(location_ids)], conn=conn
    )
    return {r["id"] for r in rows}


class SaleFactsStore:
    """The unit of work's repository of what a sale is (domain.ports.SaleFactsRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def facts(self, order_id: int) -> SaleFacts | None:
        return await facts(self._session.conn, order_id)

    async def store_locations(self, location_ids: Sequence[int]) -> set[int]:
        return await store_locations(self._session.conn, location_ids)

    async def categories(self, variant_ids: Sequence[int]) -> dict[int, frozenset[int]]:
        return await categories(self._session.conn, variant_ids)
