"""The dashboards' figures computed independently from the raw rows (orders, payments, fulfilment
lines, refunds, the event log), for the report tests to compare with what the rollups answer."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.credit import CreditLine, credit_split
from omnichannel.domain.reports import percentile, wait_bucket
from omnichannel.persistence import db

ZONE = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
CREDIT_SHARE = Decimal("0.3")  # OMNICHANNEL_STORE_CREDIT_SHARE in the test settings (its default)

SALES = """query($from: DateTime!, $to: DateTime!, $by: [ReportDimension!]!, $stores: [ID!],
  $channels: [SalesChannel!]) {
  salesReport(from: $from, to: $to, groupBy: $by, storeIds: $stores, channels: $channels) {
    day channel store { code } fulfillmentMode orders units revenue { amount } discount { amount }
    pointsRedeemed refunded { amount } } }"""
FULFILMENT = """query($from: DateTime!, $to: DateTime!, $stores: [ID!]) {
  fulfillmentReport(from: $from, to: $to, storeIds: $stores) { store { code } orders pickupShare
    minutesToReadyP50 minutesToReadyP90 minutesToCollectP50 expired cancelled } }"""
MIX = """query($from: DateTime!, $to: DateTime!, $stores: [ID!]) {
  channelMix(from: $from, to: $to, storeIds: $stores) { onlineShare pickupShare orders } }"""
CREDIT = """query($from: DateTime!, $to: DateTime!) {
  creditReport(from: $from, to: $to) { store { code } amount { amount } } }"""
POINTS = """query($from: DateTime!, $to: DateTime!) {
  pointsUsage(from: $from, to: $to) { earned redeemed expired reversed } }"""
COUPONS = """query($from: DateTime!, $to: DateTime!) {
  couponUsage(from: $from, to: $to) { template { id title } claimed redeemed discount { amount } } }"""


def midnight(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=ZONE).isoformat()


def chain_day(at: datetime) -> date:
    return at.astimezone(ZONE).date()


def split(whole: Decimal | int, weights: list[int]) -> list[Any]:
    """Independent re-statement of the split rule: floor of each share, the remainder to the last."""
    as_cents = isinstance(whole, Decimal)
    units = int(whole / CENT) if as_cents else int(whole)
    total = sum(weights)
    if total == 0:
        parts = [0] * (len(weights) - 1) + [units]
    else:
        parts = [units * w // total for w in weights[:-1]]
        parts.append(units - sum(parts))
    return [Decimal(p) * CENT for p in parts] if as_cents else parts


async def raw_orders() -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT o.id, o.channel, o.mode, o.status, o.paid_at, o.cancelled_at, o.updated_at, o.completed_at, "
        "o.discount_total, o.points_redeemed, o.placed_at_location_id, "
        "(SELECT sum(amount) FROM payment p WHERE p.order_id = o.id) AS paid, "
        "(SELECT coalesce(sum(amount), 0) FROM refund r WHERE r.order_id = o.id AND r.status = 'SUCCEEDED') "
        "AS refunded, "
        "(SELECT min(e.at) FROM event_log e WHERE e.order_id = o.id AND e.type = 'order.ready_for_pickup') AS ready_at "
        "FROM customer_order o"
    )
    lines = await db.fetch(
        "SELECT f.order_id, f.location_id, l.code, fl.quantity, fl.unit_price FROM fulfillment f "
        "JOIN location l ON l.id = f.location_id JOIN fulfillment_line fl ON fl.fulfillment_id = f.id"
    )
    codes = {r["id"]: r["code"] for r in await db.fetch("SELECT id, code FROM location")}
    by_order: dict[int, dict[int, list[int]]] = defaultdict(dict)
    for line in lines:
        place = by_order[line["order_id"]].setdefault(line["location_id"], [0, 0])
        place[0] += line["quantity"]
        place[1] += int(line["quantity"] * line["unit_price"] / CENT)
    found = []
    for row in rows:
        places = by_order.get(row["id"]) or {row["placed_at_location_id"]: [0, 0]}
        ids = sorted(places)
        found.append({**dict(row), "locations": [(i, codes[i], *places[i]) for i in ids]})
    return found


def counted(order: dict[str, Any], first: date, last: date) -> bool:
    return (
        order["paid_at"] is not None
        and order["status"] not in ("CANCELLED", "EXPIRED")
        and first <= chain_day(order["paid_at"]) <= last
    )


def raw_sales_by_everything(orders: list[dict[str, Any]], first: date, last: date) -> dict[tuple, list]:
    """(day, channel, store code, mode) -> [orders, units, revenue, discount, points, refunded]."""
    out: dict[tuple, list] = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0), 0, Decimal(0)])
    for o in orders:
        if not counted(o, first, last):
            continue
        weights = [v for _, _, _, v in o["locations"]]
        revenue, discount = split(o["paid"], weights), split(o["discount_total"], weights)
        points, refunded = split(o["points_redeemed"], weights), split(o["refunded"], [int(r / CENT) for r in revenue])
        for n, (_, code, units, _) in enumerate(o["locations"]):
            row = out[(chain_day(o["paid_at"]).isoformat(), o["channel"], code, o["mode"])]
            for k, value in enumerate((1, units, revenue[n], discount[n], points[n], refunded[n])):
                row[k] += value
    return dict(out)


def raw_sales_by_day_and_channel(orders: list[dict[str, Any]], first: date, last: date) -> dict[tuple, list]:
    out: dict[tuple, list] = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0), 0, Decimal(0)])
    for o in orders:
        if counted(o, first, last):
            row = out[(chain_day(o["paid_at"]).isoformat(), o["channel"])]
            units = sum(u for _, _, u, _ in o["locations"])
            for k, value in enumerate((1, units, o["paid"], o["discount_total"], o["points_redeemed"], o["refunded"])):
                row[k] += value
    return dict(out)


def raw_mix(orders: list[dict[str, Any]], first: date, last: date) -> dict[str, Any]:
    paid = [o for o in orders if counted(o, first, last)]
    online = [o for o in paid if o["channel"] in ("MINI_PROGRAM", "APP")]
    pickup = [o for o in online if o["mode"] == "PICKUP"]
    return {
        "orders": len(paid),
        "onlineShare": len(online) / len(paid) if paid else 0.0,
        "pickupShare": len(pickup) / len(online) if online else 0.0,
    }


def raw_fulfilment(orders: list[dict[str, Any]], first: date, last: date) -> dict[str, dict[str, Any]]:
    stores: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"orders": 0, "pickups": 0, "cancelled": 0, "expired": 0, "ready": [], "collect": []}
    )
    for o in orders:
        codes = {code for _, code, _, _ in o["locations"]}
        if counted(o, first, last):
            for code in codes:
                stores[code]["orders"] += 1
                stores[code]["pickups"] += o["mode"] == "PICKUP"
        if o["status"] == "CANCELLED" and first <= chain_day(o["cancelled_at"]) <= last:
            for code in codes:
                stores[code]["cancelled"] += 1
        if o["status"] == "EXPIRED" and first <= chain_day(o["updated_at"]) <= last:
            for code in codes:
                stores[code]["expired"] += 1
        if o["paid_at"] is not None and o["ready_at"] is not None and first <= chain_day(o["paid_at"]) <= last:
            for code in codes:
                stores[code]["ready"].append((o["ready_at"] - o["paid_at"]).total_seconds() / 60)
                if o["status"] == "COMPLETED" and o["mode"] == "PICKUP":
                    stores[code]["collect"].append((o["completed_at"] - o["ready_at"]).total_seconds() / 60)
    return {
        code: {
            "orders": s["orders"],
            "pickupShare": s["pickups"] / s["orders"] if s["orders"] else 0.0,
            "minutesToReadyP50": _pct(s["ready"], 0.5),
            "minutesToReadyP90": _pct(s["ready"], 0.9),
            "minutesToCollectP50": _pct(s["collect"], 0.5),
            "expired": s["expired"],
            "cancelled": s["cancelled"],
        }
        for code, s in stores.items()
        if s["orders"] or s["cancelled"] or s["expired"] or s["ready"]
    }


def _pct(waits: list[float], q: float) -> float | None:
    buckets: dict[int, int] = defaultdict(int)
    for w in waits:
        buckets[wait_bucket(w)] += 1
    return percentile(buckets.items(), q)


def report_rows_by_everything(rows: list[dict[str, Any]]) -> dict[tuple, list]:
    return {
        (r["day"], r["channel"], r["store"]["code"], r["fulfillmentMode"]): [
            r["orders"],
            r["units"],
            Decimal(r["revenue"]["amount"]),
            Decimal(r["discount"]["amount"]),
            r["pointsRedeemed"],
            Decimal(r["refunded"]["amount"]),
        ]
        for r in rows
    }


def period_around(now: datetime, days_before: int = 30, days_after: int = 30) -> tuple[date, date, dict[str, str]]:
    today = chain_day(now)
    first, after = today - timedelta(days=days_before), today + timedelta(days=days_after)
    return first, after - timedelta(days=1), {"from": midnight(first), "to": midnight(after)}


async def raw_credit(orders: list[dict[str, Any]], first: Any, last: Any) -> dict[str | None, Decimal]:
    kinds = {r["id"]: (r["code"], r["kind"]) for r in await db.fetch("SELECT id, code, kind FROM location")}
    lines = defaultdict(list)
    for r in await db.fetch(
        "SELECT f.order_id, f.location_id, fl.variant_id, fl.quantity, fl.unit_price FROM fulfillment f "
        "JOIN fulfillment_line fl ON fl.fulfillment_id = f.id ORDER BY f.id, fl.id"
    ):
        is_store = kinds[r["location_id"]][1] == "STORE"
        lines[r["order_id"]].append(
            CreditLine(r["location_id"], is_store, r["variant_id"], r["unit_price"] * r["quantity"])
        )
    refunded: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for r in await db.fetch(
        "SELECT f.order_id, l.variant_id, l.amount FROM refund_line l JOIN refund f ON f.id = l.refund_id "
        "WHERE f.status = 'SUCCEEDED'"
    ):
        refunded[r["order_id"]][r["variant_id"]] += r["amount"]
    credit: dict[str | None, Decimal] = defaultdict(Decimal)
    for o in orders:
        if not counted(o, first, last):
            continue
        for c in credit_split(
            channel=SalesChannel(o["channel"]),
            selling_store_id=o["placed_at_location_id"],
            lines=lines[o["id"]],
            paid=o["paid"],
            store_share=CREDIT_SHARE,
            refunded_by_variant=refunded.get(o["id"]),
        ):
            credit[kinds[c.location_id][0] if c.location_id is not None else None] += c.amount
    return {k: v for k, v in credit.items() if v != 0}
