"""The bookkeeping of a sale, run in the order's transaction: credit, commission and aggregates at
payment, cancellation and refunds (called here as the order's unit of work calls them)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnichannel.persistence import db
from omnichannel.persistence.repositories import recommendations as aggregates
from omnichannel.persistence.uow import transactional
from omnichannel.resolvers import floor_bookkeeping as books
from tests.api.test_recommendations import assert_aggregates_equal_raw_figures
from tests.floor_support import in_new_category
from tests.orders_support import CANCEL_ORDER, CONFIRM_PAYMENT, PLACE_ORDER, gid, new_variant, pickup_input, store_gid

SHARE = Decimal("0.3")
CREATE = """
mutation($input: CreateCommissionRuleInput!) { createCommissionRule(input: $input) { rule { id } userErrors { code } } }
"""
ENTRIES = """
query($staff: ID) { commissionEntries(staffId: $staff, first: 50) {
  edges { node { kind amount { amount } sales { amount } order { number } rule { name } } } } }
"""


async def _order_id(number: str) -> int:
    return int((await db.fetch("SELECT id FROM customer_order WHERE number = $1", [number]))[0]["id"])


async def _pad_order(gql, token, store: str, lines: list[tuple[int, int]]) -> dict:
    """A clerk-pad pickup order taken by the store's clerk, paid at the store."""
    clerk = await token("CLERK", store=store)
    request = pickup_input(lines[0][0], await store_gid(store), lines[0][1], channel="CLERK_PAD")
    request["lines"] = [{"variantId": gid("Variant", v), "quantity": q} for v, q in lines]
    placed = (await gql(PLACE_ORDER, {"input": request}, token=clerk))["data"]["placeOrder"]
    assert placed["userErrors"] == [], placed
    order = placed["order"]
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"till-{order['number']}"}
    paid = (await gql(CONFIRM_PAYMENT, {"input": pay}, token=clerk))["data"]["confirmPayment"]
    assert paid["userErrors"] == [], paid
    return dict(paid["order"])


async def _book(call, *args, **kwargs) -> None:
    async def work(uow):
        await call(uow.conn, *args, **kwargs)

    await transactional(work)


async def _entries(order_id: int) -> list[tuple[str, Decimal, Decimal]]:
    rows = await db.fetch(
        "SELECT kind, amount, sales FROM commission_entry WHERE order_id = $1 ORDER BY id", [order_id]
    )
    return [(r["kind"], r["amount"], r["sales"]) for r in rows]


async def _credit(order_id: int) -> dict[int | None, Decimal]:
    rows = await db.fetch(
        "SELECT location_id, sum(amount) AS amount FROM sales_credit WHERE order_id = $1 GROUP BY location_id",
        [order_id],
    )
    return {r["location_id"]: r["amount"] for r in rows}


async def test_a_clerk_pad_sale_earns_by_line_reverses_on_refund_and_ends_at_zero(gql, token):
    shoes, tee = await new_variant({"S05": 10}, price="300.00"), await new_variant({"S05": 10}, price="100.00")
    shoes_category, _ = await in_new_category(shoes)
    tee_category, _ = await in_new_category(tee)
    hq = await token("HQ_ADMIN")
    for name, rate, category in (("Tops 2%", "2", tee_category), ("Shoes 5%", "5", shoes_category)):
        created = await gql(
            CREATE,
            {
                "input": {
                    "name": name,
                    "ratePercent": rate,
                    "channels": ["CLERK_PAD"],
                    "categoryIds": [gid("Category", category)],
                }
            },
            token=hq,
        )
        assert created["data"]["createCommissionRule"]["userErrors"] == []
    order = await _pad_order(gql, token, "S05", [(shoes, 1), (tee, 1)])
    order_id = await _order_id(order["number"])
    now = datetime.now(UTC)
    await _book(books.order_paid, order_id, at=now, store_share=SHARE)
    await _book(books.order_paid, order_id, at=now, store_share=SHARE)  # booked once
    assert await _entries(order_id) == [("EARNED", Decimal("17.00"), Decimal("400.00"))]  # 15.00 + 2.00
    s05 = int((await db.fetch("SELECT id FROM location WHERE code = 'S05'"))[0]["id"])
    assert await _credit(order_id) == {s05: Decimal("400.00")}  # a clerk-pad sale: the store, 100%

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
    split = await gql(
        "query($id: ID!) { order(id: $id) { creditSplit { share amount { amount } } } }",
        {"id": order["id"]},
        token=clerk,
    )
    assert split["data"]["order"]["creditSplit"] == [{"share": "1", "amount": {"amount": "400.00"}}]

    await _book(books.order_refunded, order_id, refunded_by_variant={tee: Decimal("100.00")}, reference="r1", at=now)
    await _book(books.order_refunded, order_id, refunded_by_variant={tee: Decimal("100.00")}, reference="r1", at=now)
    assert (await _entries(order_id))[1:] == [("REVERSED", Decimal("-2.00"), Decimal("-100.00"))]
    assert await _credit(order_id) == {s05: Decimal("300.00")}

    cancelled = await gql(CANCEL_ORDER, {"input": {"orderId": order["id"], "reason": "returned"}}, token=hq)
    assert cancelled["data"]["cancelOrder"]["userErrors"] == []
    await _book(books.order_cancelled, order_id, member_id=None, at=now)
    entries = await _entries(order_id)
    assert entries[2] == ("REVERSED", Decimal("-15.00"), Decimal("-300.00"))
    assert sum(e[1] for e in entries) == 0 and sum(e[2] for e in entries) == 0
    assert set((await _credit(order_id)).values()) == {Decimal("0.00")}


