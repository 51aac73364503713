"""sellAtTill: a sale at the counter priced like every channel, paid, handed over and taken off the
shelf in one step; idempotent, refusals write nothing, and many tills at once never oversell."""

from __future__ import annotations

import asyncio
import secrets
from decimal import Decimal

import pytest

from omnichannel.persistence import db
from tests.api.loyalty import ADJUST, claim, create_template, sign_up
from tests.api.test_price_quote import END, PROMOTION, QUOTE
from tests.orders_support import (
    ORDER_FIELDS,
    PLACE_ORDER,
    gid,
    ledger_mismatches,
    level,
    location_id,
    new_variant,
    pickup_input,
    store_gid,
)

pytestmark = pytest.mark.usefixtures("lift_lockouts")

SELL = (
    """
mutation($input: SellAtTillInput!) {
  sellAtTill(input: $input) { order { ...OrderFields } userErrors { field message code } }
}"""
    + ORDER_FIELDS
)
ME = "{ me { pointsBalance coupons { code status } } }"


def sale(store: str, *lines: tuple[int, int], **extra) -> dict:
    return {
        "storeId": store,
        "lines": [{"variantId": gid("Variant", v), "quantity": q} for v, q in lines],
        "paymentReference": f"till-{secrets.token_hex(6)}",
        **extra,
    }


async def sell(gql, who: str, request: dict) -> dict:
    answer = await gql(SELL, {"input": request}, token=who)
    assert "errors" not in answer, answer
    return dict(answer["data"]["sellAtTill"])


async def _written(variants: list[int]) -> tuple[int, int, int, int]:
    """Orders with these variants, their stock movements, payments and commission entries. Only
    these: the test session's server keeps working beside the test (its expiry sweep releases other
    tests' holds), so counting whole tables once failed a full CI run."""
    rows = await db.fetch(
        "WITH mine AS (SELECT DISTINCT order_id FROM order_line WHERE variant_id = ANY($1::int[])) "
        "SELECT (SELECT count(*) FROM mine) AS o, "
        "(SELECT count(*) FROM stock_movement WHERE variant_id = ANY($1::int[])) AS m, "
        "(SELECT count(*) FROM payment WHERE order_id IN (SELECT order_id FROM mine)) AS p, "
        "(SELECT count(*) FROM commission_entry WHERE order_id IN (SELECT order_id FROM mine)) AS c",
        [variants],
    )
    return rows[0]["o"], rows[0]["m"], rows[0]["p"], rows[0]["c"]


