"""uow.reports: the dashboards' rollups, written in the transaction of the fact that changes them.

Every write adds to a row keyed by (day, ...) with INSERT ... ON CONFLICT DO UPDATE, so concurrent
payments on the same day wait for each other only on that one row, for the rest of their
transaction (the price of figures that are exact at every COMMIT).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ...domain.catalog import SalesChannel
from ...domain.credit import CreditLine
from ...domain.locations import FulfillmentMode
from ...domain.report_rollups import CouponUse, PaidOrder, PaidOrderFacts, RollupDelta
from ...domain.reports import SalesPart
from ..db import execute, fetch
from ..session import Session


def _dump(order: PaidOrder) -> list[Any]:
    parts = [
        [p.location_id, p.orders_once, p.units, str(p.revenue), str(p.discount), p.points_redeemed] for p in order.parts
    ]
    lines = [[c.location_id, c.from_store, c.variant_id, str(c.value)] for c in order.lines]
    extra = {
        "lines": lines,
        "selling_store_id": order.selling_store_id,
        "paid": str(order.paid),
        "coupons": [[c.template_id, str(c.amount)] for c in order.coupons],
    }
    return [
        json.dumps({"parts": parts, **extra}),
        json.dumps([[party, str(amount)] for party, amount in order.credit]),
        json.dumps([str(r) for r in order.refunded]),
    ]


def _load(row: Any) -> PaidOrder:
    body = json.loads(row["parts"])
    return PaidOrder(
        order_id=row["order_id"],
        paid_at=row["paid_at"],
        day=row["day"],
        channel=SalesChannel(row["channel"]),
        mode=FulfillmentMode(row["mode"]),
        parts=tuple(SalesPart(p[0], p[1], p[2], Decimal(p[3]), Decimal(p[4]), p[5]) for p in body["parts"]),
        lines=tuple(CreditLine(c[0], c[1], c[2], Decimal(c[3])) for c in body["lines"]),
        selling_store_id=body["selling_store_id"],
        paid=Decimal(body["paid"]),
        store_share=row["store_share"],
        credit=tuple((party, Decimal(amount)) for party, amount in json.loads(row["credit"])),
        coupons=tuple(CouponUse(t, Decimal(a)) for t, a in body["coupons"]),
        refunded=tuple(Decimal(r) for r in json.loads(row["refunded"])),
        cancelled=row["cancelled"],
    )


APPLY = """
WITH s AS (
  INSERT INTO report_sales AS r (day, channel, mode, location_id, orders, orders_once, units, revenue, discount,
                                 points_redeemed, refunded, shard)
  SELECT $1, $2, $3, x.*, $17 FROM unnest($4::int[], $5::int[], $6::int[], $7::bigint[], $8::numeric[], $9::numeric[],
                                     $10::bigint[], $11::numeric[]) AS x
  ON CONFLICT (day, channel, mode, location_id, shard) DO UPDATE SET
    orders = r.orders + EXCLUDED.orders, orders_once = r.orders_once + EXCLUDED.orders_once,
    units = r.units + EXCLUDED.units, revenue = r.revenue + EXCLUDED.revenue,
    discount = r.discount + EXCLUDED.discount, points_redeemed = r.points_redeemed + EXCLUDED.points_redeemed,
    refunded = r.refunded + EXCLUDED.refunded
), c AS (
  INSERT INTO report_credit AS r (day, party, amount, shard)
  SELECT $1, x.*, $17 FROM unnest($12::int[], $13::numeric[]) AS x
  ON CONFLICT (day, party, shard) DO UPDATE SET amount = r.amount + EXCLUDED.amount
)
INSERT INTO report_coupon AS r (day, template_id, redeemed, discount, shard)
SELECT $1, x.*, $17 FROM unnest($14::int[], $15::int[], $16::numeric[]) AS x
ON CONFLICT (day, template_id, shard) DO UPDATE SET redeemed = r.redeemed + EXCLUDED.redeemed,
  discount = r.discount + EXCLUDED.discount
