"""Refunds and returns over GraphQL: shares to the cent, points and coupons, restock, the provider's
confirmation, cancellation of a paid order, who may refund, and two refunds racing for the last line."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest

from tests.api.loyalty import ADJUST, claim, create_template, sign_up
from tests.orders_support import (
    CANCEL_ORDER,
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    ORDER,
    PLACE_ORDER,
    count_statements,
    gid,
    ledger_mismatches,
    level,
    new_member,
    new_variant,
    store_gid,
)

REFUND_FIELDS = """refund { id status amount { amount currency } pointsReturned pointsReversed pointsShortfall
  reason reference completedAt lines { quantity unitPrice { amount } total { amount } variant { id } }
  order { number refundedTotal { amount } } } userErrors { field code message }"""
REFUND = "mutation($input: RefundOrderInput!) { refundOrder(input: $input) { " + REFUND_FIELDS + " } }"
CONFIRM = "mutation($input: ConfirmRefundInput!) { confirmRefund(input: $input) { " + REFUND_FIELDS + " } }"
REFUNDS = """query($id: ID!) { order(id: $id) { status refundedTotal { amount }
  refunds { id status amount { amount } pointsReturned pointsReversed } } }"""
ME = "{ me { pointsBalance coupons { code status } } }"
EVENTS = "query($types: [String!]) { events(types: $types, first: 500) { events { type payload } } }"


def lines_input(store: str, *lines: tuple[int, int], **extra):
    return {
        "channel": "MINI_PROGRAM",
        "fulfillmentMode": "PICKUP",
        "pickupStoreId": store,
        "lines": [{"variantId": gid("Variant", v), "quantity": q} for v, q in lines],
        **extra,
    }


async def paid_order(gql, token, member: str, store: str, *lines: tuple[int, int], **extra) -> dict:
    placed = (await gql(PLACE_ORDER, {"input": lines_input(store, *lines, **extra)}, token=member))["data"]
    order = placed["placeOrder"]["order"]
    assert order is not None, placed
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"pay-{order['number']}"}
    paid = await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE"))
    assert paid["data"]["confirmPayment"]["userErrors"] == [], paid
    return dict(paid["data"]["confirmPayment"]["order"])


async def refund(gql, who: str, order_id: str, lines=None, reason="customer changed their mind", **extra) -> dict:
    request = {"orderId": order_id, "reason": reason, **extra}
    if lines is not None:
        request["lines"] = [{"variantId": gid("Variant", v), "quantity": q} for v, q in lines]
    return dict((await gql(REFUND, {"input": request}, token=who))["data"]["refundOrder"])


async def confirm(gql, token, refund_id: str, reference: str, succeeded: bool = True) -> dict:
    answer = {"refundId": refund_id, "reference": reference, "succeeded": succeeded}
    return dict((await gql(CONFIRM, {"input": answer}, token=await token("SERVICE")))["data"]["confirmRefund"])


async def test_partial_refunds_give_back_shares_of_what_was_paid_to_the_cent(gql, token, outbox):
    hq = await token("HQ_ADMIN")
    s01 = await store_gid("S01")
    member = await sign_up(gql, outbox)
    await gql(ADJUST, {"m": member.id, "d": 1000, "r": "goodwill"}, token=hq)
    shirt, socks = await new_variant({"S01": 5}, price="30.00"), await new_variant({"S01": 5}, price="10.00")
    order = await paid_order(gql, token, member.token, s01, (shirt, 2), (socks, 1), pointsToRedeem=700)
    assert (order["subtotal"]["amount"], order["total"]["amount"]) == ("70.00", "63.00")  # 700 points = 7.00
    earned = order["pointsEarned"]
    assert earned == 63
    assert (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"] == 1000 - 700 + 63

    first = await refund(gql, hq, order["id"], [(shirt, 1)])
    assert first["userErrors"] == []
    made = first["refund"]
    assert (made["status"], made["amount"]["amount"], made["reason"]) == (
        "PENDING",
        "27.00",
        "customer changed their mind",
    )
    assert (made["pointsReturned"], made["pointsReversed"]) == (300, 27)  # 30 of 70 listed
    line = {"quantity": 1, "unitPrice": {"amount": "30.00"}, "total": {"amount": "27.00"}}
    assert made["lines"] == [{**line, "variant": {"id": gid("Variant", shirt)}}]
    assert made["order"]["refundedTotal"]["amount"] == "27.00"  # PENDING counts
    assert (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"] == 363  # nothing moves until it succeeds

    done = await confirm(gql, token, made["id"], "RF-1-" + order["number"])
    assert done["userErrors"] == [] and done["refund"]["status"] == "SUCCEEDED"
    assert done["refund"]["reference"] == "RF-1-" + order["number"] and done["refund"]["completedAt"]
    assert (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"] == 363 + 300 - 27
    again = await confirm(gql, token, made["id"], "RF-1-" + order["number"])
    assert again["userErrors"] == [] and again["refund"] == done["refund"]  # the provider called twice
    other = await confirm(gql, token, made["id"], "RF-1-" + order["number"], succeeded=False)
    assert other["userErrors"][0]["code"] == "INVALID_TRANSITION"

    too_much = await refund(gql, hq, order["id"], [(shirt, 2)])
    assert too_much["refund"] is None and too_much["userErrors"][0]["code"] == "REFUND_EXCEEDS_ORDER"
    rest = await refund(gql, hq, order["id"])  # no lines: everything left
    assert rest["refund"]["amount"]["amount"] == "36.00"
    assert (rest["refund"]["pointsReturned"], rest["refund"]["pointsReversed"]) == (400, 36)
    reused = await confirm(gql, token, rest["refund"]["id"], "RF-1-" + order["number"])
    assert reused["userErrors"][0]["code"] == "PAYMENT_REFERENCE_USED"
    assert (await confirm(gql, token, rest["refund"]["id"], "RF-2-" + order["number"]))["userErrors"] == []
    seen = (await gql(REFUNDS, {"id": order["id"]}, token=member.token))["data"]["order"]
    assert seen["refundedTotal"]["amount"] == "63.00"  # exactly what was paid
    assert [r["status"] for r in seen["refunds"]] == ["SUCCEEDED", "SUCCEEDED"]
    assert (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"] == 1000  # all given back and taken back
    nothing_left = await refund(gql, hq, order["id"])
    assert nothing_left["userErrors"][0]["code"] == "REFUND_EXCEEDS_ORDER"

    logged = (await gql(EVENTS, {"types": ["refund.requested", "refund.succeeded"]}, token=hq))["data"]["events"]
    mine = [(e["type"], json.loads(e["payload"])) for e in logged["events"]]
    mine = [(t, p) for t, p in mine if p["order"]["number"] == order["number"]]
    assert [t for t, _ in mine] == ["refund.requested", "refund.succeeded", "refund.requested", "refund.succeeded"]
    succeeded = mine[1][1]["refund"]
    assert succeeded["amount"] == "27.00" and succeeded["reference"] == "RF-1-" + order["number"]
    assert succeeded["lines"][0]["quantity"] == 1 and succeeded["lines"][0]["variant"]["sku"].startswith("TST-")
    assert mine[1][1]["member"]["number"] == member.number and mine[1][1]["stores"][0]["code"] == "S01"


async def test_earned_points_already_spent_are_recorded_as_a_shortfall(gql, token, outbox):
    hq = await token("HQ_ADMIN")
    s02 = await store_gid("S02")
    member = await sign_up(gql, outbox)
    variant = await new_variant({"S02": 3}, price="100.00")
    order = await paid_order(gql, token, member.token, s02, (variant, 1))
    assert order["pointsEarned"] == 100
    spend = await gql(ADJUST, {"m": member.id, "d": -70, "r": "spent elsewhere"}, token=hq)
    assert spend["data"]["adjustPoints"]["member"]["pointsBalance"] == 30
    made = (await refund(gql, hq, order["id"]))["refund"]
    done = (await confirm(gql, token, made["id"], f"SF-{order['number']}"))["refund"]
    assert (done["pointsReversed"], done["pointsShortfall"]) == (30, 70)
    assert (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"] == 0  # never below zero


async def test_a_failed_refund_frees_its_units_and_a_whole_refund_brings_coupons_back(gql, token, outbox):
    hq = await token("HQ_ADMIN")
    s03 = await store_gid("S03")
    member = await sign_up(gql, outbox)
    template = await create_template(gql, hq, title="Refund me 10", value="10")
    code = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
    variant = await new_variant({"S03": 3}, price="50.00")
    order = await paid_order(gql, token, member.token, s03, (variant, 2), couponCodes=[code])
    assert order["total"]["amount"] == "90.00"
    failing = (await refund(gql, hq, order["id"], [(variant, 2)]))["refund"]
    failed = (await confirm(gql, token, failing["id"], f"NO-{order['number']}", succeeded=False))["refund"]
    assert failed["status"] == "FAILED"
    assert (await gql(REFUNDS, {"id": order["id"]}, token=hq))["data"]["order"]["refundedTotal"]["amount"] == "0.00"
    one = (await refund(gql, hq, order["id"], [(variant, 1)]))["refund"]
    await confirm(gql, token, one["id"], f"A-{order['number']}")
    assert (await gql(ME, token=member.token))["data"]["me"]["coupons"][0]["status"] == "REDEEMED"  # not whole yet
    two = (await refund(gql, hq, order["id"], [(variant, 1)]))["refund"]
    await confirm(gql, token, two["id"], f"B-{order['number']}")
    assert (one["amount"]["amount"], two["amount"]["amount"]) == ("45.00", "45.00")
    assert (await gql(ME, token=member.token))["data"]["me"]["coupons"] == [{"code": code, "status": "ACTIVE"}]


async def test_a_whole_refund_retires_a_coupon_past_its_window_instead_of_giving_it_back(gql, token, outbox):
    from omnichannel.persistence import db

    hq = await token("HQ_ADMIN")
    member = await sign_up(gql, outbox)
    template = await create_template(gql, hq, title="Expiring 5", value="5")
    code = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
    variant = await new_variant({"S03": 2}, price="25.00")
    order = await paid_order(gql, token, member.token, await store_gid("S03"), (variant, 1), couponCodes=[code])
    assert order["total"]["amount"] == "20.00"
    stored = code.replace("-", "")  # codes are kept without the dashes they are shown with
    expired = await db.fetch(
        "UPDATE coupon SET valid_until = now() - interval '1 hour' WHERE code = $1 RETURNING id", [stored]
    )
    assert len(expired) == 1
    made = (await refund(gql, hq, order["id"]))["refund"]
    assert made["amount"]["amount"] == "20.00"
    await confirm(gql, token, made["id"], f"EXP-{order['number']}")
    assert (await gql(ME, token=member.token))["data"]["me"]["coupons"] == [{"code": code, "status": "EXPIRED"}]
    audit = await db.fetch(
        "SELECT e.kind FROM coupon_event e JOIN coupon c ON c.id = e.coupon_id WHERE c.code = $1 ORDER BY e.id",
        [stored],
    )
    assert audit[-1]["kind"] == "NOT_RETURNED_EXPIRED"


async def test_returned_goods_go_back_on_hand_where_they_were_handed_in(gql, token):
    member, clerk = await token("MEMBER", member="M0014"), await token("CLERK", store="S04")
    manager = await token("STORE_MANAGER", store="S04")
    s04, s05 = await store_gid("S04"), await store_gid("S05")
    variant = await new_variant({"S04": 4, "S05": 0}, price="20.00")
    order = await paid_order(gql, token, member, s04, (variant, 2))
    early = await refund(gql, manager, order["id"], [(variant, 1)], restockStoreId=s04)
    assert early["userErrors"][0]["field"] == ["restockStoreId"]  # nothing handed over yet
    await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": order["fulfillments"][0]["id"]}, token=clerk)
    code = (await gql(ORDER, {"id": order["id"]}, token=member))["data"]["order"]["pickupCode"]
    assert (await gql(COMPLETE_PICKUP, {"store": s04, "code": code}, token=clerk))["data"]["completePickup"]["order"][
        "status"
    ] == "COMPLETED"
    assert await level(variant, "S04") == {"on_hand": 2, "reserved": 0, "safety_stock": 0}
    elsewhere = {"orderId": order["id"], "reason": "back", "restockStoreId": s05}
    refused = await gql(REFUND, {"input": elsewhere}, token=manager)  # a manager restocks at their own store
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    counter = await refund(gql, manager, order["id"], [(variant, 1)], restockStoreId=s04)
    assert counter["userErrors"] == []
    await confirm(gql, token, counter["refund"]["id"], f"RET-{order['number']}")
    assert await level(variant, "S04") == {"on_hand": 3, "reserved": 0, "safety_stock": 0}
    assert await ledger_mismatches([variant]) == []
    from omnichannel.persistence import db

    returns = await db.fetch(
        "SELECT on_hand_delta, reference FROM stock_movement WHERE variant_id = $1 AND reason = 'RETURN'", [variant]
    )
    assert [(r["on_hand_delta"], r["reference"]) for r in returns] == [(1, order["number"])]


@pytest.mark.parametrize(
    ("role", "extra", "allowed"),
    [
        ("MEMBER", {"member": "M0016"}, False),
        ("CLERK", {"store": "S06"}, False),
        ("ANALYST", {}, False),
        ("STORE_MANAGER", {"store": "S07"}, "NOT_FOUND"),  # another store's order does not exist for it
        ("STORE_MANAGER", {"store": "S06"}, True),
        ("SERVICE", {}, True),
        ("HQ_ADMIN", {}, True),
    ],
)
async def test_who_may_refund(gql, token, role, extra, allowed):
    variant = await new_variant({"S06": 2}, price="12.00")
    order = await paid_order(gql, token, await token("MEMBER", member="M0016"), await store_gid("S06"), (variant, 1))
    answer = await gql(REFUND, {"input": {"orderId": order["id"], "reason": "test"}}, token=await token(role, **extra))
    if allowed == "NOT_FOUND":
        assert answer["data"]["refundOrder"]["userErrors"][0]["code"] == "NOT_FOUND"
    elif allowed:
        assert answer["data"]["refundOrder"]["userErrors"] == []
    else:
        assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    if allowed is True:
        made = answer["data"]["refundOrder"]["refund"]["id"]
        hq_confirm = await gql(CONFIRM, {"input": {"refundId": made, "reference": "x", "succeeded": True}},
                               token=await token("HQ_ADMIN"))  # fmt: skip
        assert hq_confirm["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # only the payment provider


async def test_taking_an_order_is_not_fulfilling_it(gql, token):
    """A clerk-pad order taken at S07 for pickup at S06: S07's manager sees it, S06's refunds it."""
    variant = await new_variant({"S06": 2}, price="12.00")
    on_behalf = {"channel": "CLERK_PAD", "memberId": gid("Member", 16)}
    order = await paid_order(
        gql, token, await token("CLERK", store="S07"), await store_gid("S06"), (variant, 1), **on_behalf
    )
    taker, fulfiller = await token("STORE_MANAGER", store="S07"), await token("STORE_MANAGER", store="S06")
    assert (await gql(REFUNDS, {"id": order["id"]}, token=taker))["data"]["order"]["refunds"] == []
    refused = await gql(REFUND, {"input": {"orderId": order["id"], "reason": "x"}}, token=taker)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await refund(gql, fulfiller, order["id"]))["userErrors"] == []


async def test_unpaid_orders_and_bad_input_are_refused(gql, token):
    hq = await token("HQ_ADMIN")
    variant = await new_variant({"S08": 2})
    placed = await gql(PLACE_ORDER, {"input": lines_input(await store_gid("S08"), (variant, 1))},
                       token=await token("MEMBER", member="M0017"))  # fmt: skip
    order = placed["data"]["placeOrder"]["order"]
    assert (await refund(gql, hq, order["id"]))["userErrors"][0]["code"] == "ORDER_NOT_PAID"
    assert (await refund(gql, hq, order["id"], reason="  "))["userErrors"][0]["field"] == ["reason"]
    unknown = await confirm(gql, token, gid("Refund", 2_000_000_000), "R-X")
    assert unknown["userErrors"][0]["code"] == "NOT_FOUND"


async def test_cancelling_a_paid_order_requests_a_whole_refund(gql, token, outbox):
    hq = await token("HQ_ADMIN")
    member = await sign_up(gql, outbox)
    await gql(ADJUST, {"m": member.id, "d": 500, "r": "goodwill"}, token=hq)
    variant = await new_variant({"S09": 3}, price="40.00")
    order = await paid_order(gql, token, member.token, await store_gid("S09"), (variant, 2), pointsToRedeem=500)
    part = (await refund(gql, hq, order["id"], [(variant, 1)]))["refund"]
    await confirm(gql, token, part["id"], f"P-{order['number']}")
    balance = (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"]
    cancelled = await gql(CANCEL_ORDER, {"input": {"orderId": order["id"], "reason": "out of stock"}}, token=hq)
    assert cancelled["data"]["cancelOrder"]["order"]["status"] == "CANCELLED"
    seen = (await gql(REFUNDS, {"id": order["id"]}, token=hq))["data"]["order"]
    assert seen["refundedTotal"]["amount"] == order["total"]["amount"]
    whole = seen["refunds"][-1]
    assert (whole["status"], whole["pointsReturned"], whole["pointsReversed"]) == ("PENDING", 0, 0)
    assert Decimal(part["amount"]["amount"]) + Decimal(whole["amount"]["amount"]) == Decimal(order["total"]["amount"])
    after_cancel = (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"]
    earned_left = order["pointsEarned"] - part["pointsReversed"]
    assert after_cancel == balance + (500 - part["pointsReturned"]) - earned_left  # the rest, once
    await confirm(gql, token, whole["id"], f"W-{order['number']}")
    assert (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"] == after_cancel  # no second time


async def test_two_refunds_of_the_last_line_at_once_one_wins(gql, token):
    hq, service = await token("HQ_ADMIN"), await token("SERVICE")
    variant = await new_variant({"S10": 2}, price="15.00")
    order = await paid_order(gql, token, await token("MEMBER", member="M0018"), await store_gid("S10"), (variant, 1))
    answers = await asyncio.gather(
        *(refund(gql, who, order["id"], [(variant, 1)]) for who in (hq, service, hq, service, hq, service))
    )
    made = [a["refund"] for a in answers if a["refund"] is not None]
    refused = [e["code"] for a in answers for e in a["userErrors"]]
    assert len(made) == 1 and refused == ["REFUND_EXCEEDS_ORDER"] * 5
    seen = (await gql(REFUNDS, {"id": order["id"]}, token=hq))["data"]["order"]
    assert seen["refundedTotal"]["amount"] == "15.00" and len(seen["refunds"]) == 1


async def test_refunds_of_many_orders_cost_the_same_statements(gql, token):
    hq = await token("HQ_ADMIN")
    _, number = await new_member()
    member = await token("MEMBER", member=number)
    variant = await new_variant({"S11": 20}, price="5.00")
    s11 = await store_gid("S11")
    for n in range(6):
        order = await paid_order(gql, token, member, s11, (variant, 1))
        made = (await refund(gql, hq, order["id"]))["refund"]
        if n % 2:
            await confirm(gql, token, made["id"], f"QC-{order['number']}")
    page = """query($first: Int!) { orders(first: $first) { edges { node { refundedTotal { amount }
      refunds { status amount { amount } lines { quantity variant { sku } } order { number } } } } } }"""
    with count_statements() as two:
        few = await gql(page, {"first": 2}, token=member)
    with count_statements() as six:
        many = await gql(page, {"first": 6}, token=member)
    assert "errors" not in few and "errors" not in many
    assert [len(e["node"]["refunds"]) for e in many["data"]["orders"]["edges"]] == [1] * 6
    assert len(two) == len(six), "\n".join(["2 orders:", *two, "6 orders:", *six])
