"""Refunds and their lines; the order as paid (its lines' list amounts, what was paid, its points).

Writers take the caller's transaction (the order's row lock is held by the caller, so two refunds
of one order are decided one after the other); readers batch by order for the loaders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.refunds import PaidLine, PaidOrder, PointsOutcome, Refund, RefundLine, RefundPlan, RefundStatus
from ..db import fetch
from ..session import Session

REFUND_COLUMNS = (
    "r.id, r.order_id, r.status, r.amount, r.currency, r.points_returned, r.points_reversed, r.points_shortfall, "
    "r.reason, r.restock_location_id, r.reference, r.created_at, r.completed_at"
)
WITH_LINES = f"""SELECT {REFUND_COLUMNS},
  (SELECT json_agg(json_build_object('line_id', l.order_line_id, 'variant_id', l.variant_id, 'quantity', l.quantity,
     'amount', l.amount::text, 'unit_price', o.unit_price::text) ORDER BY l.id)
   FROM refund_line l JOIN order_line o ON o.id = l.order_line_id WHERE l.refund_id = r.id)::text AS lines
FROM refund r"""


def _refund(row: Any) -> Refund:
    lines = tuple(
        RefundLine(
            item["line_id"], item["variant_id"], item["quantity"], Decimal(item["amount"]), Decimal(item["unit_price"])
        )
        for item in orjson.loads(row["lines"] or "[]")
    )
    return Refund(
        row["id"], row["order_id"], RefundStatus(row["status"]), row["amount"], row["currency"],
        row["points_returned"], row["points_reversed"], row["points_shortfall"], row["reason"], lines,
        row["restock_location_id"], row["reference"], row["created_at"], row["completed_at"],
    )  # fmt: skip


async def paid_order(conn: BaseDBAsyncClient, order_id: int) -> PaidOrder | None:
    rows = await fetch(
        """SELECT o.id, o.paid_at IS NOT NULL AS paid, o.total, o.points_redeemed, o.points_earned,
             l.id AS line_id, l.variant_id, l.quantity, l.unit_price * l.quantity AS list_amount
           FROM customer_order o LEFT JOIN order_line l ON l.order_id = o.id
           WHERE o.id = $1 ORDER BY l.position""",
        [order_id],
        conn=conn,
    )
    if not rows:
        return None
    first = rows[0]
    lines = tuple(
        PaidLine(r["line_id"], r["variant_id"], r["quantity"], r["list_amount"]) for r in rows if r["line_id"]
    )
    return PaidOrder(
        first["id"], first["paid"], first["total"], first["points_redeemed"], first["points_earned"], lines
    )


async def of_order(conn: BaseDBAsyncClient | None, order_id: int) -> list[Refund]:
    rows = await fetch(f"{WITH_LINES} WHERE r.order_id = $1 ORDER BY r.id", [order_id], conn=conn)
    return [_refund(r) for r in rows]


async def of_orders(order_ids: Sequence[int]) -> list[Refund]:
    rows = await fetch(f"{WITH_LINES} WHERE r.order_id = ANY($1::int[]) ORDER BY r.id", [list(order_ids)])
    return [_refund(r) for r in rows]


async def by_ids(refund_ids: Sequence[int]) -> list[Refund]:
    rows = await fetch(f"{WITH_LINES} WHERE r.id = ANY($1::int[])", [list(refund_ids)])
    return [_refund(r) for r in rows]


async def lock(conn: BaseDBAsyncClient, refund_id: int) -> Refund | None:
    """The refund, its row locked until the caller's transaction ends."""
    locked = await fetch("SELECT id FROM refund WHERE id = $1 FOR UPDATE", [refund_id], conn=conn)
    if not locked:
        return None
    rows = await fetch(f"{WITH_LINES} WHERE r.id = $1", [refund_id], conn=conn)
    return _refund(rows[0])


async def create(
    conn: BaseDBAsyncClient,
    *,
    order_id: int,
    plan: RefundPlan,
    currency: str,
    reason: str,
    restock_location_id: int | None,
    actor: str,
    now: datetime,
) -> Refund:
    rows = await fetch(
        """WITH r AS (
             INSERT INTO refund (order_id, status, amount, currency, points_returned, points_reversed, reason,
               restock_location_id, created_by, created_at)
             VALUES ($1, 'PENDING', $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
           ), l AS (
             INSERT INTO refund_line (refund_id, order_line_id, variant_id, quantity, amount)
             SELECT r.id, x.line_id, x.variant_id, x.quantity, x.amount
             FROM r, unnest($10::int[], $11::int[], $12::int[], $13::numeric[])
               AS x(line_id, variant_id, quantity, amount)
           )
           SELECT id FROM r""",
        [
            order_id,
            plan.amount,
            currency,
            plan.points_returned,
            plan.points_reversed,
            reason,
            restock_location_id,
            actor[:140],
            now,
            [line.line_id for line in plan.lines],
            [line.variant_id for line in plan.lines],
            [line.quantity for line in plan.lines],
            [line.amount for line in plan.lines],
        ],
        conn=conn,
    )
    created = await fetch(f"{WITH_LINES} WHERE r.id = $1", [rows[0]["id"]], conn=conn)
    return _refund(created[0])


