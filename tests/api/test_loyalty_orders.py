"""Loyalty across the order flow: coupons and points at checkout in every channel, earning on payment,
everything given back exactly once on cancellation or expiry, purchase history, merges with orders."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from omnichannel.domain.ports import UnitOfWork
from omnichannel.persistence import db
from omnichannel.resolvers.orders import steps
from tests.api.loyalty import ADJUST, REDEEM, claim, create_template, pk, sign_up
from tests.orders_support import (
    CANCEL_ORDER,
    CONFIRM_PAYMENT,
    PLACE_ORDER,
    errors_of,
    gid,
    ledger_mismatches,
    level,
    new_variant,
    store_gid,
)

ME = """{ me { pointsBalance tier coupons { code status } } }"""
DISCOUNTS = """query($id: ID!) { order(id: $id) { discountTotal { amount } total { amount } pointsRedeemed
  discounts { kind title amount { amount } code points } } }"""
HISTORY = """query($channel: SalesChannel) { me { orders(first: 50, channel: $channel) {
  edges { node { number channel } } } } }"""


def order_input(variant: int, store: str, channel: str = "MINI_PROGRAM", quantity: int = 1, **extra):
    return {
        "channel": channel,
        "fulfillmentMode": "PICKUP",
        "pickupStoreId": store,
        "lines": [{"variantId": gid("Variant", variant), "quantity": quantity}],
        **extra,
    }


async def place(gql, who: str, **fields):
    return (await gql(PLACE_ORDER, {"input": order_input(**fields)}, token=who))["data"]["placeOrder"]


async def pay(gql, who: str, order: dict) -> dict:
    payload = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"pay-{order['number']}"}
    return (await gql(CONFIRM_PAYMENT, {"input": payload}, token=who))["data"]["confirmPayment"]


async def test_a_coupon_used_by_30_concurrent_orders_and_till_redemptions_succeeds_once(gql, outbox, token):
    hq, clerk = await token("HQ_ADMIN"), await token("CLERK", store="S01")
    s01 = await store_gid("S01")
    variant = await new_variant({"S01": 40}, price="100.00")
    member = await sign_up(gql, outbox)
    template = await create_template(gql, hq, title="Race 10", value="10")
    code = (await claim(gql, member.token, template["id"], "APP"))["coupon"]["code"]
    orders = [place(gql, member.token, variant=variant, store=s01, couponCodes=[code]) for _ in range(15)]
    tills = [gql(REDEEM, {"code": code, "store": s01}, token=clerk) for _ in range(15)]
    results = await asyncio.gather(*(x for pair in zip(orders, tills, strict=True) for x in pair))
    placed = [r for r in results if r.get("order")]
    redeemed = [r for r in results if "data" in r and r["data"]["redeemCoupon"]["coupon"]]
    assert len(placed) + len(redeemed) == 1
    refusals = {e for r in results if "userErrors" in r for e in errors_of(r)} | {
        e["code"] for r in results if "data" in r for e in r["data"]["redeemCoupon"]["userErrors"]
    }
    assert refusals == {"COUPON_ALREADY_USED"}
    me = (await gql(ME, token=member.token))["data"]["me"]
    assert me["coupons"] == [{"code": code, "status": "REDEEMED"}]
    assert (await level(variant, "S01"))["reserved"] == len(placed)
    if placed:
        assert placed[0]["order"]["discountTotal"]["amount"] == "10.00"
    assert await ledger_mismatches([variant]) == []


async def test_points_earned_at_a_store_till_pay_for_an_app_order(gql, outbox, token):
    clerk, service = await token("CLERK", store="S02"), await token("SERVICE")
    s02 = await store_gid("S02")
    member = await sign_up(gql, outbox)
    till_variant = await new_variant({"S02": 5}, price="300.00")
    till = await place(gql, clerk, variant=till_variant, store=s02, channel="STORE_POS", memberId=member.id)
    assert till["userErrors"] == []
    paid = await pay(gql, clerk, till["order"])
    assert paid["order"]["pointsEarned"] == 300
    assert (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"] == 300

    app_variant = await new_variant({"S02": 5}, price="100.00")
    app = await place(gql, member.token, variant=app_variant, store=s02, channel="APP", pointsToRedeem=300)
    assert app["userErrors"] == []
    order = app["order"]
    assert (order["total"]["amount"], order["pointsRedeemed"]) == ("97.00", 300)
    assert (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"] == 0
    discounts = (await gql(DISCOUNTS, {"id": order["id"]}, token=member.token))["data"]["order"]["discounts"]
    assert discounts == [
        {"kind": "POINTS", "title": "300 points", "amount": {"amount": "3.00"}, "code": None, "points": 300}
    ]
    paid = await pay(gql, service, order)
    assert paid["order"]["pointsEarned"] == 97
    again = await pay(gql, service, order)  # the provider calls twice: nothing is earned twice
    assert again["userErrors"] == [] and again["order"]["pointsEarned"] == 97
    assert (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"] == 97

    history = (await gql(HISTORY, token=member.token))["data"]["me"]["orders"]["edges"]
    assert [e["node"]["channel"] for e in history] == ["APP", "STORE_POS"]
    pos_only = (await gql(HISTORY, {"channel": "STORE_POS"}, token=member.token))["data"]["me"]["orders"]["edges"]
    assert [e["node"]["number"] for e in pos_only] == [till["order"]["number"]]


async def test_points_beyond_the_balance_or_the_share_refuse_the_order_and_hold_nothing(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    s03 = await store_gid("S03")
    member = await sign_up(gql, outbox)
    await gql(ADJUST, {"m": member.id, "d": 10000, "r": "goodwill"}, token=hq)
    variant = await new_variant({"S03": 5}, price="100.00")
    too_many = await place(gql, member.token, variant=variant, store=s03, pointsToRedeem=5001)
    assert errors_of(too_many) == ["POINTS_LIMIT_EXCEEDED"]
    short = await place(gql, member.token, variant=variant, store=s03, pointsToRedeem=10001)
    assert errors_of(short) in (["INSUFFICIENT_POINTS"], ["POINTS_LIMIT_EXCEEDED"])
    assert (await level(variant, "S03"))["reserved"] == 0
    assert (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"] == 10000


async def test_cancelling_a_paid_order_gives_coupons_and_used_points_back_once_and_takes_earned_points(
    gql, outbox, token
):
    hq, service = await token("HQ_ADMIN"), await token("SERVICE")
    s04 = await store_gid("S04")
    member = await sign_up(gql, outbox)
    await gql(ADJUST, {"m": member.id, "d": 1000, "r": "goodwill"}, token=hq)
    template = await create_template(gql, hq, title="Cancel me 20", value="20", minSpend="100")
    code = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
    variant = await new_variant({"S04": 5}, price="150.00")
    placed = await place(gql, member.token, variant=variant, store=s04, couponCodes=[code], pointsToRedeem=500)
    assert placed["userErrors"] == []
    order = placed["order"]
    assert (order["subtotal"]["amount"], order["discountTotal"]["amount"], order["total"]["amount"]) == (
        "150.00",
        "25.00",
        "125.00",
    )
    assert (await pay(gql, service, order))["order"]["pointsEarned"] == 125
    me = (await gql(ME, token=member.token))["data"]["me"]
    assert me["pointsBalance"] == 625 and me["coupons"][0]["status"] == "REDEEMED"

    cancels = await asyncio.gather(
        *(
            gql(CANCEL_ORDER, {"input": {"orderId": order["id"], "reason": "changed my mind"}}, token=member.token)
            for _ in range(5)
        )
    )
    done = [c["data"]["cancelOrder"] for c in cancels if c["data"]["cancelOrder"]["order"]]
    assert len(done) == 1 and done[0]["order"]["status"] == "CANCELLED"
    me = (await gql(ME, token=member.token))["data"]["me"]
    assert me["pointsBalance"] == 1000
    assert me["coupons"] == [{"code": code, "status": "ACTIVE"}]
    audit = await gql(
        """query($t: ID!) { couponAudit(templateId: $t) { edges { node { kind } } } }""",
        {"t": template["id"]},
        token=hq,
    )
    kinds = [e["node"]["kind"] for e in audit["data"]["couponAudit"]["edges"]]
    assert kinds.count("RETURNED") == 1 and kinds.count("USED") == 1
    # the coupon works again
    again = await place(gql, member.token, variant=variant, store=s04, couponCodes=[code])
    assert again["userErrors"] == [] and again["order"]["discountTotal"]["amount"] == "20.00"


async def test_an_unpaid_order_that_expires_gives_its_coupon_and_points_back(gql, outbox, token, app):
    hq = await token("HQ_ADMIN")
    s05 = await store_gid("S05")
    member = await sign_up(gql, outbox)
    await gql(ADJUST, {"m": member.id, "d": 200, "r": "goodwill"}, token=hq)
    template = await create_template(gql, hq, title="Expire me", value="5")
    code = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
    variant = await new_variant({"S05": 3}, price="80.00")
    order = (await place(gql, member.token, variant=variant, store=s05, couponCodes=[code], pointsToRedeem=200))[
        "order"
    ]
    assert (await gql(ME, token=member.token))["data"]["me"]["pointsBalance"] == 0
    order_id = pk(order["id"])
    services = app.state.services
    later = services.clock() + timedelta(seconds=services.reservation_ttl + 60)

    async def work(uow: UnitOfWork) -> None:
        locked = await uow.orders.get_for_update(order_id)
        assert locked is not None
        await steps.expire(uow, locked, later)

    await services.new_uow().atomic(work)  # with the app's in-transaction handlers (loyalty gives back)
    me = (await gql(ME, token=member.token))["data"]["me"]
    assert me["pointsBalance"] == 200 and me["coupons"] == [{"code": code, "status": "ACTIVE"}]
    assert (await level(variant, "S05"))["reserved"] == 0


async def test_promotions_price_orders_the_same_in_every_channel(gql, outbox, token):
    hq, clerk = await token("HQ_ADMIN"), await token("CLERK", store="S06")
    s06 = await store_gid("S06")
    member = await sign_up(gql, outbox)
    variant = await new_variant({"S06": 10}, price="120.00")
    product = await db.fetch("SELECT product_id FROM variant WHERE id = $1", [variant])
    promotion = (
        await gql(
            """mutation($p: ID!) { createPromotion(input: {title: "Test 15%", kind: PERCENT_OFF, percent: "15",
              productIds: [$p]}) { promotion { id } userErrors { code } } }""",
            {"p": gid("Product", product[0]["product_id"])},
            token=hq,
        )
    )["data"]["createPromotion"]["promotion"]
    try:
        app_order = await place(gql, member.token, variant=variant, store=s06, channel="APP", quantity=2)
        mini = await place(gql, member.token, variant=variant, store=s06, channel="MINI_PROGRAM", quantity=2)
        till = await place(gql, clerk, variant=variant, store=s06, channel="STORE_POS", quantity=2, memberId=member.id)
        pad = await place(gql, clerk, variant=variant, store=s06, channel="CLERK_PAD", quantity=2)
        totals = {
            (p["order"]["subtotal"]["amount"], p["order"]["discountTotal"]["amount"], p["order"]["total"]["amount"])
            for p in (app_order, mini, till, pad)
        }
        assert totals == {("240.00", "36.00", "204.00")}
        kept = (await gql(DISCOUNTS, {"id": pad["order"]["id"]}, token=hq))["data"]["order"]["discounts"]
        assert [(d["kind"], d["title"], d["amount"]["amount"]) for d in kept] == [("PROMOTION", "Test 15%", "36.00")]
    finally:
        await gql(
            """mutation($id: ID!) { endPromotion(input: {promotionId: $id}) { promotion { active } } }""",
            {"id": promotion["id"]},
            token=hq,
        )


async def test_a_coupon_claimed_in_the_mini_program_is_redeemed_at_a_till_order_and_returned_on_cancel(
    gql, outbox, token
):
    hq, clerk = await token("HQ_ADMIN"), await token("CLERK", store="S07")
    s07 = await store_gid("S07")
    member = await sign_up(gql, outbox)
    template = await create_template(gql, hq, title="Till linked", value="15", channels=["STORE_POS"])
    code = (await claim(gql, member.token, template["id"], "MINI_PROGRAM"))["coupon"]["code"]
    variant = await new_variant({"S07": 3}, price="60.00")
    till = await place(gql, clerk, variant=variant, store=s07, channel="STORE_POS", memberId=member.id)
    redeem = """mutation($code: String!, $store: ID!, $order: ID) { redeemCoupon(input: {code: $code, storeId: $store,
      orderId: $order}) { coupon { status } userErrors { code } } }"""
    used = await gql(redeem, {"code": code, "store": s07, "order": till["order"]["id"]}, token=clerk)
    assert used["data"]["redeemCoupon"]["coupon"]["status"] == "REDEEMED"
    cancelled = await gql(CANCEL_ORDER, {"input": {"orderId": till["order"]["id"]}}, token=clerk)
    assert cancelled["data"]["cancelOrder"]["order"]["status"] == "CANCELLED"
    assert (await gql(ME, token=member.token))["data"]["me"]["coupons"] == [{"code": code, "status": "ACTIVE"}]
    online = await place(gql, member.token, variant=variant, store=s07, channel="APP", couponCodes=[code])
    assert errors_of(online) == ["COUPON_NOT_APPLICABLE"]  # a till-only coupon


async def test_merging_members_moves_their_orders(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    s08 = await store_gid("S08")
    survivor, duplicate = await sign_up(gql, outbox), await sign_up(gql, outbox)
    variant = await new_variant({"S08": 3}, price="10.00")
    placed = await place(gql, duplicate.token, variant=variant, store=s08)
    merged = await gql(
        """mutation($s: ID!, $d: ID!) { mergeMembers(input: {survivorId: $s, duplicateId: $d}) { movedOrders } }""",
        {"s": survivor.id, "d": duplicate.id},
        token=hq,
    )
    assert merged["data"]["mergeMembers"]["movedOrders"] == 1
    # a till naming the duplicate's old member id sells to the survivor
    clerk = await token("CLERK", store="S08")
    later = await place(gql, clerk, variant=variant, store=s08, channel="STORE_POS", memberId=duplicate.id)
    assert later["order"]["member"]["memberNumber"] == survivor.number
    history = (await gql(HISTORY, token=survivor.token))["data"]["me"]["orders"]["edges"]
    assert [e["node"]["number"] for e in history] == [later["order"]["number"], placed["order"]["number"]]


async def test_spend_over_the_threshold_raises_the_tier_and_its_multiplier(gql, outbox, token):
    service = await token("SERVICE")
    s09 = await store_gid("S09")
    member = await sign_up(gql, outbox)
    big = await new_variant({"S09": 2}, price="2100.00")
    first = (await place(gql, member.token, variant=big, store=s09))["order"]
    assert (await pay(gql, service, first))["order"]["pointsEarned"] == 2100
    assert (await gql(ME, token=member.token))["data"]["me"]["tier"] == "SILVER"
    small = await new_variant({"S09": 2}, price="100.00")
    second = (await place(gql, member.token, variant=small, store=s09))["order"]
    assert (await pay(gql, service, second))["order"]["pointsEarned"] == 120
