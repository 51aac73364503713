"""The dashboards against figures computed from the raw rows, after random orders, payments,
cancellations, refunds and pickups (hypothesis); the Asia/Shanghai day boundary."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnichannel.persistence import db
from tests.api import reports_support as raw
from tests.api.test_refunds import confirm, refund
from tests.orders_support import (
    CANCEL_ORDER,
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    PLACE_ORDER,
    gid,
    new_variant,
    store_gid,
)

STORES = ["S01", "S02", "S03"]
ADDRESS = {
    "recipient": "Test",
    "phone": "13800130009",
    "line1": "1 Road",
    "city": "Shanghai",
    "location": {"lat": 31.23, "lng": 121.47},
}


class Clock:
    """The app's clock for a test: starts at `at` and moves only when told."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, minutes: float) -> None:
        self.at += timedelta(minutes=minutes)


@contextmanager
def app_clock(app: Any, at: datetime) -> Iterator[Clock]:
    services = app.state.services
    clock, before = Clock(at), services.clock
    services.clock = clock
    try:
        yield clock
    finally:
        services.clock = before


async def place(gql: Any, who: str, request: dict[str, Any]) -> dict[str, Any]:
    placed = (await gql(PLACE_ORDER, {"input": request}, token=who))["data"]["placeOrder"]
    assert placed["userErrors"] == [], placed
    return dict(placed["order"])


async def pay(gql: Any, who: str, order: dict[str, Any]) -> dict[str, Any]:
    answer = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"pay-{order['number']}"}
    paid = (await gql(CONFIRM_PAYMENT, {"input": answer}, token=who))["data"]["confirmPayment"]
    assert paid["userErrors"] == [], paid
    return dict(paid["order"])


async def answers(gql: Any, token: Any, query: str, variables: dict[str, Any]) -> Any:
    reply = await gql(query, variables, token=await token("ANALYST"))
    assert "errors" not in reply, reply
    return next(iter(reply["data"].values()))