async def refund_with_reference(conn: BaseDBAsyncClient, reference: str) -> int | None:
    rows = await fetch("SELECT id FROM refund WHERE reference = $1", [reference], conn=conn)
    return int(rows[0]["id"]) if rows else None


async def complete(
    conn: BaseDBAsyncClient,
    refund_id: int,
    *,
    status: RefundStatus,
    reference: str,
    points_returned: int,
    points_reversed: int,
    points_shortfall: int,
    now: datetime,
) -> Refund:
    await fetch(
        "UPDATE refund SET status = $2, reference = $3, points_returned = $4, points_reversed = $5, "
        "points_shortfall = $6, completed_at = $7 WHERE id = $1",
        [refund_id, status.value, reference, points_returned, points_reversed, points_shortfall, now],
        conn=conn,
    )
    rows = await fetch(f"{WITH_LINES} WHERE r.id = $1", [refund_id], conn=conn)
    return _refund(rows[0])


async def order_of(conn: BaseDBAsyncClient | None, refund_id: int) -> int | None:
    rows = await fetch("SELECT order_id FROM refund WHERE id = $1", [refund_id], conn=conn)
    return int(rows[0]["order_id"]) if rows else None


async def skus(conn: BaseDBAsyncClient, variant_ids: Sequence[int]) -> dict[int, str]:
    rows = await fetch("SELECT id, sku FROM variant WHERE id = ANY($1::int[])", [list(variant_ids)], conn=conn)
    return {r["id"]: r["sku"] for r in rows}


async def points_moved(conn: BaseDBAsyncClient, order_id: int) -> tuple[int, int]:
    """What SUCCEEDED refunds of the order settled in points: (given back, taken back or found short)."""
    rows = await fetch(
        "SELECT coalesce(sum(points_returned), 0) AS back, coalesce(sum(points_reversed + points_shortfall), 0) AS "
        "taken FROM refund WHERE order_id = $1 AND status = 'SUCCEEDED'",
        [order_id],
        conn=conn,
    )
    return int(rows[0]["back"]), int(rows[0]["taken"])


class RefundStore:
    """The refund repository of the unit of work (domain.ports.RefundRepository); writers run in the
    open transaction (the caller holds the order's row lock)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def _conn(self) -> BaseDBAsyncClient:
        assert self._session.conn is not None, "refunds are read and written inside the order's transaction"
        return self._session.conn

    async def paid_order(self, order_id: int) -> PaidOrder | None:
        return await paid_order(self._conn, order_id)

    async def of_order(self, order_id: int) -> list[Refund]:
        return await of_order(self._conn, order_id)

    async def order_of(self, refund_id: int) -> int | None:
        return await order_of(self._session.conn, refund_id)

    async def lock(self, refund_id: int) -> Refund | None:
        return await lock(self._conn, refund_id)

    async def with_reference(self, reference: str) -> int | None:
        return await refund_with_reference(self._conn, reference)

    async def create(
        self,
        *,
        order_id: int,
        plan: RefundPlan,
        currency: str,
        reason: str,
        restock_location_id: int | None,
        actor: str,
        now: datetime,
    ) -> Refund:
        created = await create(
            self._conn,
            order_id=order_id,
            plan=plan,
            currency=currency,
            reason=reason,
            restock_location_id=restock_location_id,
            actor=actor,
            now=now,
        )
        self._session.stale("refunds_of_order", order_id)
        return created

    async def complete(
        self, refund_id: int, *, status: RefundStatus, reference: str, points: PointsOutcome, now: datetime
    ) -> Refund:
        done = await complete(
            self._conn,
            refund_id,
            status=status,
            reference=reference,
            points_returned=points.returned,
            points_reversed=points.reversed,
            points_shortfall=points.shortfall,
            now=now,
        )
        self._session.stale("refunds_of_order", done.order_id)
        self._session.stale("refund", refund_id)
        return done

    async def skus(self, variant_ids: Sequence[int]) -> dict[int, str]:
        return await skus(self._conn, variant_ids)

    async def points_moved(self, order_id: int) -> tuple[int, int]:
        return await points_moved(self._conn, order_id)
