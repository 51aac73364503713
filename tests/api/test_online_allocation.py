"""The online allocation share: setAllocationPolicy / allocationPolicy, StockLevel.availableOnline,
online placements and routing within it (store channels unaffected), under concurrency; the daily job."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from omnichannel.persistence import db
from omnichannel.persistence.uow import TortoiseUnitOfWork
from omnichannel.resolvers import allocation
from tests.orders_support import (
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    ORDER,
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

from .routing_support import PLAN
from .test_order_delivery import NEAR_S01, delivery

SET_POLICY = """mutation($input: SetAllocationPolicyInput!) {
  setAllocationPolicy(input: $input) {
    policy { onlineShare automatic minShare maxShare updatedAt store { code } } userErrors { field message code }
  }
}"""
POLICY = "query($s: ID!) { allocationPolicy(storeId: $s) { onlineShare automatic minShare maxShare updatedAt } }"
STOCK = """query($v: [ID!]!) {
  stockAvailability(variantIds: $v) { store { code } onHand reserved available availableOnline }
}"""


pytestmark = pytest.mark.usefixtures("keep_policies")


async def _set(gql, bearer, store, **changes):
    result = await gql(SET_POLICY, {"input": {"storeId": store, **changes}}, token=bearer)
    assert "errors" not in result, result
    return result["data"]["setAllocationPolicy"]


async def _stock(gql, variant, code):
    rows = (await gql(STOCK, {"v": [gid("Variant", variant)]}))["data"]["stockAvailability"]
    return next(r for r in rows if r["store"]["code"] == code)


async def test_every_store_starts_at_share_one_and_only_its_manager_or_head_office_change_it(gql, token):
    s02 = await store_gid("S02")
    manager = await token("STORE_MANAGER", store="S02")
    default = (await gql(POLICY, {"s": s02}, token=manager))["data"]["allocationPolicy"]
    assert (default["onlineShare"], default["automatic"], default["minShare"], default["maxShare"]) == (1, False, 0, 1)
    for role, store in (("STORE_MANAGER", "S03"), ("CLERK", "S02"), ("MEMBER", None), ("ANALYST", None)):
        bearer = await token(role, store=store, member="M0002" if role == "MEMBER" else None)
        refused = await gql(SET_POLICY, {"input": {"storeId": s02, "onlineShare": 0.5}}, token=bearer)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", (role, refused)
    for bad, field in (({"onlineShare": 1.5}, "onlineShare"), ({"minShare": -0.1}, "minShare"),
                       ({"minShare": 0.8, "maxShare": 0.2}, "minShare")):  # fmt: skip
        payload = await _set(gql, manager, s02, **bad)
        assert payload["policy"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("INVALID_INPUT", [field])], bad
    assert errors_of(await _set(gql, manager, s02)) == ["INVALID_INPUT"]  # nothing to change
    assert (await gql(POLICY, {"s": s02}, token=manager))["data"]["allocationPolicy"] == default  # nothing written
    done = await _set(gql, manager, s02, onlineShare=0.4, automatic=True, minShare=0.2, maxShare=0.6)
    assert done["userErrors"] == []
    assert (done["policy"]["onlineShare"], done["policy"]["automatic"], done["policy"]["store"]["code"]) == (
        0.4, True, "S02",
    )  # fmt: skip
    seen = (await gql(POLICY, {"s": s02}, token=await token("ANALYST")))["data"]["allocationPolicy"]
    assert (seen["onlineShare"], seen["minShare"], seen["maxShare"]) == (0.4, 0.2, 0.6)
    assert (await gql(POLICY, {"s": s02}, token=await token("CLERK", store="S01")))["errors"][0]["extensions"][
        "code"
    ] == "FORBIDDEN"


async def test_online_orders_stop_at_the_share_and_store_channels_sell_the_rest(gql, token):
    variant = await new_variant({"S11": 10})
    s11 = await store_gid("S11")
    await _set(gql, await token("HQ_ADMIN"), s11, onlineShare=0.3)
    assert (await _stock(gql, variant, "S11"))["availableOnline"] == 3  # floor(0.3 x 10)
    member = await token("MEMBER", member="M0011")
    two = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s11, 2)}, token=member))["data"]["placeOrder"]
    assert two["userErrors"] == []
    stock = await _stock(gql, variant, "S11")
    assert (stock["available"], stock["availableOnline"]) == (8, 1)
    over = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s11, 2, channel="APP")}, token=member))["data"]
    assert errors_of(over["placeOrder"]) == ["OUT_OF_STOCK"]
    clerk = await token("CLERK", store="S11")
    pad = pickup_input(variant, s11, 7, channel="CLERK_PAD", memberId=gid("Member", 11))
    store_sale = (await gql(PLACE_ORDER, {"input": pad}, token=clerk))["data"]["placeOrder"]
    assert store_sale["userErrors"] == []  # the clerk pad sells what online may not
    stock = await _stock(gql, variant, "S11")
    assert (stock["available"], stock["availableOnline"]) == (1, 1)
    last = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s11, 1)}, token=member))["data"]["placeOrder"]
    assert last["userErrors"] == []
    assert (await _stock(gql, variant, "S11"))["availableOnline"] == 0
    rows = await db.fetch("SELECT online_reserved FROM stock_level WHERE variant_id = $1", [variant])
    assert rows[0]["online_reserved"] == 3
    assert await ledger_mismatches([variant]) == []


async def test_many_concurrent_online_orders_never_exceed_the_share(gql, token):
    variant = await new_variant({"S12": 20})
    s12 = await store_gid("S12")
    await _set(gql, await token("HQ_ADMIN"), s12, onlineShare=0.25)
    members = [await token("MEMBER", member=f"M{n:04d}") for n in range(1, 21)]
    keyed = [{"idempotencyKey": f"share-{variant}-{i}"} if i % 3 == 0 else {} for i in range(40)]  # both write paths
    requests = [
        pickup_input(variant, s12, 1, channel="APP" if i % 2 else "MINI_PROGRAM", **keyed[i]) for i in range(40)
    ]
    results = await asyncio.gather(
        *(gql(PLACE_ORDER, {"input": r}, token=members[i % 20]) for i, r in enumerate(requests))
    )
    placed = [r["data"]["placeOrder"]["order"] for r in results if r["data"]["placeOrder"]["order"] is not None]
    refused = [e["code"] for r in results for e in r["data"]["placeOrder"]["userErrors"]]
    assert len(placed) == 5 and set(refused) == {"OUT_OF_STOCK"} and len(refused) == 35
    assert await level(variant, "S12") == {"on_hand": 20, "reserved": 5, "safety_stock": 0}
    # the store still sells its 15
    clerk = await token("CLERK", store="S12")
    pad = pickup_input(variant, s12, 15, channel="CLERK_PAD", memberId=gid("Member", 12))
    assert (await gql(PLACE_ORDER, {"input": pad}, token=clerk))["data"]["placeOrder"]["userErrors"] == []
    assert await ledger_mismatches([variant]) == []


async def test_routing_skips_a_store_that_is_full_for_online(gql, token):
    variant = await new_variant({"S01": 5, "S02": 5})
    admin, member = await token("HQ_ADMIN"), await token("MEMBER", member="M0001")
    await _set(gql, admin, await store_gid("S01"), onlineShare=0)
    preview = {"lines": [{"variantId": gid("Variant", variant), "quantity": 2}], "fulfillmentMode": "EXPRESS",
               "destination": NEAR_S01}  # fmt: skip
    plan = (await gql(PLAN, {"input": preview}))["data"]["fulfillmentPlan"]
    assert [s["store"]["code"] for s in plan["shipments"]] == ["S01"]  # no channel: the store's whole stock
    plan = (await gql(PLAN, {"input": {**preview, "channel": "APP"}}))["data"]["fulfillmentPlan"]
    assert [s["store"]["code"] for s in plan["shipments"]] == ["S02"]  # the app's plan: what placeOrder does
    placed = (await gql(PLACE_ORDER, {"input": delivery([(variant, 2)])}, token=member))["data"]["placeOrder"]
    assert placed["userErrors"] == []
    assert {f["store"]["code"] for f in placed["order"]["fulfillments"]} == {"S02"}  # S01 is nearer, but full
    await _set(gql, admin, await store_gid("S02"), onlineShare=0)
    refused = (await gql(PLACE_ORDER, {"input": delivery([(variant, 1)])}, token=member))["data"]["placeOrder"]
    assert errors_of(refused) == ["OUT_OF_STOCK"]
    assert await level(variant, "S01") == {"on_hand": 5, "reserved": 0, "safety_stock": 0}


async def test_sales_by_channel_group_are_counted_when_handed_over(gql, token):
    variant = await new_variant({"S10": 4})
    s10, loc = await store_gid("S10"), await location_id("S10")
    member, clerk, service = (
        await token("MEMBER", member="M0010"),
        await token("CLERK", store="S10"),
        await token("SERVICE"),
    )

    async def counted() -> tuple[int, int]:
        rows = await db.fetch(
            "SELECT COALESCE(SUM(online_units), 0) AS o, COALESCE(SUM(store_units), 0) AS s FROM channel_sales "
            "WHERE location_id = $1",
            [loc],
        )
        return int(rows[0]["o"]), int(rows[0]["s"])

    before = await counted()
    for channel, quantity in (("APP", 3), ("CLERK_PAD", 1)):
        extra = {"memberId": gid("Member", 10)} if channel == "CLERK_PAD" else {}
        bearer = clerk if channel == "CLERK_PAD" else member
        order = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s10, quantity, channel=channel, **extra)},
                           token=bearer))["data"]["placeOrder"]["order"]  # fmt: skip
        pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"cs-{order['number']}"}
        await gql(CONFIRM_PAYMENT, {"input": pay}, token=service)
        await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": order["fulfillments"][0]["id"]}, token=clerk)
        code = (await gql(ORDER, {"id": order["id"]}, token=await token("HQ_ADMIN")))["data"]["order"]["pickupCode"]
        done = await gql(COMPLETE_PICKUP, {"store": s10, "code": code}, token=clerk)
        assert done["data"]["completePickup"]["userErrors"] == []
    after = await counted()
    assert (after[0] - before[0], after[1] - before[1]) == (3, 1)
    # the aggregate equals the raw figure: SALE movements of this store joined to their orders' channels
    raw = await db.fetch(
        "SELECT COALESCE(SUM(-m.on_hand_delta) FILTER (WHERE o.channel IN ('APP', 'MINI_PROGRAM')), 0) AS o, "
        "COALESCE(SUM(-m.on_hand_delta) FILTER (WHERE o.channel NOT IN ('APP', 'MINI_PROGRAM')), 0) AS s "
        "FROM stock_movement m JOIN customer_order o ON o.number = m.reference "
        "WHERE m.location_id = $1 AND m.reason = 'SALE'",
        [loc],
    )
    assert (int(raw[0]["o"]), int(raw[0]["s"])) == after


async def test_the_daily_job_sets_automatic_shares_once_a_day_even_with_several_runners(gql, token, caplog):
    s05, s06 = await location_id("S05"), await location_id("S06")
    admin = await token("HQ_ADMIN")
    await _set(gql, admin, await store_gid("S05"), automatic=True, minShare=0.1, maxShare=0.5)
    await _set(gql, admin, await store_gid("S06"), automatic=True, minShare=0.4, maxShare=0.9, onlineShare=0.7)
    now = datetime(2031, 6, 1, 8, tzinfo=UTC)  # the window ends after every real sale in this database
    await db.execute(
        "INSERT INTO channel_sales (location_id, day, online_units, store_units) VALUES "
        "($1, $3, 30, 70), ($1, $4, 5, 0), ($2, $3, 0, 10) "
        "ON CONFLICT (location_id, day) DO UPDATE SET online_units = EXCLUDED.online_units, "
        "store_units = EXCLUDED.store_units",
        [s05, s06, (now - timedelta(days=3)).date(), (now - timedelta(days=40)).date()],
    )
    try:
        with caplog.at_level(logging.INFO, logger="omnichannel.allocation"):
            runs = await asyncio.gather(*(allocation.decide_shares(TortoiseUnitOfWork(), now) for _ in range(3)))
        decided = sorted(d.location_id for run in runs for d in run)
        assert decided.count(s05) == 1 and decided.count(s06) == 1  # each store once, whichever runner
        shares = {r["location_id"]: r["online_share"] for r in await db.fetch("SELECT * FROM allocation_policy")}
        assert shares[s05] == 0.3  # 30 of 100 units online in 28 days (the sale 40 days ago is out)
        assert shares[s06] == 0.4  # none online: clamped to its minimum
        assert any("30 of 100 units" in r.getMessage() for r in caplog.records)
        again = await allocation.decide_shares(TortoiseUnitOfWork(), now + timedelta(hours=2))
        assert [d.location_id for d in again if d.location_id in (s05, s06)] == []  # decided today already
        tomorrow = await allocation.decide_shares(TortoiseUnitOfWork(), now + timedelta(days=1))
        assert {d.location_id for d in tomorrow} >= {s05, s06}
    finally:
        await db.execute(
            "DELETE FROM channel_sales WHERE day IN ($1, $2)",
            [(now - timedelta(days=3)).date(), (now - timedelta(days=40)).date()],
        )


async def test_a_deep_level_is_capped_without_overflow(gql, token):
    """share x on hand is computed in 64 bits: a warehouse-sized level (millions of units) is no error."""
    variant = await new_variant({"S09": 2_000_000_000, "S10": 2_000_000_000})
    s09, s10 = await store_gid("S09"), await store_gid("S10")
    await _set(gql, await token("HQ_ADMIN"), s09, onlineShare=0.5)
    assert (await _stock(gql, variant, "S09"))["availableOnline"] == 1_000_000_000
    member = await token("MEMBER", member="M0009")
    placed = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s09, 3)}, token=member))["data"]["placeOrder"]
    assert placed["userErrors"] == []
    keyed = pickup_input(variant, s09, 2, idempotencyKey=f"deep-{variant}")
    assert (await gql(PLACE_ORDER, {"input": keyed}, token=member))["data"]["placeOrder"]["userErrors"] == []
    routed = (await gql(PLACE_ORDER, {"input": delivery([(variant, 1)])}, token=member))["data"]["placeOrder"]
    assert routed["userErrors"] == []
    default = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s10, 1)}, token=member))["data"]["placeOrder"]
    assert default["userErrors"] == []  # no policy at S10: share 1, in 64 bits too