async def check_every_report(
    gql: Any, token: Any, now: datetime, days_before: int = 30, days_after: int = 30
) -> list[dict[str, Any]]:
    """Every order-based report equals the same figure from the raw rows (retried while a background
    sweep changes the rows between the two reads); returns the raw orders compared."""
    first, last, period = raw.period_around(now, days_before, days_after)
    for _ in range(30):  # the app's sweeper expires other tests' unpaid orders as their holds end, in bursts
        orders = await raw.raw_orders()
        everything = await answers(
            gql, token, raw.SALES, {**period, "by": ["DAY", "CHANNEL", "STORE", "FULFILLMENT_MODE"]}
        )
        by_day = await answers(gql, token, raw.SALES, {**period, "by": ["DAY", "CHANNEL"]})
        mix = await answers(gql, token, raw.MIX, period)
        fulfilment = await answers(gql, token, raw.FULFILMENT, period)
        if await raw.raw_orders() == orders:
            break
        await asyncio.sleep(0.5)
    else:
        pytest.fail("the orders kept changing while the reports were read")
    assert raw.report_rows_by_everything(everything) == raw.raw_sales_by_everything(orders, first, last)
    keys = [(r["day"], r["channel"], r["store"]["code"], r["fulfillmentMode"]) for r in everything]
    assert keys == sorted(keys)  # sorted by the dimensions in the order asked
    expected = raw.raw_sales_by_day_and_channel(orders, first, last)
    assert {
        (r["day"], r["channel"]): [
            r["orders"],
            r["units"],
            Decimal(r["revenue"]["amount"]),
            Decimal(r["discount"]["amount"]),
            r["pointsRedeemed"],
            Decimal(r["refunded"]["amount"]),
        ]
        for r in by_day
    } == expected
    assert all(r["store"] is None and r["fulfillmentMode"] is None for r in by_day)
    want = raw.raw_mix(orders, first, last)
    assert mix["orders"] == want["orders"]
    assert mix["onlineShare"] == pytest.approx(want["onlineShare"])
    assert mix["pickupShare"] == pytest.approx(want["pickupShare"])
    got = {r["store"]["code"]: {k: v for k, v in r.items() if k != "store"} for r in fulfilment}
    want_stores = raw.raw_fulfilment(orders, first, last)
    differing = {
        code: {
            k: (got.get(code, {}).get(k), v)
            for k, v in want_stores.get(code, {}).items()
            if got.get(code, {}).get(k) != v
        }
        for code in set(got) | set(want_stores)
    }
    assert got == want_stores, {
        code: d for code, d in differing.items() if d or code not in got or code not in want_stores
    }
    return orders


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["MINI_PROGRAM", "APP", "CLERK_PAD", "EXPRESS"]),
        st.sampled_from(STORES),
        st.integers(1, 3),  # quantity
        st.sampled_from(["unpaid", "paid", "cancel_unpaid", "cancel_paid", "refund", "ready", "collected"]),
        st.integers(0, 240),  # minutes before the next step
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS, start_minutes=st.integers(0, 48 * 60))
async def test_reports_equal_the_raw_figures_after_random_business(app, gql, token, operations, start_minutes):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=start_minutes)
    service, hq = await token("SERVICE"), await token("HQ_ADMIN")
    with app_clock(app, start) as clock:
        for channel, store, quantity, fate, wait in operations:
            s = await store_gid(store)
            clerk = await token("CLERK", store=store)
            near, far = await new_variant({store: 5}, price="19.90"), await new_variant({"W01": 5}, price="33.35")
            if channel == "EXPRESS":  # one item from the store, one from the warehouse: a split order
                request = {
                    "channel": "APP",
                    "fulfillmentMode": "EXPRESS",
                    "shippingAddress": ADDRESS,
                    "lines": [{"variantId": gid("Variant", near), "quantity": quantity},
                              {"variantId": gid("Variant", far), "quantity": 1}],
                }  # fmt: skip
            else:
                request = {
                    "channel": channel,
                    "fulfillmentMode": "PICKUP",
                    "pickupStoreId": s,
                    "lines": [{"variantId": gid("Variant", near), "quantity": quantity}],
                }
            who = clerk if channel == "CLERK_PAD" else await token("MEMBER", member="M0001")
            order = await place(gql, who, request)
            if fate == "unpaid":
                continue
            if fate == "cancel_unpaid":
                cancelled = await gql(CANCEL_ORDER, {"input": {"orderId": order["id"]}}, token=hq)
                assert cancelled["data"]["cancelOrder"]["userErrors"] == []
                continue
            clock.advance(wait / 30)  # within the 15-minute hold
            paid = await pay(gql, clerk if channel == "CLERK_PAD" else service, order)
            clock.advance(wait)
            if fate == "cancel_paid":
                cancelled = await gql(CANCEL_ORDER, {"input": {"orderId": order["id"]}}, token=hq)
                assert cancelled["data"]["cancelOrder"]["userErrors"] == [], cancelled
            elif fate == "refund":
                made = await refund(gql, hq, order["id"], [(near, 1)])
                assert made["userErrors"] == [], made
                done = await confirm(gql, token, made["refund"]["id"], f"RF-{order['number']}")
                assert done["userErrors"] == []
            elif fate in ("ready", "collected") and channel != "EXPRESS":
                fulfillment = order["fulfillments"][0]["id"]
                ready = await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": fulfillment}, token=clerk)
                assert "errors" not in ready, ready
                clock.advance(wait * 3)
                if fate == "collected":
                    code = await db.fetch("SELECT pickup_code FROM customer_order WHERE number = $1", [paid["number"]])
                    handed = await gql(COMPLETE_PICKUP, {"store": s, "code": code[0]["pickup_code"]}, token=clerk)
                    assert handed["data"]["completePickup"]["userErrors"] == [], handed
    await check_every_report(gql, token, start)


