"""The sales credit ledger: each party's credit at payment, then the reversals of refunds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.credit import SalesCredit
from ..db import execute, fetch

PAID = "paid"  # the reference of the entries written at payment (Order.creditSplit reads them)


async def paid_splits(order_ids: Sequence[int]) -> list[tuple[int, SalesCredit]]:
    rows = await fetch(
        "SELECT order_id, location_id, share, amount FROM sales_credit WHERE order_id = ANY($1::int[]) "
        "AND reference = $2 ORDER BY order_id, location_id NULLS LAST",
        [list(order_ids), PAID],
    )
    return [(r["order_id"], SalesCredit(r["location_id"], r["share"].normalize(), r["amount"])) for r in rows]


async def record(
    conn: BaseDBAsyncClient, order_id: int, credits: Sequence[SalesCredit], *, reference: str, at: datetime
) -> None:
    if credits:
        await execute(
            "INSERT INTO sales_credit (order_id, location_id, share, amount, reference, at) "
            "SELECT $1, * , $5, $6 FROM unnest($2::int[], $3::numeric[], $4::numeric[])",
            [
                order_id,
                [c.location_id for c in credits],
                [c.share for c in credits],
                [c.amount for c in credits],
                reference,
                at,
            ],
            conn=conn,
        )


async def current(conn: BaseDBAsyncClient, order_id: int) -> list[SalesCredit]:
    """Each party's credit for the order now (paid, less reversals)."""
    rows = await fetch(
        "SELECT location_id, sum(amount) AS amount FROM sales_credit WHERE order_id = $1 "
        "GROUP BY location_id ORDER BY location_id NULLS LAST",
        [order_id],
        conn=conn,
    )
    return [SalesCredit(r["location_id"], 0, r["amount"]) for r in rows]  # type: ignore[arg-type]
