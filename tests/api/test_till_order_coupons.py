"""A coupon redeemed at the till against an order waiting for payment lowers that order's price.

Over HTTP: the total drops by the coupon and payment takes the new total; paid orders, other stores'
orders and other members' coupons are refused with nothing changed; cancelling or expiring the order
gives the coupon back once; one coupon raced by tills on two orders and by placeOrder is used once.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from omnichannel.domain.ports import UnitOfWork
from omnichannel.persistence import db
from omnichannel.resolvers.orders import steps
from tests.api.loyalty import ADJUST, claim, create_template, pk, sign_up
from tests.orders_support import (
    CANCEL_ORDER,
    CONFIRM_PAYMENT,
    PLACE_ORDER,
    errors_of,
    gid,
    new_variant,
    pickup_input,
    store_gid,
)

REDEEM_ON = """mutation($code: String!, $store: ID!, $order: ID) {
  redeemCoupon(input: {code: $code, storeId: $store, orderId: $order}) {
    coupon { id code status } userErrors { field code message } } }"""
PRICE = """query($id: ID!) { order(id: $id) { status subtotal { amount } discountTotal { amount } total { amount }
  pointsRedeemed discounts { kind title amount { amount } points } } }"""
COUPONS = "{ me { pointsBalance coupons { code status } } }"
END_PROMOTION = "mutation($id: ID!) { endPromotion(input: {promotionId: $id}) { promotion { id } } }"
REFUSALS = """{ couponAudit(kinds: [USE_REFUSED], first: 100) { edges { node { orderId errorCode } } } }"""
AUDIT = """query($t: ID!) { couponAudit(templateId: $t, first: 100) { edges { node { kind orderId errorCode } } } }"""


async def place(gql: Any, who: str, variant: int, store: str, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    payload = (await gql(PLACE_ORDER, {"input": pickup_input(variant, store, quantity, **extra)}, token=who))["data"]
    return payload["placeOrder"]


async def pay(gql: Any, who: str, order: dict[str, Any], amount: str) -> dict[str, Any]:
    payment = {"orderId": order["id"], "amount": amount, "reference": f"till-{order['number']}-{amount}"}
    return (await gql(CONFIRM_PAYMENT, {"input": payment}, token=who))["data"]["confirmPayment"]


async def redeem(gql: Any, who: str, code: str, store: str, order: dict[str, Any] | None) -> dict[str, Any]:
    variables = {"code": code, "store": store, "order": order["id"] if order else None}
    return (await gql(REDEEM_ON, variables, token=who))["data"]["redeemCoupon"]


async def price_of(gql: Any, who: str, order: dict[str, Any]) -> dict[str, Any]:
    return (await gql(PRICE, {"id": order["id"]}, token=who))["data"]["order"]


def summary(price: dict[str, Any]) -> list[tuple[str, str]]:
    return [(d["kind"], d["amount"]["amount"]) for d in price["discounts"]]


async def test_a_coupon_at_the_till_lowers_the_open_order_and_payment_takes_the_new_total(gql, outbox, token):
    hq, clerk = await token("HQ_ADMIN"), await token("CLERK", store="S03")
    s03 = await store_gid("S03")
    member = await sign_up(gql, outbox)
    online = await create_template(gql, hq, title="Online 10", value="10")
    till = await create_template(gql, hq, title="Till 15 over 150", value="15", minSpend="150")
    online_code = (await claim(gql, member.token, online["id"], "APP"))["coupon"]["code"]
    till_code = (await claim(gql, member.token, till["id"], "MINI_PROGRAM"))["coupon"]["code"]
    variant = await new_variant({"S03": 5}, price="100.00")
    product = (await db.fetch("SELECT product_id FROM variant WHERE id = $1", [variant]))[0]["product_id"]
    promotion = (
        await gql(
            """mutation($p: ID!) { createPromotion(input: {title: "Till test 10%", kind: PERCENT_OFF, percent: "10",
              productIds: [$p]}) { promotion { id } } }""",
            {"p": gid("Product", product)},
            token=hq,
        )
    )["data"]["createPromotion"]["promotion"]
    try:
        placed = await place(
            gql, clerk, variant, s03, 2, channel="STORE_POS", memberId=member.id, couponCodes=[online_code]
        )
    finally:  # the order keeps its promotion even when it has ended by the time the coupon comes
        await gql(END_PROMOTION, {"id": promotion["id"]}, token=hq)
    assert placed["userErrors"] == []
    order = placed["order"]
    assert order["total"]["amount"] == "170.00"  # 200 - 20 (10%) - 10

    used = await redeem(gql, clerk, till_code, s03, order)
    assert used["userErrors"] == [] and used["coupon"]["status"] == "REDEEMED"
    price = await price_of(gql, clerk, order)
    assert (price["subtotal"]["amount"], price["discountTotal"]["amount"], price["total"]["amount"]) == (
        "200.00",
        "45.00",
        "155.00",
    )
    assert summary(price) == [("PROMOTION", "20.00"), ("COUPON", "10.00"), ("COUPON", "15.00")]
    assert price["status"] == "PENDING_PAYMENT"

    stale = await pay(gql, clerk, order, "170.00")
    assert errors_of(stale) == ["AMOUNT_MISMATCH"]
    paid = await pay(gql, clerk, order, "155.00")
    assert paid["userErrors"] == [] and paid["order"]["status"] == "CONFIRMED"
    assert paid["order"]["pointsEarned"] == 155
    audit = (await gql(AUDIT, {"t": till["id"]}, token=hq))["data"]["couponAudit"]["edges"]
    assert [(e["node"]["kind"], e["node"]["orderId"]) for e in audit if e["node"]["kind"] == "USED"] == [
        ("USED", order["id"])
    ]


async def test_paid_orders_other_stores_orders_and_other_members_coupons_are_refused(gql, outbox, token):
    hq, clerk, service = await token("HQ_ADMIN"), await token("CLERK", store="S04"), await token("SERVICE")
    s04, s05 = await store_gid("S04"), await store_gid("S05")
    owner, other = await sign_up(gql, outbox), await sign_up(gql, outbox)
    template = await create_template(gql, hq, title="Refusals 5", value="5")
    code = (await claim(gql, owner.token, template["id"]))["coupon"]["code"]
    variant = await new_variant({"S04": 5, "S05": 5}, price="50.00")

    paid = (await place(gql, owner.token, variant, s04))["order"]
    assert (await pay(gql, service, paid, "50.00"))["userErrors"] == []
    refused = await redeem(gql, clerk, code, s04, paid)
    assert refused["coupon"] is None
    assert refused["userErrors"] == [
        {
            "field": ["orderId"],
            "code": "ORDER_ALREADY_PAID",
            "message": "This order is paid; coupons apply only before payment.",
        }
    ]

    elsewhere = (await place(gql, owner.token, variant, s05))["order"]
    refused = await redeem(gql, clerk, code, s04, elsewhere)
    assert errors_of(refused) == ["NOT_FOUND"] and refused["userErrors"][0]["field"] == ["orderId"]

    theirs = (await place(gql, other.token, variant, s04))["order"]
    refused = await redeem(gql, clerk, code, s04, theirs)
    assert errors_of(refused) == ["COUPON_NOT_YOURS"] and refused["userErrors"][0]["field"] == ["code"]

    for order in (paid, elsewhere, theirs):
        assert (await price_of(gql, hq, order))["total"]["amount"] == "50.00"
    assert (await gql(COUPONS, token=owner.token))["data"]["me"]["coupons"] == [{"code": code, "status": "ACTIVE"}]
    refusals = (await gql(REFUSALS, token=hq))["data"]["couponAudit"]["edges"]
    ours = {paid["id"], elsewhere["id"], theirs["id"]}
    assert sorted(e["node"]["errorCode"] for e in refusals if e["node"]["orderId"] in ours) == [
        "COUPON_NOT_YOURS",
        "NOT_FOUND",
        "ORDER_ALREADY_PAID",
    ]


async def test_points_that_would_pass_their_share_after_the_coupon_refuse_it(gql, outbox, token):
    hq, clerk = await token("HQ_ADMIN"), await token("CLERK", store="S06")
    s06 = await store_gid("S06")
    member = await sign_up(gql, outbox)
    await gql(ADJUST, {"m": member.id, "d": 5000, "r": "goodwill"}, token=hq)
    template = await create_template(gql, hq, title="Too deep 20", value="20")
    code = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
    variant = await new_variant({"S06": 5}, price="100.00")
    order = (await place(gql, member.token, variant, s06, pointsToRedeem=5000))["order"]
    assert order["total"]["amount"] == "50.00"
    refused = await redeem(gql, clerk, code, s06, order)
    assert errors_of(refused) == ["POINTS_LIMIT_EXCEEDED"] and "5000 points" in refused["userErrors"][0]["message"]
    price = await price_of(gql, hq, order)
    assert (price["total"]["amount"], price["pointsRedeemed"]) == ("50.00", 5000)
    me = (await gql(COUPONS, token=member.token))["data"]["me"]
    assert me == {"pointsBalance": 0, "coupons": [{"code": code, "status": "ACTIVE"}]}


async def test_cancelling_or_expiring_the_order_gives_the_till_coupon_back_once(gql, outbox, token, app):
    hq, clerk = await token("HQ_ADMIN"), await token("CLERK", store="S07")
    s07 = await store_gid("S07")
    member = await sign_up(gql, outbox)
    template = await create_template(gql, hq, title="Back once 8", value="8")
    code = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
    variant = await new_variant({"S07": 5}, price="40.00")

    first = (await place(gql, clerk, variant, s07, channel="STORE_POS", memberId=member.id))["order"]
    assert (await redeem(gql, clerk, code, s07, first))["userErrors"] == []
    cancels = await asyncio.gather(
        *(gql(CANCEL_ORDER, {"input": {"orderId": first["id"]}}, token=clerk) for _ in range(5))
    )
    assert sum(1 for c in cancels if c["data"]["cancelOrder"]["order"]) == 1
    assert (await gql(COUPONS, token=member.token))["data"]["me"]["coupons"] == [{"code": code, "status": "ACTIVE"}]

    second = (await place(gql, clerk, variant, s07, channel="STORE_POS", memberId=member.id))["order"]
    assert (await redeem(gql, clerk, code, s07, second))["userErrors"] == []
    assert (await price_of(gql, hq, second))["total"]["amount"] == "32.00"
    services = app.state.services
    later = services.clock() + timedelta(seconds=services.reservation_ttl + 60)

    async def expire(uow: UnitOfWork) -> None:
        locked = await uow.orders.get_for_update(pk(second["id"]))
        assert locked is not None
        await steps.expire(uow, locked, later)

    await services.new_uow().atomic(expire)  # with the app's in-transaction handlers (coupons come back)
    assert (await gql(COUPONS, token=member.token))["data"]["me"]["coupons"] == [{"code": code, "status": "ACTIVE"}]
    audit = (await gql(AUDIT, {"t": template["id"]}, token=hq))["data"]["couponAudit"]["edges"]
    kinds = [e["node"]["kind"] for e in audit]
    assert kinds.count("USED") == 2 and kinds.count("RETURNED") == 2


async def test_one_coupon_raced_by_tills_on_two_orders_and_by_place_order_is_used_once(gql, outbox, token):
    hq, clerk, manager = (
        await token("HQ_ADMIN"),
        await token("CLERK", store="S08"),
        await token("STORE_MANAGER", store="S08"),
    )
    s08 = await store_gid("S08")
    member = await sign_up(gql, outbox)
    template = await create_template(gql, hq, title="Race on orders 12", value="12")
    code = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
    variant = await new_variant({"S08": 30}, price="60.00")
    orders = [
        (await place(gql, clerk, variant, s08, channel="STORE_POS", memberId=member.id))["order"] for _ in range(2)
    ]
    attempts = [  # placeOrder has more to do before it uses the coupon: it starts first
        *(place(gql, member.token, variant, s08, couponCodes=[code]) for _ in range(6)),
        *(redeem(gql, clerk if i % 2 else manager, code, s08, orders[i % 2]) for i in range(14)),
    ]
    results = await asyncio.gather(*attempts)
    placed, tills = results[:6], results[6:]
    won = [i % 2 for i, r in enumerate(tills) if r["coupon"]] + ["placed" for r in placed if r["order"]]
    assert len(won) == 1, won
    assert {c for r in results for c in errors_of(r)} == {"COUPON_ALREADY_USED"}
    totals = [(await price_of(gql, hq, order))["total"]["amount"] for order in orders]
    if won[0] == "placed":
        winner = pk(next(r["order"] for r in placed if r["order"])["id"])
        assert totals == ["60.00", "60.00"]
    else:
        winner = pk(orders[won[0]]["id"])
        assert totals == ["48.00" if n == won[0] else "60.00" for n in range(2)]
    canonical = code.replace("-", "")
    used_on = await db.fetch("SELECT order_id FROM coupon WHERE code = $1 AND status = 'REDEEMED'", [canonical])
    assert [r["order_id"] for r in used_on] == [winner]
    lines = await db.fetch("SELECT order_id FROM order_discount WHERE code = $1", [canonical])
    assert [r["order_id"] for r in lines] == [winner]
