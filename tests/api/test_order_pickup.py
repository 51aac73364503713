"""Buy online, pick up in store over GraphQL: place, pay, pick, ready, hand over by code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.orders_support import (
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    ORDER,
    PLACE_ORDER,
    errors_of,
    ledger_mismatches,
    level,
    new_variant,
    pickup_input,
    store_gid,
)

# wrong codes and passwords lock people out: the counters go back after every test, pass or fail
pytestmark = pytest.mark.usefixtures("lift_lockouts")


async def test_a_pickup_order_goes_from_placed_to_handed_over(gql, token):
    variant = await new_variant({"S01": 5}, price="59.90")
    s01 = await store_gid("S01")
    member = await token("MEMBER", member="M0001")
    clerk = await token("CLERK", store="S01")
    service = await token("SERVICE")

    placed = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s01, 2)}, token=member))["data"]["placeOrder"]
    assert placed["userErrors"] == []
    order = placed["order"]
    assert order["status"] == "PENDING_PAYMENT"
    assert order["total"] == {"amount": "119.80", "currency": "CNY"}
    assert order["lines"][0]["unitPrice"]["amount"] == "59.90"
    assert order["fulfillments"][0]["store"]["code"] == "S01"
    assert order["fulfillments"][0]["status"] == "PENDING"
    expires = datetime.fromisoformat(order["reservationExpiresAt"])
    assert expires - datetime.fromisoformat(order["createdAt"]) == timedelta(minutes=15)
    assert expires > datetime.now(UTC)
    assert order["pickupCode"] is None
    assert await level(variant, "S01") == {"on_hand": 5, "reserved": 2, "safety_stock": 0}

    wrong = (
        await gql(
            CONFIRM_PAYMENT,
            {"input": {"orderId": order["id"], "amount": "100.00", "reference": f"pay-{order['number']}"}},
            token=service,
        )
    )["data"]["confirmPayment"]
    assert errors_of(wrong) == ["AMOUNT_MISMATCH"]

    pay = {"input": {"orderId": order["id"], "amount": "119.80", "reference": f"pay-{order['number']}"}}
    paid = (await gql(CONFIRM_PAYMENT, pay, token=service))["data"]["confirmPayment"]
    assert paid["userErrors"] == []
    assert paid["order"]["status"] == "CONFIRMED"
    assert paid["order"]["reservationExpiresAt"] is None
    again = (await gql(CONFIRM_PAYMENT, pay, token=service))["data"]["confirmPayment"]
    assert again["userErrors"] == [] and again["order"]["status"] == "CONFIRMED"

    seen_by_member = (await gql(ORDER, {"id": order["id"]}, token=member))["data"]["order"]
    code = seen_by_member["pickupCode"]
    assert code is not None and len(code.replace("-", "")) == 8
    assert (await gql(ORDER, {"id": order["id"]}, token=await token("HQ_ADMIN")))["data"]["order"]["pickupCode"] == code
    assert (await gql(ORDER, {"id": order["id"]}, token=clerk))["data"]["order"]["pickupCode"] is None

    fulfillment = order["fulfillments"][0]["id"]
    picking = (await gql(FULFILLMENT_ACTION % "startPicking", {"id": fulfillment}, token=clerk))["data"]
    assert picking["startPicking"]["fulfillment"]["status"] == "PICKING"
    assert picking["startPicking"]["fulfillment"]["order"]["status"] == "PICKING"
    ready = (await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": fulfillment}, token=clerk))["data"]
    assert ready["markReadyForPickup"]["fulfillment"]["status"] == "READY_FOR_PICKUP"
    assert ready["markReadyForPickup"]["fulfillment"]["order"]["status"] == "READY_FOR_PICKUP"

    bad = (await gql(COMPLETE_PICKUP, {"store": s01, "code": "ABCD-EFGH"}, token=clerk))["data"]["completePickup"]
    assert errors_of(bad) == ["INVALID_PICKUP_CODE"]
    typed = code.replace("-", "").lower()  # typed without the hyphen, in lower case
    done = (await gql(COMPLETE_PICKUP, {"store": s01, "code": typed}, token=clerk))["data"]["completePickup"]
    assert done["userErrors"] == []
    assert done["order"]["status"] == "COMPLETED"
    assert done["order"]["fulfillments"][0]["status"] == "COMPLETED"
    assert await level(variant, "S01") == {"on_hand": 3, "reserved": 0, "safety_stock": 0}
    assert await ledger_mismatches([variant]) == []

    reused = (await gql(COMPLETE_PICKUP, {"store": s01, "code": code}, token=clerk))["data"]["completePickup"]
    # a completed order's code opens nothing; scanned again soon after, it is said to be handed over
    assert errors_of(reused) == ["INVALID_TRANSITION"] and reused["order"] is None
    assert await level(variant, "S01") == {"on_hand": 3, "reserved": 0, "safety_stock": 0}


async def test_ready_straight_from_pending_and_the_price_of_the_pickup_store_and_channel(gql, token):
    variant = await new_variant({"S02": 3}, price="80.00")
    s02 = await store_gid("S02")
    from omnichannel.persistence import db
    from tests.orders_support import location_id

    await db.execute(
        "INSERT INTO price_override (variant_id, channel, location_id, amount) VALUES ($1, 'MINI_PROGRAM', $2, 70)",
        [variant, await location_id("S02")],
    )
    member = await token("MEMBER", member="M0002")
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s02, 1)}, token=member))["data"]["placeOrder"][
        "order"
    ]
    assert order["total"]["amount"] == "70.00"
    pay = {"input": {"orderId": order["id"], "amount": "70.00", "reference": f"pay-{order['number']}"}}
    assert (await gql(CONFIRM_PAYMENT, pay, token=await token("SERVICE")))["data"]["confirmPayment"]["userErrors"] == []
    clerk = await token("CLERK", store="S02")
    ready = await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": order["fulfillments"][0]["id"]}, token=clerk)
    assert ready["data"]["markReadyForPickup"]["fulfillment"]["status"] == "READY_FOR_PICKUP"
    assert Decimal(order["subtotal"]["amount"]) == Decimal("70.00")