async def test_a_till_sale_is_priced_like_every_channel_paid_completed_and_sold_off_the_shelf(gql, outbox, token):
    hq = await token("HQ_ADMIN")
    shirt = await new_variant({"S01": 6}, price="80.00")
    product = (await db.fetch("SELECT product_id FROM variant WHERE id = $1", [shirt]))[0]["product_id"]
    await db.execute("UPDATE stock_level SET reserved = 2 WHERE variant_id = $1", [shirt])  # 2 promised online
    await db.execute(
        "INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, on_hand_after, "
        "reserved_after, reference, actor) VALUES ($1, $2, 'RESERVATION', 0, 2, 6, 2, 'test', 'test')",
        [shirt, await location_id("S01")],
    )
    member = await sign_up(gql, outbox)
    await gql(ADJUST, {"m": member.id, "d": 500, "r": "goodwill"}, token=hq)
    template = await create_template(gql, hq, title="5 off", value="5")
    code = (await claim(gql, member.token, template["id"], "MINI_PROGRAM"))["coupon"]["code"]
    promotion = (
        await gql(
            PROMOTION,
            {
                "input": {
                    "title": "Shirts 10%",
                    "kind": "PERCENT_OFF",
                    "percent": "10",
                    "productIds": [gid("Product", product)],
                }
            },
            token=hq,
        )
    )["data"]["createPromotion"]
    assert promotion["userErrors"] == []
    store = await store_gid("S01")
    clerk = await token("CLERK", store="S01")
    try:
        quote = (
            await gql(
                QUOTE,
                {
                    "input": {
                        "channel": "STORE_POS",
                        "lines": [{"variantId": gid("Variant", shirt), "quantity": 3}],
                        "storeId": store,
                        "couponCodes": [code],
                        "pointsToRedeem": 300,
                        "memberId": member.id,
                    }
                },
                token=clerk,
            )
        )["data"]["priceQuote"]["quote"]
        sold = await sell(
            gql, clerk, sale(store, (shirt, 3), memberId=member.id, couponCodes=[code], pointsToRedeem=300)
        )
    finally:
        await gql(END, {"id": promotion["promotion"]["id"]}, token=hq)
    assert sold["userErrors"] == [], sold
    order = sold["order"]
    # the same price as the quote: 240.00 - 10% (24.00) - coupon 5.00 - 300 points (3.00) = 208.00
    assert [order[k]["amount"] for k in ("subtotal", "discountTotal", "total")] == [
        quote[k]["amount"] for k in ("subtotal", "discountTotal", "total")
    ]
    assert order["total"]["amount"] == "208.00" and order["pointsRedeemed"] == 300
    assert order["channel"] == "STORE_POS" and order["status"] == "COMPLETED" and order["pickupCode"] is None
    assert order["reservationExpiresAt"] is None
    assert [f["status"] for f in order["fulfillments"]] == ["COMPLETED"]
    assert order["pointsEarned"] == quote["pointsToEarn"] == 208
    assert order["attributedClerk"] is not None
    me = (await gql(ME, {}, token=member.token))["data"]["me"]
    assert me["pointsBalance"] == 500 - 300 + 208
    assert [c["status"] for c in me["coupons"] if c["code"] == code] == ["REDEEMED"]
    # off the shelf at once: on hand down, the online reservations untouched, one SALE movement
    assert await level(shirt, "S01") == {"on_hand": 3, "reserved": 2, "safety_stock": 0}
    moves = await db.fetch(
        "SELECT reason, on_hand_delta, reserved_delta FROM stock_movement WHERE variant_id = $1 AND reference = $2",
        [shirt, order["number"]],
    )
    assert [tuple(m) for m in moves] == [("SALE", -3, 0)]
    assert await ledger_mismatches([shirt]) == []
    order_id = (
        await db.fetch("SELECT id, attributed_staff_id FROM customer_order WHERE number = $1", [order["number"]])
    )[0]
    staff = (await db.fetch("SELECT id FROM staff WHERE email = 'clerk.s01@demo.omnichannel.cn'"))[0]["id"]
    assert order_id["attributed_staff_id"] == staff
    # the books of a paid order, in the same transaction: the store's credit, the clerk's EARNED entry
    credit = await db.fetch("SELECT location_id, amount FROM sales_credit WHERE order_id = $1", [order_id["id"]])
    assert [tuple(c) for c in credit] == [(await location_id("S01"), Decimal("208.00"))]
    entries = await db.fetch("SELECT kind, staff_id, sales FROM commission_entry WHERE order_id = $1", [order_id["id"]])
    assert [tuple(e) for e in entries] == [("EARNED", staff, Decimal("208.00"))]
    paid = await db.fetch("SELECT amount, reference FROM payment WHERE order_id = $1", [order_id["id"]])
    assert [r["amount"] for r in paid] == [Decimal("208.00")]


