"""Safety stock and low-stock alerts: setSafetyStock, raising and resolving by any cause, one open per
level, lowStockAlerts, the stock.low log entry, and the live lowStock subscription."""

from __future__ import annotations

import asyncio
import json

import pytest

from omnichannel.persistence import db
from tests.orders_support import (
    CANCEL_ORDER,
    PLACE_ORDER,
    errors_of,
    gid,
    ledger_mismatches,
    level,
    location_id,
    new_variant,
    pickup_input,
    store_gid,
)
from tests.ws_support import LEGACY_WS, TRANSPORT_WS, in_process_sockets, wait_for_subscribers

SET_SAFETY = """mutation($s: ID!, $v: ID!, $n: Int!) {
  setSafetyStock(input: {storeId: $s, variantId: $v, safetyStock: $n}) {
    stockLevel { onHand reserved safetyStock available } userErrors { field message code }
  }
}"""
ADJUST = """mutation($s: ID!, $v: ID!, $d: Int!, $r: String!) {
  adjustStock(input: {storeId: $s, variantId: $v, delta: $d, reason: $r}) { userErrors { code } }
}"""
ALERTS = """query($stores: [ID!], $open: Boolean, $first: Int, $after: String) {
  lowStockAlerts(storeIds: $stores, openOnly: $open, first: $first, after: $after) {
    edges { cursor node { id onHand reserved safetyStock raisedAt resolvedAt store { code } variant { id } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
LOW_STOCK = """subscription($stores: [ID!]) {
  lowStock(storeIds: $stores) { id onHand reserved safetyStock raisedAt resolvedAt store { code } variant { id } }
}"""


async def alerts_of(variant: int) -> list[dict]:
    rows = await db.fetch(
        "SELECT location_id, on_hand, reserved, safety_stock, resolved_at IS NULL AS open FROM low_stock_alert "
        "WHERE variant_id = $1 ORDER BY id",
        [variant],
    )
    return [dict(r) for r in rows]


async def test_setting_safety_stock_over_the_stock_raises_one_alert_and_restocking_resolves_it(gql, token):
    variant = await new_variant({"S03": 5})
    s03, v = await store_gid("S03"), gid("Variant", variant)
    manager = await token("STORE_MANAGER", store="S03")
    loc = await location_id("S03")

    below = (await gql(SET_SAFETY, {"s": s03, "v": v, "n": 4}, token=manager))["data"]["setSafetyStock"]
    assert below["userErrors"] == [] and below["stockLevel"]["safetyStock"] == 4
    assert await alerts_of(variant) == []  # 5 on hand, 0 reserved: above 4

    raised = (await gql(SET_SAFETY, {"s": s03, "v": v, "n": 5}, token=manager))["data"]["setSafetyStock"]
    assert raised["stockLevel"] == {"onHand": 5, "reserved": 0, "safetyStock": 5, "available": 0}
    assert await alerts_of(variant) == [
        {"location_id": loc, "on_hand": 5, "reserved": 0, "safety_stock": 5, "open": True}
    ]
    # lower still: the same alert stays open, no repeat
    await gql(ADJUST, {"s": s03, "v": v, "d": -2, "r": "damaged"}, token=manager)
    assert len(await alerts_of(variant)) == 1

    listed = (await gql(ALERTS, {"stores": [s03], "open": True}, token=manager))["data"]["lowStockAlerts"]
    ours = [e["node"] for e in listed["edges"] if e["node"]["variant"]["id"] == v]
    assert [(a["onHand"], a["safetyStock"], a["resolvedAt"], a["store"]["code"]) for a in ours] == [(5, 5, None, "S03")]
    # restocked above the safety stock: resolved; falling again raises a new one
    await gql(ADJUST, {"s": s03, "v": v, "d": 10, "r": "delivery"}, token=manager)
    assert [a["open"] for a in await alerts_of(variant)] == [False]
    closed = (await gql(ALERTS, {"stores": [s03], "open": False}, token=manager))["data"]["lowStockAlerts"]
    assert [e["node"]["resolvedAt"] is not None for e in closed["edges"] if e["node"]["variant"]["id"] == v] == [True]
    await gql(ADJUST, {"s": s03, "v": v, "d": -8, "r": "shrinkage"}, token=manager)
    assert [(a["on_hand"], a["open"]) for a in await alerts_of(variant)] == [(5, False), (5, True)]
    # the safety stock lowered under the stock resolves it too
    await gql(SET_SAFETY, {"s": s03, "v": v, "n": 1}, token=manager)
    assert [a["open"] for a in await alerts_of(variant)] == [False, False]
    assert await ledger_mismatches([variant]) == []


async def test_an_order_that_reaches_the_safety_stock_raises_it_and_its_cancellation_resolves_it(gql, token):
    variant = await new_variant({"S04": 6}, safety=2)
    s04 = await store_gid("S04")
    member = await token("MEMBER", member="M0004")
    one = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s04, 1)}, token=member))["data"]["placeOrder"]
    assert one["userErrors"] == [] and await alerts_of(variant) == []  # 5 free > 2: the one-statement path
    three = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s04, 3)}, token=member))["data"]["placeOrder"]
    assert three["userErrors"] == []  # 2 free = safety stock: placed, and the alert is raised with it
    assert [(a["on_hand"], a["reserved"], a["open"]) for a in await alerts_of(variant)] == [(6, 4, True)]
    short = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s04, 1)}, token=member))["data"]["placeOrder"]
    assert errors_of(short) == ["OUT_OF_STOCK"]  # the safety stock is never sold
    await gql(CANCEL_ORDER, {"input": {"orderId": three["order"]["id"]}}, token=member)
    assert [a["open"] for a in await alerts_of(variant)] == [False]
    assert await level(variant, "S04") == {"on_hand": 6, "reserved": 1, "safety_stock": 2}
    assert await ledger_mismatches([variant]) == []


async def test_the_raised_alert_is_in_the_event_log_as_stock_low(gql, token):
    variant = await new_variant({"S05": 3})
    s05 = await store_gid("S05")
    await gql(SET_SAFETY, {"s": s05, "v": gid("Variant", variant), "n": 3}, token=await token("HQ_ADMIN"))
    rows = await db.fetch("SELECT payload FROM event_log WHERE type = 'stock.low' AND variant_id = $1", [variant])
    alert = await db.fetch("SELECT id FROM low_stock_alert WHERE variant_id = $1", [variant])
    assert len(rows) == 1
    payload = json.loads(rows[0]["payload"]) if isinstance(rows[0]["payload"], str) else rows[0]["payload"]
    assert payload["store"]["code"] == "S05" and payload["variant"]["id"] == gid("Variant", variant)
    assert (payload["onHand"], payload["reserved"], payload["safetyStock"]) == (3, 0, 3)
    assert payload["alert"]["id"] == gid("LowStockAlert", alert[0]["id"])


async def test_who_may_set_safety_stock_and_what_is_refused(gql, token):
    variant = await new_variant({"S06": 4})
    s06, v = await store_gid("S06"), gid("Variant", variant)
    for role, store in (("STORE_MANAGER", "S07"), ("CLERK", "S06"), ("MEMBER", None), ("ANALYST", None)):
        bearer = await token(role, store=store, member="M0002" if role == "MEMBER" else None)
        refused = await gql(SET_SAFETY, {"s": s06, "v": v, "n": 1}, token=bearer)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", (role, refused)
    admin = await token("HQ_ADMIN")
    negative = (await gql(SET_SAFETY, {"s": s06, "v": v, "n": -1}, token=admin))["data"]["setSafetyStock"]
    assert negative["stockLevel"] is None
    assert [(e["code"], e["field"]) for e in negative["userErrors"]] == [("INVALID_INPUT", ["safetyStock"])]
    unknown = (await gql(SET_SAFETY, {"s": s06, "v": gid("Variant", 9_999_999), "n": 1}, token=admin))["data"]
    assert errors_of(unknown["setSafetyStock"]) == ["NOT_FOUND"]
    assert await level(variant, "S06") == {"on_hand": 4, "reserved": 0, "safety_stock": 0}


async def test_who_may_list_alerts(gql, token):
    s01, s02 = await store_gid("S01"), await store_gid("S02")
    clerk = await token("CLERK", store="S01")
    own = await gql(ALERTS, {}, token=clerk)
    assert {e["node"]["store"]["code"] for e in own["data"]["lowStockAlerts"]["edges"]} <= {"S01"}
    assert (await gql(ALERTS, {"stores": [s02]}, token=clerk))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    member = await token("MEMBER", member="M0001")
    assert (await gql(ALERTS, {}, token=member))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for role in ("HQ_ADMIN", "ANALYST"):
        page = await gql(ALERTS, {"stores": [s01, s02], "first": 100}, token=await token(role))
        assert "errors" not in page
    bad = await gql(ALERTS, {"first": 0}, token=await token("HQ_ADMIN"))
    assert bad["errors"][0]["extensions"]["code"] in ("INVALID_INPUT", "BAD_USER_INPUT")


async def test_many_concurrent_orders_through_the_safety_stock_open_one_alert(gql, token):
    variant = await new_variant({"S07": 20}, safety=5)
    s07 = await store_gid("S07")
    members = [await token("MEMBER", member=f"M{n:04d}") for n in range(1, 11)]
    results = await asyncio.gather(
        *(gql(PLACE_ORDER, {"input": pickup_input(variant, s07, 1)}, token=members[i % 10]) for i in range(30))
    )
    placed = [r for r in results if r["data"]["placeOrder"]["order"] is not None]
    assert len(placed) == 15  # 20 on hand less 5 safety stock
    assert [(a["reserved"], a["open"]) for a in await alerts_of(variant)] == [(15, True)]
    assert await ledger_mismatches([variant]) == []


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_low_stock_reaches_the_store_staff_and_head_office_live(app, gql, token, protocol):
    variant = await new_variant({"S08": 4, "S09": 4})
    s08, s09, v = await store_gid("S08"), await store_gid("S09"), gid("Variant", variant)
    admin = await token("HQ_ADMIN")
    baseline = app.state.services.broker.subscriber_count
    async with in_process_sockets(app, protocol, count=3) as (clerk_s08, head_office, clerk_s09):
        assert (await clerk_s08.init(await token("CLERK", store="S08")))["type"] == "connection_ack"
        assert (await head_office.init(admin))["type"] == "connection_ack"
        assert (await clerk_s09.init(await token("CLERK", store="S09")))["type"] == "connection_ack"
        await clerk_s08.subscribe("1", LOW_STOCK, {})  # their own store
        await head_office.subscribe("1", LOW_STOCK, {})  # every store
        await clerk_s09.subscribe("1", LOW_STOCK, {"stores": [s09]})
        await wait_for_subscribers(app, baseline + 3)

        await gql(SET_SAFETY, {"s": s08, "v": v, "n": 4}, token=admin)
        pushed = (await clerk_s08.next_data(within=10))["lowStock"]
        assert (pushed["store"]["code"], pushed["variant"]["id"], pushed["onHand"], pushed["safetyStock"]) == (
            "S08", v, 4, 4,
        )  # fmt: skip
        assert pushed["resolvedAt"] is None
        assert (await head_office.next_data(within=10))["lowStock"]["id"] == pushed["id"]
        await clerk_s09.nothing_for(0.5)


async def test_low_stock_refuses_other_stores_and_members(app, token):
    s02 = await store_gid("S02")
    cases = [(await token("CLERK", store="S01"), {"stores": [s02]}), (await token("MEMBER", member="M0003"), {})]
    for bearer, variables in cases:
        async with in_process_sockets(app, TRANSPORT_WS) as (ws,):
            await ws.init(bearer)
            await ws.subscribe("1", LOW_STOCK, variables)
            errors = await ws.next_error()
            assert errors[0]["extensions"]["code"] == "FORBIDDEN", errors


async def test_the_demo_pad_of_s01_shows_alerts_on_first_run(gql, token):
    clerk = await token("CLERK", store="S01")
    page = (await gql(ALERTS, {"open": True, "first": 100}, token=clerk))["data"]["lowStockAlerts"]
    seeded = [e["node"] for e in page["edges"] if e["node"]["store"]["code"] == "S01"]
    assert len(seeded) >= 3
    assert all(a["safetyStock"] > 0 and a["onHand"] - a["reserved"] <= a["safetyStock"] for a in seeded)
    # every level of the demo at or below its safety stock has its one open alert, and no other has one
    rows = await db.fetch(
        "SELECT count(*) FILTER (WHERE a.id IS NULL) AS missing, count(*) AS low FROM stock_level s "
        "LEFT JOIN low_stock_alert a ON a.location_id = s.location_id AND a.variant_id = s.variant_id "
        "AND a.resolved_at IS NULL WHERE s.safety_stock > 0 AND s.on_hand - s.reserved <= s.safety_stock"
    )
    assert rows[0]["missing"] == 0 and rows[0]["low"] >= 3