"""


SHARDS = 16  # see migration 0017: an order's rows go to shard order id mod SHARDS


def apply_params(delta: RollupDelta, order_id: int) -> list[Any]:
    s, c, k = delta.sales, delta.credit, delta.coupons
    return [
        delta.day,
        delta.channel.value,
        delta.mode.value,
        [d.location_id for d in s],
        [d.orders for d in s],
        [d.orders_once for d in s],
        [d.units for d in s],
        [d.revenue for d in s],
        [d.discount for d in s],
        [d.points_redeemed for d in s],
        [d.refunded for d in s],
        [party for party, _ in c],
        [amount for _, amount in c],
        [d.template_id for d in k],
        [d.redeemed for d in k],
        [d.discount for d in k],
        order_id % SHARDS,
    ]


class ReportRollupStore:
    def __init__(self, session: Session) -> None:
        self._session = session

    async def paid_order_facts(self, order_id: int, location_ids: Sequence[int]) -> PaidOrderFacts | None:
        rows = await fetch(
            "SELECT o.points_redeemed, "
            "(SELECT coalesce(array_agg(id), '{}') FROM location WHERE id = ANY($2::int[]) AND kind = 'STORE') "
            "AS stores, (SELECT coalesce(array_agg(c.template_id ORDER BY d.position), '{}') FROM order_discount d "
            "JOIN coupon c ON c.id = d.coupon_id WHERE d.order_id = o.id) AS templates, "
            "(SELECT coalesce(array_agg(d.amount ORDER BY d.position), '{}') FROM order_discount d "
            "JOIN coupon c ON c.id = d.coupon_id WHERE d.order_id = o.id) AS amounts "
            "FROM customer_order o WHERE o.id = $1",
            [order_id, list(location_ids)],
            conn=self._session.conn,
        )
        if not rows:
            return None
        row = rows[0]
        return PaidOrderFacts(
            row["points_redeemed"],
            frozenset(row["stores"]),
            tuple(CouponUse(t, a) for t, a in zip(row["templates"], row["amounts"], strict=True)),
        )

    async def open_paid_order(self, order: PaidOrder) -> bool:
        parts, credit, refunded = _dump(order)
        rows = await fetch(
            "INSERT INTO report_order (order_id, paid_at, day, channel, mode, parts, credit, store_share, refunded) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
            [
                order.order_id,
                order.paid_at,
                order.day,
                order.channel.value,
                order.mode.value,
                parts,
                credit,
                order.store_share,
                refunded,
            ],
            conn=self._session.conn,
        )
        return bool(rows)

    async def paid_order_for_update(self, order_id: int) -> PaidOrder | None:
        rows = await fetch(
            "SELECT * FROM report_order WHERE order_id = $1 FOR UPDATE", [order_id], conn=self._session.conn
        )
        return _load(rows[0]) if rows else None

    async def save_paid_order(self, order: PaidOrder) -> None:
        _, credit, refunded = _dump(order)
        await execute(
            "UPDATE report_order SET credit = $2, refunded = $3, cancelled = $4 WHERE order_id = $1",
            [order.order_id, credit, refunded, order.cancelled],
            conn=self._session.conn,
        )

    async def apply(self, delta: RollupDelta, *, order_id: int) -> None:
        await execute(APPLY, apply_params(delta, order_id), conn=self._session.conn)

    async def count_closed(self, day: date, location_ids: Sequence[int], *, expired: bool) -> None:
        column = "expired" if expired else "cancelled"
        await execute(
            f"INSERT INTO report_store_day AS r (day, location_id, {column}) SELECT $1, l, 1 FROM unnest($2::int[]) l "
            f"ON CONFLICT (day, location_id) DO UPDATE SET {column} = r.{column} + 1",
            [day, sorted(set(location_ids))],
            conn=self._session.conn,
        )

    async def pickup_ready(
        self, *, order_id: int, fulfillment_id: int, location_id: int, at: datetime
    ) -> tuple[date, datetime] | None:
        rows = await fetch(
            "INSERT INTO report_pickup (fulfillment_id, location_id, day, paid_at, ready_at) "
            "SELECT $2, $3, o.day, o.paid_at, $4 FROM report_order o WHERE o.order_id = $1 "
            "ON CONFLICT (fulfillment_id) DO NOTHING RETURNING day, paid_at",
            [order_id, fulfillment_id, location_id, at],
            conn=self._session.conn,
        )
        return (rows[0]["day"], rows[0]["paid_at"]) if rows else None

    async def pickup_collected(self, fulfillment_id: int, at: datetime) -> tuple[date, int, datetime] | None:
        rows = await fetch(
            "UPDATE report_pickup SET collected_at = $2 WHERE fulfillment_id = $1 AND collected_at IS NULL "
            "RETURNING day, location_id, ready_at",
            [fulfillment_id, at],
            conn=self._session.conn,
        )
        return (rows[0]["day"], rows[0]["location_id"], rows[0]["ready_at"]) if rows else None

    async def add_wait(self, day: date, location_id: int, kind: str, bucket: int) -> None:
        await execute(
            'INSERT INTO report_wait AS r (day, location_id, kind, bucket, "count") VALUES ($1, $2, $3, $4, 1) '
            'ON CONFLICT (location_id, day, kind, bucket) DO UPDATE SET "count" = r."count" + 1',
            [day, location_id, kind, bucket],
            conn=self._session.conn,
        )
