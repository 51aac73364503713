"""The sales credit ledger: each party's credit at payment, then the reversals of cancellation and refunds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.credit import PAID, SalesCredit
from ..db import execute, fetch
from ..session import Session


async def paid_splits(order_ids: Sequence[int]) -> list[tuple[int, SalesCredit]]:
    rows = await fetch(
        "SELECT order_id, location_id, share, amount FROM sales_credit WHERE order_id = ANY($1::int[]) "
        "AND reference = $2 ORDER BY order_id, location_id NULLS LAST",
        [list(order_ids), PAID],
    )
    return [(r["order_id"], SalesCredit(r["location_id"], r["share"].normalize(), r["amount"])) for r in rows]


async def record(
    conn: BaseDBAsyncClient | None,
    order_id: int,
    credits: Sequence[SalesCredit],
    *,
    store_share: Decimal,
    reference: str,
    at: datetime,
) -> None:
    """Write these credits (a party already written for this cause is left as it is)."""
    if credits:
        await execute(
            "INSERT INTO sales_credit (order_id, location_id, share, amount, store_share, reference, at) "
            "SELECT $1, l, s, a, $5, $6, $7 FROM unnest($2::int[], $3::numeric[], $4::numeric[]) AS x(l, s, a) "
            "ON CONFLICT (order_id, reference, (coalesce(location_id, 0))) DO NOTHING",
            [
                order_id,
                [c.location_id for c in credits],
                [c.share for c in credits],
                [c.amount for c in credits],
                store_share,
                reference,
                at,
            ],
            conn=conn,
        )


async def store_share_used(conn: BaseDBAsyncClient | None, order_id: int) -> Decimal | None:
    """The store share the order's split was made with at payment (None: not booked as paid)."""
    rows = await fetch(
        "SELECT store_share FROM sales_credit WHERE order_id = $1 AND reference = $2 LIMIT 1",
        [order_id, PAID],
        conn=conn,
    )
    return rows[0]["store_share"] if rows else None


async def current(conn: BaseDBAsyncClient | None, order_id: int) -> list[SalesCredit]:
    """Each party's credit for the order now (paid, less reversals); locks nothing (the order's row is)."""
    rows = await fetch(
        "SELECT location_id, sum(amount) AS amount FROM sales_credit WHERE order_id = $1 "
        "GROUP BY location_id ORDER BY location_id NULLS LAST",
        [order_id],
        conn=conn,
    )
    return [SalesCredit(r["location_id"], Decimal(0), r["amount"]) for r in rows]


class SalesCreditStore:
    """The unit of work's sales credit ledger (domain.ports.SalesCreditRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def store_share_used(self, order_id: int) -> Decimal | None:
        return await store_share_used(self._session.conn, order_id)

    async def current(self, order_id: int) -> list[SalesCredit]:
        return await current(self._session.conn, order_id)

    async def record(
        self, order_id: int, credits: Sequence[SalesCredit], *, store_share: Decimal, reference: str, at: datetime
    ) -> None:
        await record(self._session.conn, order_id, credits, store_share=store_share, reference=reference, at=at)
