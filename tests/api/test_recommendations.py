"""recommendations: tried on and not bought, then bought together, then best sellers; never what was bought.

The aggregates are proven equal to the raw figures over the paid orders.
"""

from __future__ import annotations

from datetime import datetime

from omnichannel.domain.recommendations import day_label
from omnichannel.persistence import db
from omnichannel.persistence.repositories import recommendations as aggregates
from tests.floor_support import in_new_category, paid_pickup_order
from tests.orders_support import CANCEL_ORDER, gid, new_member, new_variant, store_gid

RECOMMEND = """
query($member: ID, $first: Int) {
  recommendations(memberId: $member, first: $first) { reason score variant { id title } }
}
"""
RECORD = """
mutation($input: RecordTryOnInput!) { recordTryOn(input: $input) { tryOns { at } userErrors { code } } }
"""

RAW = {
    "member_purchase": (
        "SELECT o.member_id, l.variant_id, count(DISTINCT o.id)::int AS orders, max(o.paid_at) AS last_paid_at "
        "FROM customer_order o JOIN order_line l ON l.order_id = o.id WHERE o.paid_at IS NOT NULL "
        "AND o.status <> 'CANCELLED' AND o.member_id IS NOT NULL GROUP BY 1, 2"
    ),
    "variant_pair": (
        "SELECT a.variant_id, b.variant_id AS other_id, count(DISTINCT o.id)::int AS orders FROM customer_order o "
        "JOIN order_line a ON a.order_id = o.id "
        "JOIN order_line b ON b.order_id = o.id AND b.variant_id <> a.variant_id "
        "WHERE o.paid_at IS NOT NULL AND o.status <> 'CANCELLED' GROUP BY 1, 2"
    ),
    "category_sales": (
        "SELECT p.category_id, l.variant_id, sum(l.quantity)::bigint AS units, count(DISTINCT o.id)::int AS orders "
        "FROM customer_order o JOIN order_line l ON l.order_id = o.id JOIN variant v ON v.id = l.variant_id "
        "JOIN product p ON p.id = v.product_id WHERE o.paid_at IS NOT NULL AND o.status <> 'CANCELLED' "
        "AND p.category_id IS NOT NULL GROUP BY 1, 2"
    ),
}
COLUMNS = {
    "member_purchase": "member_id, variant_id, orders, last_paid_at",
    "variant_pair": "variant_id, other_id, orders",
    "category_sales": "category_id, variant_id, units, orders",
}


async def assert_aggregates_equal_raw_figures() -> None:
    for table, raw in RAW.items():
        kept = {tuple(r) for r in await db.fetch(f"SELECT {COLUMNS[table]} FROM {table} WHERE orders > 0")}
        computed = {tuple(r) for r in await db.fetch(raw)}
        assert kept == computed, (
            f"{table}: kept-only {sorted(kept - computed)[:5]}, raw-only {sorted(computed - kept)[:5]}"
        )


async def test_recommendations_come_in_the_order_of_their_reasons_and_never_repeat_a_purchase(gql, token):
    await aggregates.rebuild()  # every order so far counted; from here on the order path keeps them
    store = await store_gid("S02")
    a, b, c, d, e, f, g = [await new_variant({"S02": 50}) for _ in range(7)]
    _, category = await in_new_category(a, b, c, d, e, f, g)
    member_id, number = await new_member()
    # other members' baskets: a with b twice, a with c once, g sells most on its own
    await paid_pickup_order(gql, token, a, store, member="M0010", also=(b, c))
    await paid_pickup_order(gql, token, a, store, member="M0011", also=(b,))
    await paid_pickup_order(gql, token, g, store, 5, member="M0012")
    # the member bought a, tried e (not bought) and f (bought afterwards)
    clerk = await token("CLERK", store="S02")
    recorded = await gql(
        RECORD,
        {
            "input": {
                "storeId": store,
                "memberId": gid("Member", member_id),
                "variantIds": [gid("Variant", e), gid("Variant", f)],
                "source": "RFID",
            }
        },
        token=clerk,
    )
    tried_at = recorded["data"]["recordTryOn"]["tryOns"][0]["at"]
    await paid_pickup_order(gql, token, a, store, member=number, also=(f,))
    await assert_aggregates_equal_raw_figures()

    mine = await gql(RECOMMEND, {"first": 10}, token=await token("MEMBER", member=number))
    assert "errors" not in mine, mine
    found = [(r["variant"]["id"], r["reason"]) for r in mine["data"]["recommendations"]]
    ids = [variant for variant, _ in found]
    assert found[0] == (gid("Variant", e), f"tried on at Xujiahui on {day_label(datetime.fromisoformat(tried_at))}")
    title_a = (await db.fetch("SELECT title FROM variant WHERE id = $1", [a]))[0]["title"]
    assert found[1] == (gid("Variant", b), f"often bought with {title_a} (2 orders)")
    assert found[2] == (gid("Variant", c), f"often bought with {title_a} (1 order)")
    assert found[3] == (gid("Variant", g), f"a best seller in {category}")
    assert gid("Variant", a) not in ids and gid("Variant", f) not in ids  # bought: never suggested
    scores = [r["score"] for r in mine["data"]["recommendations"]]
    assert scores == sorted(scores, reverse=True)

    staff = await gql(RECOMMEND, {"member": gid("Member", member_id), "first": 2}, token=clerk)
    assert [r["variant"]["id"] for r in staff["data"]["recommendations"]] == ids[:2]


async def test_a_cancelled_paid_order_leaves_the_aggregates_equal_to_the_raw_figures(gql, token):
    await aggregates.rebuild()
    store = await store_gid("S02")
    a, b = await new_variant({"S02": 5}), await new_variant({"S02": 5})
    await in_new_category(a, b)
    order = await paid_pickup_order(gql, token, a, store, member="M0013", also=(b,))
    cancelled = await gql(
        CANCEL_ORDER, {"input": {"orderId": order["id"], "reason": "changed mind"}}, token=await token("HQ_ADMIN")
    )
    assert cancelled["data"]["cancelOrder"]["userErrors"] == []
    await assert_aggregates_equal_raw_figures()


async def test_who_may_read_recommendations(gql, token):
    member_id, number = await new_member()
    me = await token("MEMBER", member=number)
    assert (await gql(RECOMMEND, {}, token=me))["data"]["recommendations"] == []
    other = gid("Member", member_id + 100000)
    for bearer, variables, code in (
        (me, {"member": gid("Member", 1)}, "FORBIDDEN"),
        (await token("ANALYST"), {"member": gid("Member", member_id)}, "FORBIDDEN"),
        (await token("SERVICE"), {"member": gid("Member", member_id)}, "FORBIDDEN"),
        (await token("CLERK", store="S01"), {}, "FORBIDDEN"),
        (None, {"member": gid("Member", member_id)}, "UNAUTHENTICATED"),
        (me, {"first": 51}, "INVALID_INPUT"),
    ):
        result = await gql(RECOMMEND, variables, token=bearer)
        assert result["errors"][0]["extensions"]["code"] == code, (variables, result)
    hq = await gql(RECOMMEND, {"member": other}, token=await token("HQ_ADMIN"))
    assert hq["data"]["recommendations"] == []
