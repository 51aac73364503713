"""stockMovements: every stock change is one movement, readable newest first by who may; the ledger check."""

from __future__ import annotations

from omnichannel.resolvers.stock_ledger import check_ledger
from tests.orders_support import (
    CANCEL_ORDER,
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    ORDER,
    PLACE_ORDER,
    gid,
    ledger_mismatches,
    level,
    new_variant,
    pickup_input,
    store_gid,
)

MOVEMENTS = """
query($s: ID!, $v: ID, $since: DateTime, $first: Int, $after: String) {
  stockMovements(storeId: $s, variantId: $v, since: $since, first: $first, after: $after) {
    edges { cursor node { id reason onHandDelta reservedDelta reference at store { code } variant { id } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
ADJUST = """mutation($s: ID!, $v: ID!, $d: Int!, $r: String!) {
  adjustStock(input: {storeId: $s, variantId: $v, delta: $d, reason: $r}) { userErrors { code } }
}"""


async def _movements(gql, token, store, variant, **extra):
    result = await gql(MOVEMENTS, {"s": store, "v": gid("Variant", variant), **extra}, token=token)
    assert "errors" not in result, result["errors"]
    return result["data"]["stockMovements"]


async def test_every_change_of_an_order_life_is_one_movement_newest_first(gql, token):
    variant = await new_variant({"S09": 6})
    s09 = await store_gid("S09")
    member, clerk, service, manager = (
        await token("MEMBER", member="M0009"),
        await token("CLERK", store="S09"),
        await token("SERVICE"),
        await token("STORE_MANAGER", store="S09"),
    )
    # the one-statement placement, then a cancellation
    first = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s09, 2)}, token=member))["data"]["placeOrder"]
    cancelled = await gql(CANCEL_ORDER, {"input": {"orderId": first["order"]["id"]}}, token=member)
    assert cancelled["data"]["cancelOrder"]["userErrors"] == []
    # the transactional placement (idempotency key), paid, handed over
    keyed = pickup_input(variant, s09, 3, idempotencyKey=f"ledger-{variant}")
    second = (await gql(PLACE_ORDER, {"input": keyed}, token=member))["data"]["placeOrder"]["order"]
    pay = {"orderId": second["id"], "amount": second["total"]["amount"], "reference": f"pay-{second['number']}"}
    assert (await gql(CONFIRM_PAYMENT, {"input": pay}, token=service))["data"]["confirmPayment"]["userErrors"] == []
    fulfillment = second["fulfillments"][0]["id"]
    await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": fulfillment}, token=clerk)
    code = (await gql(ORDER, {"id": second["id"]}, token=member))["data"]["order"]["pickupCode"]
    done = await gql(COMPLETE_PICKUP, {"store": s09, "code": code}, token=clerk)
    assert done["data"]["completePickup"]["userErrors"] == []
    adjusted = await gql(
        ADJUST, {"s": s09, "v": gid("Variant", variant), "d": 4, "r": "found in the back"}, token=manager
    )
    assert adjusted["data"]["adjustStock"]["userErrors"] == []

    page = await _movements(gql, manager, s09, variant)
    seen = [(e["node"]["reason"], e["node"]["onHandDelta"], e["node"]["reservedDelta"], e["node"]["reference"])
            for e in page["edges"]]  # fmt: skip
    assert seen == [
        ("ADJUSTMENT", 4, 0, "found in the back"),
        ("SALE", -3, -3, second["number"]),
        ("RESERVATION", 0, 3, second["number"]),
        ("RELEASE", 0, -2, first["order"]["number"]),
        ("RESERVATION", 0, 2, first["order"]["number"]),
        ("SYNC", 6, 0, "test"),
    ]
    assert {e["node"]["store"]["code"] for e in page["edges"]} == {"S09"}
    assert await level(variant, "S09") == {"on_hand": 7, "reserved": 0, "safety_stock": 0}
    assert sum(s[1] for s in seen) == 7 and sum(s[2] for s in seen) == 0
    assert await ledger_mismatches([variant]) == []

    # cursor paging: two at a time, no gaps, no repeats
    ids, after = [], None
    while True:
        part = await _movements(gql, manager, s09, variant, first=2, after=after)
        ids += [e["node"]["id"] for e in part["edges"]]
        if not part["pageInfo"]["hasNextPage"]:
            break
        after = part["pageInfo"]["endCursor"]
    assert ids == [e["node"]["id"] for e in page["edges"]]
    # since: only what happened from then on
    since = page["edges"][1]["node"]["at"]
    recent = await _movements(gql, manager, s09, variant, since=since)
    assert [e["node"]["reason"] for e in recent["edges"]][:2] == ["ADJUSTMENT", "SALE"]
    assert len(recent["edges"]) <= len(page["edges"])


async def test_who_may_read_a_store_ledger(gql, token):
    variant = await new_variant({"S10": 1})
    s10 = await store_gid("S10")
    for role, store in (("CLERK", "S10"), ("STORE_MANAGER", "S10"), ("HQ_ADMIN", None), ("ANALYST", None)):
        page = await _movements(gql, await token(role, store=store), s10, variant)
        assert [e["node"]["reason"] for e in page["edges"]] == ["SYNC"], role
    for role, store in (("CLERK", "S01"), ("STORE_MANAGER", "S02"), ("MEMBER", None), ("SERVICE", None)):
        refused = await gql(
            MOVEMENTS, {"s": s10}, token=await token(role, store=store, member="M0001" if role == "MEMBER" else None)
        )
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", (role, refused)
        assert refused["data"] is None
    anonymous = await gql(MOVEMENTS, {"s": s10})
    assert anonymous["errors"][0]["extensions"]["code"] in ("UNAUTHENTICATED", "FORBIDDEN")
    admin = await token("HQ_ADMIN")
    for first in (0, 101, -1):
        bad = await gql(MOVEMENTS, {"s": s10, "first": first}, token=admin)
        assert bad["errors"][0]["extensions"]["code"] in ("INVALID_INPUT", "BAD_USER_INPUT"), bad
    unknown = await gql(MOVEMENTS, {"s": gid("Store", 999_999)}, token=admin)
    assert unknown["data"]["stockMovements"]["edges"] == []
    unknown_for_clerk = await gql(MOVEMENTS, {"s": gid("Store", 999_999)}, token=await token("CLERK", store="S10"))
    assert unknown_for_clerk["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_the_ledger_check_finds_a_level_its_movements_do_not_explain(gql, token):
    from omnichannel.persistence import db

    variant = await new_variant({"S11": 5})
    checked, found = await check_ledger(limit=10_000)
    assert checked > 0
    assert [m for m in found if m.variant_id == variant] == []
    await db.execute("UPDATE stock_level SET on_hand = on_hand + 1 WHERE variant_id = $1", [variant])  # a bug's write
    try:
        _, found = await check_ledger(limit=10_000)
        ours = [m for m in found if m.variant_id == variant]
        assert [(m.on_hand, m.on_hand_in_ledger, m.reserved, m.reserved_in_ledger) for m in ours] == [(6, 5, 0, 0)]
    finally:
        await db.execute("UPDATE stock_level SET on_hand = on_hand - 1 WHERE variant_id = $1", [variant])


async def test_movements_and_alerts_are_nodes_for_those_who_may_read_them(gql, token):
    variant = await new_variant({"S12": 2})
    s12 = await store_gid("S12")
    manager = await token("STORE_MANAGER", store="S12")
    movement = (await _movements(gql, manager, s12, variant))["edges"][0]["node"]
    set_safety = """mutation($s: ID!, $v: ID!) { setSafetyStock(input: {storeId: $s, variantId: $v, safetyStock: 2}) {
      userErrors { code } } }"""
    await gql(set_safety, {"s": s12, "v": gid("Variant", variant)}, token=manager)
    alerts = """query($s: [ID!]) {
      lowStockAlerts(storeIds: $s, openOnly: true, first: 100) { edges { node { id variant { id } } } } }"""
    listed = (await gql(alerts, {"s": [s12]}, token=manager))["data"]["lowStockAlerts"]["edges"]
    alert = next(e["node"]["id"] for e in listed if e["node"]["variant"]["id"] == gid("Variant", variant))
    node = """query($id: ID!) { node(id: $id) { id ... on StockMovement { reason onHandDelta }
      ... on LowStockAlert { safetyStock resolvedAt } } }"""
    for bearer in (manager, await token("ANALYST")):
        seen = (await gql(node, {"id": movement["id"]}, token=bearer))["data"]["node"]
        assert (seen["id"], seen["reason"], seen["onHandDelta"]) == (movement["id"], "SYNC", 2)
        seen = (await gql(node, {"id": alert}, token=bearer))["data"]["node"]
        assert (seen["id"], seen["safetyStock"], seen["resolvedAt"]) == (alert, 2, None)
    other = await token("CLERK", store="S01")
    assert (await gql(node, {"id": movement["id"]}, token=other))["data"]["node"] is None
    assert (await gql(node, {"id": alert}, token=other))["data"]["node"] is None
