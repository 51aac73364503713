"""Loyalty meets the order centre's routed and fast paths: coupons and points on EXPRESS and SAME_CITY
orders, store-exclusive coupons checked against the locations that fulfil a delivery, promotions that
keep an order off the one-statement write, and the in-server sweeper giving a coupon back once."""

from __future__ import annotations

from omnichannel.persistence import db
from tests.api.loyalty import ADJUST, claim, create_template, pk, sign_up
from tests.api.test_order_delivery import delivery
from tests.api.test_order_expiry import reservation_ttl
from tests.orders_support import (
    CANCEL_ORDER,
    CONFIRM_PAYMENT,
    ORDER,
    PLACE_ORDER,
    count_statements,
    errors_of,
    gid,
    ledger_mismatches,
    level,
    new_variant,
    pickup_input,
    store_gid,
)
from tests.ws_support import wait_until

ME = """{ me { pointsBalance coupons { code status } } }"""
DISCOUNTS = """query($id: ID!) { order(id: $id) { subtotal { amount } discountTotal { amount } total { amount }
  pointsRedeemed discounts { kind amount { amount } code points } } }"""
AUDIT = """query($t: ID!) { couponAudit(templateId: $t) { edges { node { kind } } } }"""
ONE_STATEMENT_WRITE = "WITH r AS ("  # persistence/repositories/order_creation.py RESERVING_ONE


async def place(gql, who: str, request: dict) -> dict:
    return (await gql(PLACE_ORDER, {"input": request}, token=who))["data"]["placeOrder"]


async def audit_kinds(gql, hq: str, template_id: str) -> list[str]:
    edges = (await gql(AUDIT, {"t": template_id}, token=hq))["data"]["couponAudit"]["edges"]
    return [e["node"]["kind"] for e in edges]