async def test_an_online_order_from_a_store_and_a_warehouse_splits_its_credit(gql, token):
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
    pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"pay-{order['number']}"}
    assert (await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE")))["data"]["confirmPayment"][
        "userErrors"
    ] == []
    order_id = await _order_id(order["number"])
    await _book(books.order_paid, order_id, at=datetime.now(UTC), store_share=SHARE)
    sources = {f["store"]["code"] for f in order["fulfillments"]}
    credit = await _credit(order_id)
    assert sum(credit.values()) == Decimal(order["total"]["amount"])
    assert sources == {"S03", "W01"}  # the only places with each item
    s03 = int((await db.fetch("SELECT id FROM location WHERE code = 'S03'"))[0]["id"])
    assert credit == {s03: Decimal("60.00"), None: Decimal("240.00")}
    assert await _entries(order_id) == []  # not attributed to a clerk: no commission


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(refunds=st.lists(st.tuples(st.sampled_from([0, 1]), st.decimals("0.01", "80.00", places=2)), max_size=3))
async def test_entries_and_credit_sum_to_zero_after_a_full_refund_in_the_database(gql, token, refunds):
    a, b = await new_variant({"S05": 5}, price="59.90"), await new_variant({"S05": 5}, price="33.33")
    category, _ = await in_new_category(a, b)
    created = await gql(
        CREATE,
        {"input": {"name": "Test 3.75%", "ratePercent": "3.75", "categoryIds": [gid("Category", category)]}},
        token=await token("HQ_ADMIN"),
    )
    assert created["data"]["createCommissionRule"]["userErrors"] == []
    order = await _pad_order(gql, token, "S05", [(a, 2), (b, 1)])
    order_id = await _order_id(order["number"])
    now = datetime.now(UTC)
    await _book(books.order_paid, order_id, at=now, store_share=SHARE)
    given_back = {a: Decimal(0), b: Decimal(0)}
    for n, (which, amount) in enumerate(refunds):
        variant = (a, b)[which]
        given_back[variant] += amount
        await _book(books.order_refunded, order_id, refunded_by_variant=dict(given_back), reference=f"r{n}", at=now)
        entries = await _entries(order_id)
        assert 0 <= sum(e[1] for e in entries) <= entries[0][1]
    everything = {a: Decimal("119.80"), b: Decimal("33.33")}
    await _book(books.order_refunded, order_id, refunded_by_variant=everything, reference="all", at=now)
    entries = await _entries(order_id)
    assert sum(e[1] for e in entries) == 0 and sum(e[2] for e in entries) == 0
    assert set((await _credit(order_id)).values()) == {Decimal("0.00")}


async def test_the_aggregates_kept_at_payment_and_cancellation_equal_the_raw_figures(gql, token):
    await aggregates.rebuild()  # every order so far counted; from here on only the bookkeeping keeps them
    a, b, c = [await new_variant({"S05": 9}) for _ in range(3)]
    await in_new_category(a, b, c)
    now = datetime.now(UTC)
    kept = []
    for lines in ([(a, 1), (b, 2)], [(a, 1), (c, 1)], [(b, 1), (c, 3)]):
        order = await _pad_order(gql, token, "S05", lines)
        kept.append(order)
        await _book(books.order_paid, await _order_id(order["number"]), at=now, store_share=SHARE)
    cancelled = await gql(
        CANCEL_ORDER, {"input": {"orderId": kept[1]["id"], "reason": "x"}}, token=await token("HQ_ADMIN")
    )
    assert cancelled["data"]["cancelOrder"]["userErrors"] == []
    await _book(books.order_cancelled, await _order_id(kept[1]["number"]), member_id=None, at=now)
    await assert_aggregates_equal_raw_figures()
