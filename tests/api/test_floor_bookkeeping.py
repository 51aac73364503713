"""The store floor's books kept by the order path itself: paying, cancelling and refunding through
the real mutations writes the credit split, the commission entries and the recommendation
aggregates in the order's own transaction (resolvers/floor_bookkeeping.py, registered as
in-transaction handlers)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnichannel.persistence import db
from omnichannel.persistence.repositories import recommendations as aggregates
from tests.api.test_recommendations import assert_aggregates_equal_raw_figures
from tests.api.test_refunds import CONFIRM as CONFIRM_REFUND
from tests.api.test_refunds import confirm, refund
from tests.api.test_sell_at_till import SELL
from tests.floor_support import (
    commission_entries,
    credit_of,
    in_new_category,
    order_id_of,
    pad_order,
    paid_pickup_order,
    refunded,
)
from tests.orders_support import (
    CANCEL_ORDER,
    CONFIRM_PAYMENT,
    PLACE_ORDER,
    count_statements,
    gid,
    location_id,
    new_member,
    new_variant,
    pickup_input,
    store_gid,
)

CREATE = """
mutation($input: CreateCommissionRuleInput!) { createCommissionRule(input: $input) { rule { id } userErrors { code } } }
"""
ENTRIES = """
query($staff: ID) { commissionEntries(staffId: $staff, first: 50) {
  edges { node { kind amount { amount } sales { amount } order { number } rule { name } } } } }
