"""Unpaid orders: the hold expires, the in-server sweeper releases the stock, paying then fails."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

from omnichannel.persistence import db
from omnichannel.resolvers.orders import expire
from tests.orders_support import (
    CONFIRM_PAYMENT,
    ORDER,
    PLACE_ORDER,
    errors_of,
    ledger_mismatches,
    level,
    new_variant,
    pickup_input,
    store_gid,
)
from tests.ws_support import wait_until


@contextlib.contextmanager
def reservation_ttl(app, seconds: int):
    services = app.state.services
    before = services.reservation_ttl
    services.reservation_ttl = seconds
    try:
        yield
    finally:
        services.reservation_ttl = before


async def test_an_unpaid_order_expires_after_a_two_second_hold_and_can_no_longer_be_paid(app, gql, token):
    variant = await new_variant({"S01": 3}, price="20.00")
    member = await token("MEMBER", member="M0017")
    with reservation_ttl(app, 2):
        placed = (await gql(PLACE_ORDER, {"input": pickup_input(variant, await store_gid("S01"), 2)}, token=member))[
            "data"
        ]["placeOrder"]["order"]
    expires = datetime.fromisoformat(placed["reservationExpiresAt"])
    assert expires - datetime.fromisoformat(placed["createdAt"]) == timedelta(seconds=2)
    assert (await level(variant, "S01"))["reserved"] == 2

    async def expired() -> bool:
        order = (await gql(ORDER, {"id": placed["id"]}, token=member))["data"]["order"]
        return bool(order["status"] == "EXPIRED")

    await wait_until(expired, within=6.0, interval=0.2)  # the app's own sweeper (every 0.5 s in tests)
    assert datetime.now(UTC) >= expires
    assert (await level(variant, "S01"))["reserved"] == 0
    order = (await gql(ORDER, {"id": placed["id"]}, token=member))["data"]["order"]
    assert order["fulfillments"][0]["status"] == "CANCELLED"
    assert await ledger_mismatches([variant]) == []

    pay = {"orderId": placed["id"], "amount": "40.00", "reference": f"late-{placed['number']}"}
    late = (await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE")))["data"]["confirmPayment"]
    assert errors_of(late) == ["ORDER_EXPIRED"]


async def test_paying_after_the_hold_but_before_a_sweep_expires_the_order_on_the_spot(app, gql, token):
    variant = await new_variant({"S02": 3})
    member = await token("MEMBER", member="M0018")
    with reservation_ttl(app, 1):
        placed = (await gql(PLACE_ORDER, {"input": pickup_input(variant, await store_gid("S02"), 1)}, token=member))[
            "data"
        ]["placeOrder"]["order"]
    await asyncio.sleep(1.05)
    pay = {"orderId": placed["id"], "amount": placed["total"]["amount"], "reference": f"race-{placed['number']}"}
    late = (await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE")))["data"]["confirmPayment"]
    assert errors_of(late) == ["ORDER_EXPIRED"]  # whichever comes first, the sweeper or this payment
    assert (await level(variant, "S02"))["reserved"] == 0
    assert await ledger_mismatches([variant]) == []


async def test_concurrent_sweepers_release_each_hold_exactly_once(app, gql, token):
    variant = await new_variant({"S03": 40})
    member = await token("MEMBER", member="M0019")
    s03 = await store_gid("S03")
    with reservation_ttl(app, 3600):
        for _ in range(10):
            await gql(PLACE_ORDER, {"input": pickup_input(variant, s03, 1)}, token=member)
    assert (await level(variant, "S03"))["reserved"] == 10

    def later() -> datetime:
        return datetime.now(UTC) + timedelta(hours=2)  # as if the holds had long passed

    # (this also expires unpaid orders other tests left behind: harmless, each test makes its own)
    counts = await asyncio.gather(*(expire.sweep(app.state.services, later) for _ in range(6)))
    assert sum(counts) >= 10
    assert (await level(variant, "S03"))["reserved"] == 0
    releases = await db.fetch(
        "SELECT count(*) AS n, count(DISTINCT reference) AS orders FROM stock_movement "
        "WHERE variant_id = $1 AND reason = 'RELEASE'",
        [variant],
    )
    assert (releases[0]["n"], releases[0]["orders"]) == (10, 10)
    assert await ledger_mismatches([variant]) == []
