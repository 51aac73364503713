"""couponUsage, pointsUsage and creditReport against the raw rows (coupons, discount lines, the points
ledger, fulfilment lines and refunds), after coupons claimed and used, points spent, cancellations
and refunds."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from omnichannel.persistence import db
from tests.api import reports_support as raw
from tests.api.loyalty import ADJUST, claim, create_template, sign_up
from tests.api.test_refunds import confirm, refund
from tests.api.test_reports import answers, pay, place
from tests.orders_support import CANCEL_ORDER, gid, new_variant, store_gid


async def raw_points(first: Any, last: Any) -> dict[str, int]:
    totals = {"earned": 0, "redeemed": 0, "expired": 0, "reversed": 0}
    for row in await db.fetch("SELECT kind, points, created_at FROM points_entry"):
        if not first <= raw.chain_day(row["created_at"]) <= last:
            continue
        kind, points = row["kind"], row["points"]
        if kind == "EARN":
            totals["earned"] += points
        elif kind == "REDEEM" or (kind == "REVERSE" and points > 0):
            totals["redeemed"] -= points  # spent, less what was given back
        elif kind == "EXPIRE":
            totals["expired"] -= points
        elif kind == "REVERSE":
            totals["reversed"] -= points  # earned points taken back
    return totals


async def raw_coupons(orders: list[dict[str, Any]], first: Any, last: Any) -> dict[str, list[Any]]:
    usage: dict[int, list[Any]] = defaultdict(lambda: [0, 0, Decimal("0.00")])
    for row in await db.fetch("SELECT template_id, claimed_at FROM coupon"):
        if first <= raw.chain_day(row["claimed_at"]) <= last:
            usage[row["template_id"]][0] += 1
    counted = {o["id"] for o in orders if raw.counted(o, first, last)}
    for row in await db.fetch(
        "SELECT d.order_id, c.template_id, d.amount FROM order_discount d JOIN coupon c ON c.id = d.coupon_id"
    ):
        if row["order_id"] in counted:
            usage[row["template_id"]][1] += 1
            usage[row["template_id"]][2] += row["amount"]
    return {gid("CouponTemplate", t): u for t, u in usage.items() if u != [0, 0, Decimal("0.00")]}


async def test_coupon_points_and_credit_reports_equal_the_raw_figures(gql, token, outbox):
    hq, service = await token("HQ_ADMIN"), await token("SERVICE")
    s02 = await store_gid("S02")
    member = await sign_up(gql, outbox)
    await gql(ADJUST, {"m": member.id, "d": 900, "r": "goodwill"}, token=hq)
    template = await create_template(gql, hq, title="Report 5 off", value="5")
    codes = [(await claim(gql, member.token, template["id"]))["coupon"]["code"] for _ in range(3)]
    shirt, socks = await new_variant({"S02": 9}, price="40.00"), await new_variant({"S02": 9}, price="12.50")

    def request(*lines: tuple[int, int], **extra: Any) -> dict[str, Any]:
        return {
            "channel": "MINI_PROGRAM",
            "fulfillmentMode": "PICKUP",
            "pickupStoreId": s02,
            "lines": [{"variantId": gid("Variant", v), "quantity": q} for v, q in lines],
            **extra,
        }

    kept = await pay(
        gql,
        service,
        await place(gql, member.token, request((shirt, 2), (socks, 1), couponCodes=[codes[0]], pointsToRedeem=300)),
    )
    gone = await pay(gql, service, await place(gql, member.token, request((shirt, 1), couponCodes=[codes[1]])))
    assert (await gql(CANCEL_ORDER, {"input": {"orderId": gone["id"]}}, token=hq))["data"]["cancelOrder"][
        "userErrors"
    ] == []
    clerk = await token("CLERK", store="S02")
    pad = await place(gql, clerk, request((socks, 2), channel="CLERK_PAD"))
    await pay(gql, clerk, pad)
    made = await refund(gql, hq, kept["id"], [(shirt, 1)])
    assert (await confirm(gql, token, made["refund"]["id"], f"RF-{kept['number']}"))["userErrors"] == []
    await place(gql, member.token, request((socks, 1), couponCodes=[codes[2]]))  # used, never paid

    first, last, period = raw.period_around(datetime.now(UTC))
    for _ in range(30):  # the app's sweeper expires other tests' unpaid orders (and gives points back) in bursts
        orders = await raw.raw_orders()
        points = await answers(gql, token, raw.POINTS, period)
        coupons = await answers(gql, token, raw.COUPONS, period)
        credit = await answers(gql, token, raw.CREDIT, period)
        raw_figures = (await raw_points(first, last), await raw_coupons(orders, first, last))
        if await raw.raw_orders() == orders:
            break
        await asyncio.sleep(0.5)
    else:
        pytest.fail("the orders kept changing while the reports were read")
    assert points == raw_figures[0]
    assert points["earned"] > 0 and points["redeemed"] > 0
    got = {r["template"]["id"]: [r["claimed"], r["redeemed"], Decimal(r["discount"]["amount"])] for r in coupons}
    assert got == raw_figures[1]
    assert got[template["id"]] == [3, 1, Decimal("5.00")]  # one paid order kept its coupon
    assert {r["store"]["code"] if r["store"] else None: Decimal(r["amount"]["amount"]) for r in credit} == (
        await raw.raw_credit(orders, first, last)
    )
    assert credit[-1]["store"] is None  # the online team last