async def test_the_same_key_rings_up_one_sale_even_when_sent_at_once(gql, token):
    shirt = await new_variant({"S02": 10})
    store = await store_gid("S02")
    clerk = await token("CLERK", store="S02")
    request = sale(store, (shirt, 2), idempotencyKey=f"till-{secrets.token_hex(4)}")
    answers = await asyncio.gather(*(sell(gql, clerk, request) for _ in range(8)))
    assert all(a["userErrors"] == [] for a in answers), answers
    assert len({a["order"]["number"] for a in answers}) == 1
    again = await sell(gql, clerk, request)
    assert again["order"]["number"] == answers[0]["order"]["number"]
    assert await level(shirt, "S02") == {"on_hand": 8, "reserved": 0, "safety_stock": 0}
    other = await sell(gql, clerk, {**request, "lines": [{"variantId": gid("Variant", shirt), "quantity": 1}]})
    assert [e["code"] for e in other["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"] and other["order"] is None
    assert await level(shirt, "S02") == {"on_hand": 8, "reserved": 0, "safety_stock": 0}


async def test_many_tills_at_once_never_sell_more_than_the_shelf_holds(gql, token):
    shirt = await new_variant({"S03": 5})
    store = await store_gid("S03")
    clerk, manager = await token("CLERK", store="S03"), await token("STORE_MANAGER", store="S03")
    answers = await asyncio.gather(*(sell(gql, (clerk, manager)[n % 2], sale(store, (shirt, 1))) for n in range(24)))
    sold = [a for a in answers if a["order"] is not None]
    refused = [e["code"] for a in answers for e in a["userErrors"]]
    assert len(sold) == 5 and refused == ["OUT_OF_STOCK"] * 19
    assert await level(shirt, "S03") == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    assert await ledger_mismatches([shirt]) == []
    orders = await db.fetch(
        "SELECT count(*) AS n FROM customer_order o JOIN order_line l ON l.order_id = o.id WHERE l.variant_id = $1",
        [shirt],
    )
    assert orders[0]["n"] == 5


async def test_refusals_are_user_errors_and_write_nothing(gql, token):
    shirt, other = await new_variant({"S04": 2, "W01": 9}), await new_variant({"S04": 5})
    store, warehouse = await store_gid("S04"), await store_gid("W01")
    clerk = await token("CLERK", store="S04")
    # a member's unpaid order holds one of the two: only one is on the shelf for the till
    member = await token("MEMBER", member="M0004")
    held = await gql(PLACE_ORDER, {"input": pickup_input(shirt, store)}, token=member)
    assert held["data"]["placeOrder"]["userErrors"] == []
    first = sale(store, (shirt, 1))
    assert (await sell(gql, clerk, first))["userErrors"] == []
    before, stock = await _written([shirt, other]), [await level(v, "S04") for v in (shirt, other)]
    cases = [
        (sale(store, (shirt, 1)), "OUT_OF_STOCK", ["lines", "0"]),
        (sale(store, (other, 1), (shirt, 1)), "OUT_OF_STOCK", ["lines", "1"]),
        (sale(store, (other, 0)), "INVALID_INPUT", ["lines", "0", "quantity"]),
        (sale(store, (10**6, 1)), "NOT_FOUND", ["lines", "0", "variantId"]),
        (sale(store), "INVALID_INPUT", ["lines"]),
        (sale(store, (other, 1), paymentReference=" "), "INVALID_INPUT", ["paymentReference"]),
        (sale(store, (other, 1), paymentReference=first["paymentReference"]), "PAYMENT_REFERENCE_USED", None),
        (sale(store, (other, 1), memberId=gid("Member", 10**6)), "NOT_FOUND", ["memberId"]),
        (sale(store, (other, 1), pointsToRedeem=10), "INVALID_INPUT", ["pointsToRedeem"]),
        (sale(store, (other, 1), couponCodes=["ABCDE-FGHJK-MNPQ0"]), "INVALID_COUPON_CODE", None),
        (sale(store, (other, 1), idempotencyKey=""), "INVALID_INPUT", ["idempotencyKey"]),
        (sale(gid("Store", 10**6), (other, 1)), "NOT_FOUND", ["storeId"]),
        (sale(warehouse, (shirt, 1)), "INVALID_INPUT", ["storeId"]),
    ]
    for request, code, field in cases:
        refused = await sell(gql, clerk, request)
        assert refused["order"] is None and refused["userErrors"][0]["code"] == code, (request, refused)
        if field is not None:
            assert refused["userErrors"][0]["field"] == field, (request, refused)
    nul = await gql(SELL, {"input": sale(store, (other, 1), paymentReference="a\x00b")}, token=clerk)
    assert nul["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", nul
    assert await _written([shirt, other]) == before
    assert [await level(v, "S04") for v in (shirt, other)] == stock
    assert await ledger_mismatches([shirt, other]) == []


@pytest.mark.parametrize(
    ("role", "extra"),
    [
        ("CLERK", {"store": "S06"}),  # another store's staff
        ("STORE_MANAGER", {"store": "S06"}),
        ("MEMBER", {"member": "M0005"}),
        ("HQ_ADMIN", {}),
        ("SERVICE", {}),
        ("ANALYST", {}),
    ],
)
async def test_only_the_stores_own_staff_may_sell_at_its_till(gql, token, role, extra):
    shirt = await new_variant({"S05": 3})
    answer = await gql(SELL, {"input": sale(await store_gid("S05"), (shirt, 1))}, token=await token(role, **extra))
    assert answer["errors"][0]["extensions"]["code"] == "FORBIDDEN", answer
    assert await level(shirt, "S05") == {"on_hand": 3, "reserved": 0, "safety_stock": 0}
    anonymous = await gql(SELL, {"input": sale(await store_gid("S05"), (shirt, 1))})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