async def test_reports_over_the_seeded_sales_history_equal_the_raw_figures(gql, token):
    """The demo's 60 days of sales history (persistence/seed/history.py) reach the rollups when seeded:
    salesReport, fulfillmentReport, channelMix and creditReport over those days equal the raw rows."""
    now = datetime.now(UTC)
    orders = await check_every_report(gql, token, now, days_before=61, days_after=1)
    first, last, period = raw.period_around(now, 61, 1)
    seeded = await db.fetch("SELECT id FROM customer_order WHERE placed_by = 'seed:history'")
    history = [o for o in orders if o["id"] in {r["id"] for r in seeded}]
    paid = [o for o in history if raw.counted(o, first, last)]
    assert len(paid) > 100 and len(history) > len(paid)  # the seeded sales and their cancellations
    assert {raw.chain_day(o["paid_at"]) for o in paid} >= {last - timedelta(days=n) for n in (1, 30, 60)}
    # every day, channel and store of the history shows in the report, at least with the history's figures
    by = ["DAY", "CHANNEL", "STORE", "FULFILLMENT_MODE"]
    reported = raw.report_rows_by_everything(await answers(gql, token, raw.SALES, {**period, "by": by}))
    for key, figures in raw.raw_sales_by_everything(history, first, last).items():
        assert key in reported and all(r >= f for r, f in zip(reported[key], figures, strict=True)), key
    for _ in range(30):  # the app's sweeper may change other tests' orders between the reads
        orders = await raw.raw_orders()
        credit = await answers(gql, token, raw.CREDIT, period)
        if await raw.raw_orders() == orders:
            break
        await asyncio.sleep(0.5)
    else:
        pytest.fail("the orders kept changing while the reports were read")
    got = {r["store"]["code"] if r["store"] else None: Decimal(r["amount"]["amount"]) for r in credit}
    assert got == await raw.raw_credit(orders, first, last)
    tills = {code for o in paid if o["channel"] == "STORE_POS" for _, code, _, _ in o["locations"]}
    assert tills and tills <= set(got)  # the seeded till sales credit their stores


async def test_an_order_paid_at_2359_and_one_at_0001_fall_on_two_days(app, gql, token):
    """Shanghai is UTC+8: 23:59 on the 10th is 15:59 UTC, 00:01 on the 11th is 16:01 UTC."""
    variant = await new_variant({"S04": 5}, price="10.00")
    s04 = await store_gid("S04")
    member, service = await token("MEMBER", member="M0002"), await token("SERVICE")
    day = raw.chain_day(datetime.now(UTC)) + timedelta(days=20)  # a day no other test pays on
    late = datetime(day.year, day.month, day.day, 23, 59, tzinfo=raw.ZONE).astimezone(UTC)
    request = {
        "channel": "APP",
        "fulfillmentMode": "PICKUP",
        "pickupStoreId": s04,
        "lines": [{"variantId": gid("Variant", variant), "quantity": 1}],
    }
    with app_clock(app, late - timedelta(minutes=1)) as clock:
        first = await place(gql, member, request)
        clock.at = late
        await pay(gql, service, first)
        second = await place(gql, member, request)
        clock.at = late + timedelta(minutes=2)  # 00:01 the next day in Shanghai
        await pay(gql, service, second)
    period = {"from": raw.midnight(day), "to": raw.midnight(day + timedelta(days=2)), "stores": [s04]}
    rows = await answers(gql, token, raw.SALES, {**period, "by": ["DAY"], "channels": ["APP"]})
    assert [(r["day"], r["orders"], r["revenue"]["amount"]) for r in rows] == [
        (day.isoformat(), 1, "10.00"),
        ((day + timedelta(days=1)).isoformat(), 1, "10.00"),
    ]
    only_first = {**period, "to": raw.midnight(day + timedelta(days=1))}
    rows = await answers(gql, token, raw.SALES, {**only_first, "by": [], "channels": ["APP"]})
    assert [(r["day"], r["orders"]) for r in rows] == [(None, 1)]


async def test_a_period_must_run_from_midnight_to_a_later_midnight(gql, token):
    analyst = await token("ANALYST")
    now = datetime.now(UTC)
    _, _, period = raw.period_around(now)
    bad = await gql(raw.MIX, {**period, "from": "2026-01-01T10:00:00+08:00"}, token=analyst)
    assert bad["data"] is None and bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    backwards = await gql(raw.MIX, {"from": period["to"], "to": period["from"]}, token=analyst)
    assert backwards["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    empty = await answers(gql, token, raw.MIX, {"from": "2001-01-01T00:00:00+08:00", "to": "2001-01-02T00:00:00+08:00"})
    assert empty == {"onlineShare": 0.0, "pickupShare": 0.0, "orders": 0}
