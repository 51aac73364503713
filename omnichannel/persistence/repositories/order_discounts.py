"""The discount lines an order keeps (promotions, coupons, points), written when it is placed and
rewritten when a coupon added at the till reprices it."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.pricing import DiscountKind, DiscountLine
from ..db import execute, execute_many, fetch


async def add(conn: BaseDBAsyncClient | None, order_id: int, discounts: Sequence[DiscountLine]) -> None:
    if not discounts:
        return
    await execute_many(
        "INSERT INTO order_discount (order_id, position, kind, title, amount, promotion_id, coupon_id, code, points) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [
            [order_id, n, d.kind.value, d.title[:120], d.amount, d.promotion_id, d.coupon_id, d.code, d.points]
            for n, d in enumerate(discounts)
        ],
        conn=conn,
    )


async def replace(conn: BaseDBAsyncClient | None, order_id: int, discounts: Sequence[DiscountLine]) -> None:
    """The order's discount lines become these (the caller holds the order's row lock)."""
    await execute("DELETE FROM order_discount WHERE order_id = $1", [order_id], conn=conn)
    await add(conn, order_id, discounts)


async def of_order(conn: BaseDBAsyncClient | None, order_id: int) -> list[DiscountLine]:
    """One order's discount lines, in order, inside the caller's transaction."""
    return [line for _, line in await of_orders([order_id], conn=conn)]


async def of_orders(
    order_ids: Sequence[int], *, conn: BaseDBAsyncClient | None = None
) -> list[tuple[int, DiscountLine]]:
    rows = await fetch(
        "SELECT order_id, kind, title, amount, promotion_id, coupon_id, code, points FROM order_discount "
        "WHERE order_id = ANY($1::int[]) ORDER BY order_id, position",
        [list(order_ids)],
        conn=conn,
    )
    return [
        (
            r["order_id"],
            DiscountLine(
                DiscountKind(r["kind"]),
                r["title"],
                r["amount"],
                promotion_id=r["promotion_id"],
                coupon_id=r["coupon_id"],
                code=r["code"],
                points=r["points"],
            ),
        )
        for r in rows
    ]