"""
SPLIT = "query($id: ID!) { order(id: $id) { creditSplit { store { code } share amount { amount } } } }"
TRY_ONS = """
query($id: ID!) { node(id: $id) { ... on Member { tryOns(first: 10) { purchased variant { id } } } } }
"""
RECORD = """
mutation($input: RecordTryOnInput!) { recordTryOn(input: $input) { tryOns { id } userErrors { code } } }
"""


async def _rules(gql, token, *rules: tuple[str, str, int | None, list[str] | None]) -> None:
    hq = await token("HQ_ADMIN")
    for name, rate, category, channels in rules:
        request: dict = {"name": name, "ratePercent": rate}
        if category is not None:
            request["categoryIds"] = [gid("Category", category)]
        if channels is not None:
            request["channels"] = channels
        created = await gql(CREATE, {"input": request}, token=hq)
        assert created["data"]["createCommissionRule"]["userErrors"] == [], created


async def test_a_clerk_pad_sale_earns_when_paid_reverses_on_refund_and_cancellation(gql, token):
    shoes, tee = await new_variant({"S05": 10}, price="300.00"), await new_variant({"S05": 10}, price="100.00")
    shoes_category, _ = await in_new_category(shoes)
    tee_category, _ = await in_new_category(tee)
    await _rules(
        gql, token, ("Tops 2%", "2", tee_category, ["CLERK_PAD"]), ("Shoes 5%", "5", shoes_category, ["CLERK_PAD"])
    )
    order = await pad_order(gql, token, "S05", [(shoes, 1), (tee, 1)])
    order_id = await order_id_of(order["number"])
    assert await commission_entries(order_id) == [("EARNED", Decimal("17.00"), Decimal("400.00"))]  # 15.00 + 2.00
    s05 = await location_id("S05")
    assert await credit_of(order_id) == {s05: Decimal("400.00")}  # a clerk-pad sale: the store, 100%

    clerk = await token("CLERK", store="S05")
    seen = (await gql(ENTRIES, {}, token=clerk))["data"]["commissionEntries"]["edges"]
    mine = [e["node"] for e in seen if e["node"]["order"]["number"] == order["number"]]
    assert mine == [
        {
            "kind": "EARNED",
            "amount": {"amount": "17.00"},
            "sales": {"amount": "400.00"},
            "order": {"number": order["number"]},
            "rule": {"name": "Shoes 5%"},
        }
    ]
    split = (await gql(SPLIT, {"id": order["id"]}, token=clerk))["data"]["order"]["creditSplit"]
    assert split == [{"store": {"code": "S05"}, "share": "1", "amount": {"amount": "400.00"}}]

    await refunded(gql, token, order["id"], [(tee, 1)])
    assert (await commission_entries(order_id))[1:] == [("REVERSED", Decimal("-2.00"), Decimal("-100.00"))]
    assert await credit_of(order_id) == {s05: Decimal("300.00")}

    hq = await token("HQ_ADMIN")
    cancelled = await gql(CANCEL_ORDER, {"input": {"orderId": order["id"], "reason": "returned"}}, token=hq)
    assert cancelled["data"]["cancelOrder"]["userErrors"] == []
    entries = await commission_entries(order_id)
    assert entries[2] == ("REVERSED", Decimal("-15.00"), Decimal("-300.00"))
    assert sum(e[1] for e in entries) == 0 and sum(e[2] for e in entries) == 0
    assert set((await credit_of(order_id)).values()) == {Decimal("0.00")}
    # the cancellation's whole refund of what was left, once the provider confirms it: nothing more to reverse
    pending = await db.fetch("SELECT id FROM refund WHERE order_id = $1 AND status = 'PENDING'", [order_id])
    assert len(pending) == 1
    done = await confirm(gql, token, gid("Refund", pending[0]["id"]), f"rf-cancel-{order_id}")
    assert done["userErrors"] == [], done
    assert await commission_entries(order_id) == entries
    assert set((await credit_of(order_id)).values()) == {Decimal("0.00")}


async def test_a_full_refund_reverses_all_the_commission_and_credit(gql, token):
    a = await new_variant({"S06": 5}, price="123.45")
    await _rules(gql, token, ("Everything 3%", "3", None, None))
    order = await pad_order(gql, token, "S06", [(a, 2)])
    order_id = await order_id_of(order["number"])
    (earned,) = await commission_entries(order_id)
    assert earned[0] == "EARNED" and earned[2] == Decimal("246.90") and earned[1] >= Decimal("7.41")
    await refunded(gql, token, order["id"])  # everything
    entries = await commission_entries(order_id)
    assert [e[0] for e in entries] == ["EARNED", "REVERSED"]
    assert sum(e[1] for e in entries) == 0 and sum(e[2] for e in entries) == 0
    assert set((await credit_of(order_id)).values()) == {Decimal("0.00")}


async def test_orders_not_attributed_to_a_clerk_earn_nothing_and_online_credit_is_split(gql, token):
    near_store = await new_variant({"S03": 5}, price="200.00")
    from_warehouse = await new_variant({"W01": 5}, price="100.00")
    member = await token("MEMBER", member="M0009")
    request = {
        "channel": "APP",
        "fulfillmentMode": "EXPRESS",
        "lines": [
            {"variantId": gid("Variant", near_store), "quantity": 1},
            {"variantId": gid("Variant", from_warehouse), "quantity": 1},
        ],
        "shippingAddress": {
            "recipient": "Test",
            "phone": "13800130009",
            "line1": "1 Road",
            "city": "Shanghai",
            "location": {"lat": 31.23, "lng": 121.47},
        },
    }
    placed = (await gql(PLACE_ORDER, {"input": request}, token=member))["data"]["placeOrder"]
    assert placed["userErrors"] == [], placed
    order = placed["order"]
    order_id = await order_id_of(order["number"])
    assert await credit_of(order_id) == {}  # nothing is credited before payment
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"pay-{order['number']}"}
    paid = await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE"))
    assert paid["data"]["confirmPayment"]["userErrors"] == []
    assert {f["store"]["code"] for f in order["fulfillments"]} == {"S03", "W01"}  # the only places with each
    credit = await credit_of(order_id)
    assert credit == {await location_id("S03"): Decimal("60.00"), None: Decimal("240.00")}
    assert sum(credit.values()) == Decimal(order["total"]["amount"])
    assert await commission_entries(order_id) == []  # not attributed to a clerk: no commission
    await refunded(gql, token, order["id"], [(from_warehouse, 1)])
    assert await credit_of(order_id) == {await location_id("S03"): Decimal("60.00"), None: Decimal("140.00")}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(refunds=st.lists(st.sampled_from([0, 1]), max_size=3), channel=st.sampled_from(["CLERK_PAD", "MINI_PROGRAM"]))
async def test_entries_sum_to_zero_and_credit_to_what_is_left_paid_through_refunds(gql, token, refunds, channel):
    """Partial refunds by line in any order, then the rest: after each, the credit (one store's, or a
    store's 30% and the online team's rest) sums to what is left paid to the cent and commission is
    between 0 and what was earned; at the end both are 0."""
    a, b = await new_variant({"S05": 5}, price="59.90"), await new_variant({"S05": 5}, price="33.33")
    category, _ = await in_new_category(a, b)
    await _rules(gql, token, ("Test 3.75%", "3.75", category, None))
    if channel == "CLERK_PAD":
        order = await pad_order(gql, token, "S05", [(a, 2), (b, 1)])
    else:
        _, number = await new_member()
        order = await paid_pickup_order(gql, token, a, await store_gid("S05"), 2, member=number, also=(b,))
    order_id = await order_id_of(order["number"])
    total = Decimal(order["total"]["amount"])
    credit = await credit_of(order_id)
    assert sum(credit.values()) == total
    parties = {await location_id("S05")} | ({None} if channel == "MINI_PROGRAM" else set())
    assert set(credit) == parties
    left = {a: 2, b: 1}
    given_back = Decimal(0)
    for which in refunds:
        variant = (a, b)[which]
        if not left[variant]:
            continue
        left[variant] -= 1
        done = await refunded(gql, token, order["id"], [(variant, 1)])
        given_back += Decimal(done["amount"]["amount"])
        assert sum((await credit_of(order_id)).values()) == total - given_back
        entries = await commission_entries(order_id)
        if channel == "CLERK_PAD":
            assert 0 <= sum(e[1] for e in entries) <= entries[0][1]
        else:
            assert entries == []  # not attributed to a clerk
    if any(left.values()):
        await refunded(gql, token, order["id"])
    entries = await commission_entries(order_id)
    assert sum(e[1] for e in entries) == 0 and sum(e[2] for e in entries) == 0
    assert set((await credit_of(order_id)).values()) == {Decimal("0.00")}


async def test_refunds_confirmed_at_once_are_booked_one_after_the_other(gql, token):
    """Three refunds of one clerk-pad order confirmed concurrently (each locks the order first): the
    reversals add up to exactly what was earned, the credit to exactly 0."""
    a = await new_variant({"S09": 5}, price="41.17")
    category, _ = await in_new_category(a)
    await _rules(gql, token, ("Concurrent 7.5%", "7.5", category, None))
    order = await pad_order(gql, token, "S09", [(a, 3)])
    order_id = await order_id_of(order["number"])
    hq = await token("HQ_ADMIN")
    asked = [await refund(gql, hq, order["id"], [(a, 1)]) for _ in range(3)]
    assert all(r["userErrors"] == [] for r in asked), asked
    done = await asyncio.gather(
        *(confirm(gql, token, r["refund"]["id"], f"rc-{order_id}-{n}") for n, r in enumerate(asked))
    )
    assert all(d["userErrors"] == [] for d in done), done
    entries = await commission_entries(order_id)
    assert [e[0] for e in entries] == ["EARNED", "REVERSED", "REVERSED", "REVERSED"]
    assert sum(e[1] for e in entries) == 0 and sum(e[2] for e in entries) == 0
    assert set((await credit_of(order_id)).values()) == {Decimal("0.00")}


async def test_the_aggregates_kept_by_payments_and_cancellations_equal_the_raw_figures(gql, token):
    await aggregates.rebuild()  # every order so far counted; from here on only the order path keeps them
    a, b, c = [await new_variant({"S05": 9}) for _ in range(3)]
    await in_new_category(a, b, c)
    member_id, _ = await new_member()
    kept = []
    for lines in ([(a, 1), (b, 2)], [(a, 1), (c, 1)], [(b, 1), (c, 3)]):
        kept.append(await pad_order(gql, token, "S05", lines, member=member_id))
    cancelled = await gql(
        CANCEL_ORDER, {"input": {"orderId": kept[1]["id"], "reason": "x"}}, token=await token("HQ_ADMIN")
    )
    assert cancelled["data"]["cancelOrder"]["userErrors"] == []
    await assert_aggregates_equal_raw_figures()
    bought = await db.fetch("SELECT variant_id, orders FROM member_purchase WHERE member_id = $1", [member_id])
    assert {r["variant_id"]: r["orders"] for r in bought} == {a: 1, b: 2, c: 1}


async def test_a_try_on_turns_purchased_when_the_member_pays_for_it(gql, token):
    store = await store_gid("S04")
    tried, other = await new_variant({"S04": 5}), await new_variant({"S04": 5})
    member_id, number = await new_member()
    clerk = await token("CLERK", store="S04")
    recorded = await gql(
        RECORD,
        {
            "input": {
                "storeId": store,
                "memberId": gid("Member", member_id),
                "variantIds": [gid("Variant", tried), gid("Variant", other)],
                "source": "RFID",
            }
        },
        token=clerk,
    )
    assert recorded["data"]["recordTryOn"]["userErrors"] == []

    async def purchased() -> dict[str, bool]:
        seen = await gql(TRY_ONS, {"id": gid("Member", member_id)}, token=clerk)
        return {t["variant"]["id"]: t["purchased"] for t in seen["data"]["node"]["tryOns"]}

    assert await purchased() == {gid("Variant", tried): False, gid("Variant", other): False}
    await paid_pickup_order(gql, token, tried, store, member=number)
    assert await purchased() == {gid("Variant", tried): True, gid("Variant", other): False}
    counted = await db.fetch("SELECT variant_id FROM member_purchase WHERE member_id = $1", [member_id])
    assert [r["variant_id"] for r in counted] == [tried]


async def test_the_books_cost_the_same_statements_for_one_line_and_many(gql, token):
    """Booking a payment, a till sale and a refund does not grow with the order's lines."""
    variants = [await new_variant({"S08": 9}, price="12.30") for _ in range(6)]
    await in_new_category(*variants)
    clerk, hq, service = await token("CLERK", store="S08"), await token("HQ_ADMIN"), await token("SERVICE")
    store = await store_gid("S08")
    counted: dict[str, list[list[str]]] = {"pay": [], "till": [], "refund": []}
    for lines in ([(variants[0], 1)], [(v, 1) for v in variants]):
        request = pickup_input(lines[0][0], store, 1, channel="CLERK_PAD")
        request["lines"] = [{"variantId": gid("Variant", v), "quantity": q} for v, q in lines]
        order = (await gql(PLACE_ORDER, {"input": request}, token=clerk))["data"]["placeOrder"]["order"]
        pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"c-{order['number']}"}
        with count_statements() as statements:
            paid = await gql(CONFIRM_PAYMENT, {"input": pay}, token=clerk)
        assert paid["data"]["confirmPayment"]["userErrors"] == []
        counted["pay"].append(statements)
        asked = await refund(gql, hq, order["id"])
        with count_statements() as statements:
            done = await gql(
                CONFIRM_REFUND,
                {"input": {"refundId": asked["refund"]["id"], "reference": f"r-{order['number']}", "succeeded": True}},
                token=service,
            )
        assert done["data"]["confirmRefund"]["userErrors"] == []
        counted["refund"].append(statements)
        till = {"storeId": store, "lines": request["lines"], "paymentReference": f"t-{order['number']}"}
        with count_statements() as statements:
            sold = await gql(SELL, {"input": till}, token=clerk)
        assert sold["data"]["sellAtTill"]["userErrors"] == []
        counted["till"].append(statements)
    for what, (one, six) in counted.items():
        if what == "till":  # the one thing that grows: each stock row is its own conditional UPDATE, in lock order
            six = [q for q in six if not q.startswith("UPDATE stock_level")]
            one = [q for q in one if not q.startswith("UPDATE stock_level")]
        assert len(one) == len(six), "\n".join([f"{what}, 1 line:", *one, "6 lines:", *six])
