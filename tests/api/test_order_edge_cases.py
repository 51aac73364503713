"""Edges found by review: free orders, merged duplicate lines, double scans, points spent meanwhile."""

from __future__ import annotations

import asyncio

import pytest

from omnichannel.persistence.db import fetch
from tests.api.loyalty import ADJUST, ME, claim, create_template, pk, sign_up
from tests.orders_support import (
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    ORDER,
    PLACE_ORDER,
    errors_of,
    gid,
    ledger_mismatches,
    level,
    new_variant,
    pickup_input,
    store_gid,
)

# wrong codes and passwords lock people out: the counters go back after every test, pass or fail
pytestmark = pytest.mark.usefixtures("lift_lockouts")


async def test_an_order_coupons_made_free_is_paid_with_zero(gql, token, outbox):
    hq, service = await token("HQ_ADMIN"), await token("SERVICE")
    template = await create_template(gql, hq, kind="PERCENT_OFF", value="100", title="On the house")
    member = await sign_up(gql, outbox)
    code = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
    variant = await new_variant({"S07": 3})
    s07 = await store_gid("S07")
    placed = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s07, couponCodes=[code])}, token=member.token))[
        "data"
    ]["placeOrder"]
    assert placed["userErrors"] == [] and placed["order"]["total"]["amount"] == "0.00"
    order_id = placed["order"]["id"]
    refused = (
        await gql(CONFIRM_PAYMENT, {"input": {"orderId": order_id, "amount": "-1", "reference": "x"}}, token=service)
    )["data"]["confirmPayment"]
    assert errors_of(refused) == ["INVALID_INPUT"]
    free = {"orderId": order_id, "amount": "0", "reference": f"free-{order_id}"}
    paid = (await gql(CONFIRM_PAYMENT, {"input": free}, token=service))["data"]["confirmPayment"]
    assert paid["userErrors"] == []
    assert paid["order"]["status"] == "CONFIRMED"
    mine = (await gql(ORDER, {"id": order_id}, token=member.token))["data"]["order"]
    assert mine["pickupCode"]


async def test_paying_zero_for_an_order_that_costs_something_is_refused(gql, token):
    member, service = await token("MEMBER", member="M0011"), await token("SERVICE")
    variant = await new_variant({"S07": 3})
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant, await store_gid("S07"))}, token=member))["data"][
        "placeOrder"
    ]["order"]
    zero = {"orderId": order["id"], "amount": "0", "reference": "zero"}
    answer = (await gql(CONFIRM_PAYMENT, {"input": zero}, token=service))["data"]["confirmPayment"]
    assert answer["order"] is None or answer["order"]["status"] == "PENDING_PAYMENT"
    assert errors_of(answer)  # the amount must equal the total


async def test_the_same_variant_on_two_lines_over_the_limit_is_a_user_error(gql, token):
    member = await token("MEMBER", member="M0011")
    variant = await new_variant({"S07": 2000})
    request = pickup_input(variant, await store_gid("S07"), 600)
    request["lines"].append({"variantId": gid("Variant", variant), "quantity": 600})
    answer = await gql(PLACE_ORDER, {"input": request}, token=member)
    assert "errors" not in answer
    payload = answer["data"]["placeOrder"]
    assert payload["order"] is None and errors_of(payload) == ["INVALID_INPUT"]
    assert (await level(variant, "S07"))["reserved"] == 0


async def test_two_clerks_scanning_one_code_hand_it_over_once_and_count_no_guess(gql, token):
    member, service = await token("MEMBER", member="M0012"), await token("SERVICE")
    clerk, manager = await token("CLERK", store="S08"), await token("STORE_MANAGER", store="S08")
    variant = await new_variant({"S08": 5})
    s08 = await store_gid("S08")
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s08)}, token=member))["data"]["placeOrder"]["order"]
    reference = f"double-{order['id']}"
    await gql(
        CONFIRM_PAYMENT, {"input": {"orderId": order["id"], "amount": "100.00", "reference": reference}}, token=service
    )
    seen = (await gql(ORDER, {"id": order["id"]}, token=member))["data"]["order"]
    ready = await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": seen["fulfillments"][0]["id"]}, token=clerk)
    assert ready["data"]["markReadyForPickup"]["userErrors"] == []
    failures_before = await _failures(s08)
    answers = await asyncio.gather(
        gql(COMPLETE_PICKUP, {"store": s08, "code": seen["pickupCode"]}, token=clerk),
        gql(COMPLETE_PICKUP, {"store": s08, "code": seen["pickupCode"]}, token=manager),
    )
    payloads = [a["data"]["completePickup"] for a in answers]
    assert sorted(p["order"]["status"] if p["order"] else errors_of(p)[0] for p in payloads) == [
        "COMPLETED",
        "INVALID_TRANSITION",
    ]
    assert await _failures(s08) == failures_before  # a double scan is not a guess
    assert (await level(variant, "S08")) == {"on_hand": 4, "reserved": 0, "safety_stock": 0}
    assert await ledger_mismatches([variant]) == []


async def _failures(store_global_id: str) -> int:
    """Wrong-code failures counted at this store (the store's throttle key)."""
    rows = await fetch("SELECT failures FROM throttle WHERE key = $1", [f"pickup:store:{pk(store_global_id)}"])
    return int(rows[0]["failures"]) if rows else 0


async def test_points_spent_meanwhile_by_another_order_name_points_to_redeem(gql, token, outbox):
    hq = await token("HQ_ADMIN")
    member = await sign_up(gql, outbox)
    await gql(ADJUST, {"m": member.id, "d": 1000, "r": "gift"}, token=hq)
    variant = await new_variant({"S09": 10}, price="100.00")
    s09 = await store_gid("S09")
    answers = await asyncio.gather(
        *(
            gql(PLACE_ORDER, {"input": pickup_input(variant, s09, 1, pointsToRedeem=600)}, token=member.token)
            for _ in range(3)
        )
    )
    payloads = [a["data"]["placeOrder"] for a in answers]
    placed = [p for p in payloads if p["order"] is not None]
    refused = [p for p in payloads if p["order"] is None]
    assert len(placed) == 1 and len(refused) == 2
    for payload in refused:
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("INSUFFICIENT_POINTS", ["pointsToRedeem"])]
    assert placed[0]["order"]["pointsRedeemed"] == 600
    assert (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"] == 400