async def test_an_express_order_split_over_two_stores_uses_a_coupon_and_points_and_gives_them_back(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    member = await sign_up(gql, outbox)
    await gql(ADJUST, {"m": member.id, "d": 1000, "r": "goodwill"}, token=hq)
    template = await create_template(gql, hq, title="Express 20", value="20", minSpend="100")
    code = (await claim(gql, member.token, template["id"], "APP"))["coupon"]["code"]
    coat, boots = await new_variant({"S03": 2}, price="300.00"), await new_variant({"S08": 2}, price="100.00")

    placed = await place(gql, member.token, delivery([(coat, 1), (boots, 1)], couponCodes=[code], pointsToRedeem=500))
    assert placed["userErrors"] == []
    order = placed["order"]
    assert sorted(f["store"]["code"] for f in order["fulfillments"]) == ["S03", "S08"]
    kept = (await gql(DISCOUNTS, {"id": order["id"]}, token=member.token))["data"]["order"]
    assert (kept["subtotal"]["amount"], kept["discountTotal"]["amount"], kept["total"]["amount"]) == (
        "400.00",
        "25.00",
        "375.00",
    )
    assert [(d["kind"], d["amount"]["amount"], d["code"], d["points"]) for d in kept["discounts"]] == [
        ("COUPON", "20.00", code, 0),
        ("POINTS", "5.00", None, 500),
    ]
    me = (await gql(ME, token=member.token))["data"]["me"]
    assert me == {"pointsBalance": 500, "coupons": [{"code": code, "status": "REDEEMED"}]}
    assert (await level(coat, "S03"))["reserved"] == 1 and (await level(boots, "S08"))["reserved"] == 1

    cancelled = await gql(CANCEL_ORDER, {"input": {"orderId": order["id"]}}, token=member.token)
    assert cancelled["data"]["cancelOrder"]["order"]["status"] == "CANCELLED"
    me = (await gql(ME, token=member.token))["data"]["me"]
    assert me == {"pointsBalance": 1000, "coupons": [{"code": code, "status": "ACTIVE"}]}
    kinds = await audit_kinds(gql, hq, template["id"])
    assert (kinds.count("USED"), kinds.count("RETURNED")) == (1, 1)
    assert await ledger_mismatches([coat, boots]) == []


async def test_a_store_exclusive_coupon_on_a_delivery_counts_the_stores_that_fulfil_it(gql, outbox, token):
    hq, service = await token("HQ_ADMIN"), await token("SERVICE")
    s03 = await store_gid("S03")
    member = await sign_up(gql, outbox)
    template = await create_template(gql, hq, title="S03 only", value="10", storeIds=[s03])
    code = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
    at_s03, at_s08 = await new_variant({"S03": 3}, price="50.00"), await new_variant({"S08": 3}, price="50.00")

    elsewhere = await place(gql, member.token, delivery([(at_s08, 1)], couponCodes=[code]))
    assert errors_of(elsewhere) == ["COUPON_NOT_APPLICABLE"] and elsewhere["userErrors"][0]["field"][0] == "couponCodes"
    partly = await place(gql, member.token, delivery([(at_s03, 1), (at_s08, 1)], couponCodes=[code]))
    assert errors_of(partly) == ["COUPON_NOT_APPLICABLE"]  # S08 would sell half of it
    assert (await level(at_s03, "S03"))["reserved"] == 0 and (await level(at_s08, "S08"))["reserved"] == 0

    # one line from one store, no idempotency key: the shape of the one-statement write, which a
    # coupon must not take (its use is written in the order's transaction)
    with count_statements() as statements:
        shipped = await place(gql, member.token, delivery([(at_s03, 2)], couponCodes=[code]))
    assert shipped["userErrors"] == []
    assert not any(ONE_STATEMENT_WRITE in s for s in statements)
    order = shipped["order"]
    assert [f["store"]["code"] for f in order["fulfillments"]] == ["S03"]
    assert (order["discountTotal"]["amount"], order["total"]["amount"]) == ("10.00", "90.00")
    used = await db.fetch("SELECT status, order_id, store_id FROM coupon WHERE code = $1", [code.replace("-", "")])
    assert [dict(r) for r in used] == [{"status": "REDEEMED", "order_id": pk(order["id"]), "store_id": pk(s03)}]
    pay = {"orderId": order["id"], "amount": "90.00", "reference": f"x-{order['number']}"}
    paid = (await gql(CONFIRM_PAYMENT, {"input": pay}, token=service))["data"]["confirmPayment"]
    assert paid["userErrors"] == [] and paid["order"]["pointsEarned"] == 90


async def test_a_promotion_keeps_an_order_off_the_one_statement_write_and_its_discount_is_kept(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    member = await sign_up(gql, outbox)
    promoted, plain = await new_variant({"S01": 6}, price="80.00"), await new_variant({"S01": 6}, price="80.00")
    s01 = await store_gid("S01")
    # no promotion running and no coupon or points asked: the one-statement write, and pricing reads
    # nothing beyond the live promotions (no member, spend or product categories)
    with count_statements() as control:
        ordinary = await place(gql, member.token, pickup_input(plain, s01, 1))
    assert ordinary["userErrors"] == [] and ordinary["order"]["discountTotal"]["amount"] == "0.00"
    assert any(ONE_STATEMENT_WRITE in s for s in control)
    # (the placement snapshot reads each variant's product's active flag in its own statement: PRODUCT_INACTIVE)
    assert not any("member_spend" in s or ("FROM product " in s and "product_active" not in s) for s in control)

    product = (await db.fetch("SELECT product_id FROM variant WHERE id = $1", [promoted]))[0]["product_id"]
    promotion = (
        await gql(
            """mutation($p: ID!) { createPromotion(input: {title: "Fast 25%", kind: PERCENT_OFF, percent: "25",
              productIds: [$p]}) { promotion { id } userErrors { code } } }""",
            {"p": gid("Product", product)},
            token=hq,
        )
    )["data"]["createPromotion"]["promotion"]
    try:
        orders = []
        for request in (pickup_input(promoted, s01, 2), delivery([(promoted, 2)], "SAME_CITY")):
            with count_statements() as statements:
                placed = await place(gql, member.token, request)
            assert placed["userErrors"] == [], placed
            assert not any(ONE_STATEMENT_WRITE in s for s in statements)
            orders.append(placed["order"])
        assert [o["fulfillmentMode"] for o in orders] == ["PICKUP", "SAME_CITY"]
        for order in orders:
            kept = (await gql(DISCOUNTS, {"id": order["id"]}, token=hq))["data"]["order"]
            assert (kept["subtotal"]["amount"], kept["discountTotal"]["amount"], kept["total"]["amount"]) == (
                "160.00",
                "40.00",
                "120.00",
            )
            assert [(d["kind"], d["amount"]["amount"]) for d in kept["discounts"]] == [("PROMOTION", "40.00")]
    finally:
        await gql(
            """mutation($id: ID!) { endPromotion(input: {promotionId: $id}) { promotion { active } } }""",
            {"id": promotion["id"]},
            token=hq,
        )
    assert await ledger_mismatches([promoted, plain]) == []


async def test_the_sweeper_expires_an_unpaid_order_and_gives_its_coupon_and_points_back_once(app, gql, outbox, token):
    hq, service = await token("HQ_ADMIN"), await token("SERVICE")
    member = await sign_up(gql, outbox)
    await gql(ADJUST, {"m": member.id, "d": 300, "r": "goodwill"}, token=hq)
    template = await create_template(gql, hq, title="Sweep me", value="5")
    code = (await claim(gql, member.token, template["id"]))["coupon"]["code"]
    variant = await new_variant({"S10": 3}, price="40.00")
    with reservation_ttl(app, 1):
        placed = await place(
            gql, member.token, pickup_input(variant, await store_gid("S10"), 1, couponCodes=[code], pointsToRedeem=300)
        )
    assert placed["userErrors"] == []
    order = placed["order"]
    assert (await gql(ME, token=member.token))["data"]["me"] == {
        "pointsBalance": 0,
        "coupons": [{"code": code, "status": "REDEEMED"}],
    }

    async def expired() -> bool:
        found = (await gql(ORDER, {"id": order["id"]}, token=member.token))["data"]["order"]
        return bool(found["status"] == "EXPIRED")

    await wait_until(expired, within=8.0, interval=0.2)  # the app's own sweeper (every 0.5 s in tests)
    # paying late or cancelling the expired order gives nothing back a second time
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"late-{order['number']}"}
    late = (await gql(CONFIRM_PAYMENT, {"input": pay}, token=service))["data"]["confirmPayment"]
    assert errors_of(late) == ["ORDER_EXPIRED"]
    cancel = (await gql(CANCEL_ORDER, {"input": {"orderId": order["id"]}}, token=member.token))["data"]["cancelOrder"]
    assert cancel["order"] is None and cancel["userErrors"]

    assert (await gql(ME, token=member.token))["data"]["me"] == {
        "pointsBalance": 300,
        "coupons": [{"code": code, "status": "ACTIVE"}],
    }
    assert (await audit_kinds(gql, hq, template["id"])).count("RETURNED") == 1
    entries = await db.fetch("SELECT kind, points FROM points_entry WHERE order_id = $1 ORDER BY id", [pk(order["id"])])
    assert [(e["kind"], e["points"]) for e in entries] == [("REDEEM", -300), ("REVERSE", 300)]
    assert (await level(variant, "S10"))["reserved"] == 0
    assert await ledger_mismatches([variant]) == []
