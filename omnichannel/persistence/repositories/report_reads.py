"""The dashboards' reads: sums over the rollups of a period's days, never over orders.

Each report is one statement on the rollup tables (report_*), whose rows are few per day (sales:
one per channel x mode x location), so a 90-day report reads thousands of rows, not the period's
orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ...domain.catalog import SalesChannel
from ...domain.locations import FulfillmentMode
from ...domain.reports import ReportDimension
from ..db import fetch

COLUMNS = {
    ReportDimension.DAY: "s.day",
    ReportDimension.CHANNEL: "s.channel",
    ReportDimension.STORE: "s.location_id",
    ReportDimension.FULFILLMENT_MODE: "s.mode",
}
SORT = {**COLUMNS, ReportDimension.STORE: "l.code"}


@dataclass(frozen=True, slots=True)
class SalesFigures:
    day: date | None
    channel: SalesChannel | None
    location_id: int | None
    mode: FulfillmentMode | None
    orders: int
    units: int
    revenue: Decimal
    discount: Decimal
    points_redeemed: int
    refunded: Decimal


async def sales(
    first_day: date,
    last_day: date,
    group_by: Sequence[ReportDimension],
    *,
    location_ids: Sequence[int] | None,
    channels: Sequence[SalesChannel] | None,
) -> list[SalesFigures]:
    """Figures by the dimensions asked for, sorted by them in that order; by or within stores an order
    counts in each of its locations (`orders`), else once (`orders_once`)."""
    by_store = ReportDimension.STORE in group_by or location_ids is not None
    orders = "s.orders" if by_store else "s.orders_once"
    keys = [COLUMNS[d] for d in group_by]
    select = ", ".join(
        f"{COLUMNS[d]} AS {name}" if d in group_by else f"NULL AS {name}"
        for d, name in (
            (ReportDimension.DAY, "day"),
            (ReportDimension.CHANNEL, "channel"),
            (ReportDimension.STORE, "location_id"),
            (ReportDimension.FULFILLMENT_MODE, "mode"),
        )
    )
    join = " JOIN location l ON l.id = s.location_id" if ReportDimension.STORE in group_by else ""
    group = f" GROUP BY {', '.join(keys + (['l.code'] if join else []))}" if keys else ""
    order = f" ORDER BY {', '.join(SORT[d] for d in group_by)}" if keys else ""
    rows = await fetch(
        f"SELECT {select}, sum({orders})::int AS orders, sum(s.units)::bigint AS units, "
        "coalesce(sum(s.revenue), 0) AS revenue, coalesce(sum(s.discount), 0) AS discount, "
        "coalesce(sum(s.points_redeemed), 0)::bigint AS points, coalesce(sum(s.refunded), 0) AS refunded "
        f"FROM report_sales s{join} WHERE s.day BETWEEN $1 AND $2 "
        "AND ($3::int[] IS NULL OR s.location_id = ANY($3)) AND ($4::text[] IS NULL OR s.channel = ANY($4))"
        f"{group} HAVING coalesce(sum({orders}), 0) > 0{order}",
        [first_day, last_day, list(location_ids) if location_ids is not None else None,
         [c.value for c in channels] if channels is not None else None],
    )  # fmt: skip
    return [
        SalesFigures(
            r["day"],
            SalesChannel(r["channel"]) if r["channel"] is not None else None,
            r["location_id"],
            FulfillmentMode(r["mode"]) if r["mode"] is not None else None,
            r["orders"],
            r["units"] or 0,
            r["revenue"],
            r["discount"],
            r["points"],
            r["refunded"],
        )
        for r in rows
    ]


async def orders_by_channel_and_mode(
    first_day: date, last_day: date, *, location_ids: Sequence[int] | None
) -> list[tuple[SalesChannel, FulfillmentMode, int]]:
    orders = "orders" if location_ids is not None else "orders_once"
    rows = await fetch(
        f"SELECT channel, mode, sum({orders})::int AS orders FROM report_sales WHERE day BETWEEN $1 AND $2 "
        "AND ($3::int[] IS NULL OR location_id = ANY($3)) GROUP BY channel, mode",
        [first_day, last_day, list(location_ids) if location_ids is not None else None],
    )
    return [(SalesChannel(r["channel"]), FulfillmentMode(r["mode"]), r["orders"]) for r in rows]


@dataclass(frozen=True, slots=True)
class StoreFigures:
    location_id: int
    orders: int
    pickup_orders: int
    cancelled: int
    expired: int
    ready_waits: tuple[tuple[int, int], ...]  # (bucket, count)
    collect_waits: tuple[tuple[int, int], ...]


async def fulfillment(first_day: date, last_day: date, *, location_ids: Sequence[int] | None) -> list[StoreFigures]:
    """Per location with anything to show in the period (or each asked for), by location code."""
    rows = await fetch(
        "WITH s AS (SELECT location_id, sum(orders)::int AS orders, "
        "coalesce(sum(orders) FILTER (WHERE mode = 'PICKUP'), 0)::int AS pickups FROM report_sales "
        "WHERE day BETWEEN $1 AND $2 AND ($3::int[] IS NULL OR location_id = ANY($3)) GROUP BY location_id), "
        "c AS (SELECT location_id, sum(cancelled)::int AS cancelled, sum(expired)::int AS expired "
        "FROM report_store_day WHERE day BETWEEN $1 AND $2 AND ($3::int[] IS NULL OR location_id = ANY($3)) "
        "GROUP BY location_id), "
        "w AS (SELECT location_id, kind, bucket, sum(count)::int AS n FROM report_wait "
        "WHERE day BETWEEN $1 AND $2 AND ($3::int[] IS NULL OR location_id = ANY($3)) "
        "GROUP BY location_id, kind, bucket), "
        "wa AS (SELECT location_id, array_agg(bucket ORDER BY bucket) FILTER (WHERE kind = 'READY') AS rb, "
        "array_agg(n ORDER BY bucket) FILTER (WHERE kind = 'READY') AS rn, "
        "array_agg(bucket ORDER BY bucket) FILTER (WHERE kind = 'COLLECT') AS cb, "
        "array_agg(n ORDER BY bucket) FILTER (WHERE kind = 'COLLECT') AS cn FROM w GROUP BY location_id), "
        "ids AS (SELECT location_id FROM s WHERE orders <> 0 UNION SELECT location_id FROM c "
        "WHERE cancelled <> 0 OR expired <> 0 UNION SELECT location_id FROM wa "
        "UNION SELECT unnest(coalesce($3::int[], '{}'))) "
        "SELECT l.id, coalesce(s.orders, 0) AS orders, coalesce(s.pickups, 0) AS pickups, "
        "coalesce(c.cancelled, 0) AS cancelled, coalesce(c.expired, 0) AS expired, wa.rb, wa.rn, wa.cb, wa.cn "
        "FROM ids JOIN location l ON l.id = ids.location_id LEFT JOIN s ON s.location_id = l.id "
        "LEFT JOIN c ON c.location_id = l.id LEFT JOIN wa ON wa.location_id = l.id ORDER BY l.code",
        [first_day, last_day, list(location_ids) if location_ids is not None else None],
    )
    return [
        StoreFigures(
            r["id"],
            r["orders"],
            r["pickups"],
            r["cancelled"],
            r["expired"],
            tuple(zip(r["rb"] or [], r["rn"] or [], strict=True)),
            tuple(zip(r["cb"] or [], r["cn"] or [], strict=True)),
        )
        for r in rows
    ]


async def coupons(first_day: date, last_day: date) -> list[tuple[int, int, int, Decimal]]:
    """(template id, claimed, redeemed, discount) for templates with any of them in the period."""
    rows = await fetch(
        "SELECT template_id, sum(claimed)::int AS claimed, sum(redeemed)::int AS redeemed, "
        "sum(discount) AS discount FROM report_coupon WHERE day BETWEEN $1 AND $2 GROUP BY template_id "
        "HAVING sum(claimed) <> 0 OR sum(redeemed) <> 0 OR sum(discount) <> 0 ORDER BY template_id",
        [first_day, last_day],
    )
    return [(r["template_id"], r["claimed"], r["redeemed"], r["discount"]) for r in rows]


async def points(first_day: date, last_day: date) -> tuple[int, int, int, int]:
    rows = await fetch(
        "SELECT coalesce(sum(earned), 0)::bigint AS e, coalesce(sum(redeemed), 0)::bigint AS r, "
        "coalesce(sum(expired), 0)::bigint AS x, coalesce(sum(reversed), 0)::bigint AS v "
        "FROM report_points WHERE day BETWEEN $1 AND $2",
        [first_day, last_day],
    )
    r = rows[0]
    return r["e"], r["r"], r["x"], r["v"]


async def credit(first_day: date, last_day: date) -> list[tuple[int | None, Decimal]]:
    """(location id, or None for the online team; amount): stores by code, the online team last."""
    rows = await fetch(
        "SELECT c.party, sum(c.amount) AS amount FROM report_credit c LEFT JOIN location l ON l.id = c.party "
        "WHERE c.day BETWEEN $1 AND $2 GROUP BY c.party, l.code HAVING sum(c.amount) <> 0 "
        "ORDER BY c.party = 0, l.code",
        [first_day, last_day],
    )
    return [(r["party"] or None, r["amount"]) for r in rows]
