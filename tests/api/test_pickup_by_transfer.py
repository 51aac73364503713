"""PICKUP by transfer: with transfers enabled, placeOrder does what the plan says - holds what the pickup
store has, requests a transfer (referencing the order) for the rest, waits until it is received;
cancelling or expiring before shipping cancels the transfer. Every feasible generated plan places."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnichannel.persistence import db
from omnichannel.persistence.uow import TortoiseUnitOfWork
from omnichannel.resolvers.orders import expire
from omnichannel.subscriptions import topics
from tests.api.routing_support import PLAN
from tests.api.test_online_allocation import SET_POLICY
from tests.orders_support import (
    CANCEL_ORDER,
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
from tests.ws_support import TRANSPORT_WS, in_process_sockets, wait_in_process_subscribed

pytestmark = pytest.mark.usefixtures("keep_routing_rules", "lift_lockouts")

UPDATE_RULES = """
mutation($input: UpdateRoutingRulesInput!) { updateRoutingRules(input: $input) { userErrors { code } } }"""
ACTION = """
mutation($id: ID!) { %s(input: {transferId: $id}) { transfer { status } userErrors { code message } } }"""
STORES = [f"S{n:02d}" for n in range(1, 13)]


async def rules(gql: Any, token: Any, **changes: Any) -> None:
    result = await gql(UPDATE_RULES, {"input": changes}, token=await token("HQ_ADMIN"))
    assert result["data"]["updateRoutingRules"]["userErrors"] == []


async def order_transfers(number: str) -> list[dict[str, Any]]:
    rows = await db.fetch(
        "SELECT t.id, t.number, t.status, f.code AS src, d.code AS dst, x.variant_id, x.quantity "
        "FROM transfer t JOIN location f ON f.id = t.from_location_id JOIN location d ON d.id = t.to_location_id "
        "JOIN transfer_line x ON x.transfer_id = t.id WHERE t.reference = $1 ORDER BY t.id, x.variant_id",
        [number],
    )
    return [dict(r) for r in rows]


async def test_a_pickup_waits_for_its_transfer_then_is_handed_over(gql, token):
    await rules(gql, token, transferEnabled=True)
    v = await new_variant({"S01": 1, "S05": 5}, price="20.00")
    member = await token("MEMBER", member="M0003")
    s01 = await store_gid("S01")
    placed = (await gql(PLACE_ORDER, {"input": pickup_input(v, s01, 3)}, token=member))["data"]["placeOrder"]
    assert placed["userErrors"] == []
    order = placed["order"]
    assert order["status"] == "PENDING_PAYMENT" and order["total"]["amount"] == "60.00"
    (fulfillment,) = order["fulfillments"]
    assert fulfillment["store"]["code"] == "S01" and fulfillment["status"] == "PENDING"
    assert fulfillment["lines"][0]["quantity"] == 3
    assert await level(v, "S01") == {"on_hand": 1, "reserved": 1, "safety_stock": 0}
    assert await level(v, "S05") == {"on_hand": 5, "reserved": 2, "safety_stock": 0}
    (transfer,) = await order_transfers(order["number"])
    assert (transfer["src"], transfer["dst"], transfer["quantity"], transfer["status"]) == (
        "S05",
        "S01",
        2,
        "REQUESTED",
    )

    service = await token("SERVICE")
    pay = {"input": {"orderId": order["id"], "amount": "60.00", "reference": f"pay-{order['number']}"}}
    assert (await gql(CONFIRM_PAYMENT, pay, token=service))["data"]["confirmPayment"]["userErrors"] == []
    clerk = await token("CLERK", store="S01")
    early = (await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": fulfillment["id"]}, token=clerk))["data"]
    assert errors_of(early["markReadyForPickup"]) == ["INVALID_TRANSITION"]
    assert transfer["number"] in early["markReadyForPickup"]["userErrors"][0]["message"]

    manager = await token("STORE_MANAGER", store="S05")
    refused = (await gql(ACTION % "cancelTransfer", {"id": gid("Transfer", transfer["id"])}, token=manager))["data"]
    assert errors_of(refused["cancelTransfer"]) == ["INVALID_TRANSITION"]  # the order waits for it
    shipper = await token("CLERK", store="S05")
    assert (await gql(ACTION % "shipTransfer", {"id": gid("Transfer", transfer["id"])}, token=shipper))["data"][
        "shipTransfer"
    ]["transfer"]["status"] == "IN_TRANSIT"
    received = await gql(ACTION % "receiveTransfer", {"id": gid("Transfer", transfer["id"])}, token=clerk)
    assert received["data"]["receiveTransfer"]["transfer"]["status"] == "RECEIVED"
    assert await level(v, "S01") == {"on_hand": 3, "reserved": 3, "safety_stock": 0}  # held for the order
    assert await level(v, "S05") == {"on_hand": 3, "reserved": 0, "safety_stock": 0}

    ready = (await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": fulfillment["id"]}, token=clerk))["data"]
    assert ready["markReadyForPickup"]["userErrors"] == []
    code = (await gql(ORDER, {"id": order["id"]}, token=member))["data"]["order"]["pickupCode"]
    done = (await gql(COMPLETE_PICKUP, {"store": s01, "code": code}, token=clerk))["data"]["completePickup"]
    assert done["userErrors"] == [] and done["order"]["status"] == "COMPLETED"
    assert await level(v, "S01") == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    assert await ledger_mismatches([v]) == []


async def test_without_transfers_enabled_a_short_pickup_store_still_refuses(gql, token):
    await rules(gql, token, transferEnabled=False)
    v = await new_variant({"S02": 1, "S06": 5})
    member = await token("MEMBER", member="M0004")
    placed = await gql(PLACE_ORDER, {"input": pickup_input(v, await store_gid("S02"), 3)}, token=member)
    assert errors_of(placed["data"]["placeOrder"]) == ["OUT_OF_STOCK"]
    assert await level(v, "S06") == {"on_hand": 5, "reserved": 0, "safety_stock": 0}


async def test_cancelling_before_shipping_cancels_the_transfer_and_releases_everything(gql, token):
    await rules(gql, token, transferEnabled=True)
    v, w = await new_variant({"S03": 2, "S07": 4}), await new_variant({"S07": 3})
    member = await token("MEMBER", member="M0005")
    request = pickup_input(v, await store_gid("S03"), 4)
    request["lines"].append({"variantId": gid("Variant", w), "quantity": 1})
    order = (await gql(PLACE_ORDER, {"input": request}, token=member))["data"]["placeOrder"]["order"]
    assert {(t["src"], t["variant_id"], t["quantity"]) for t in await order_transfers(order["number"])} == {
        ("S07", v, 2),
        ("S07", w, 1),
    }
    cancelled = (await gql(CANCEL_ORDER, {"input": {"orderId": order["id"]}}, token=member))["data"]["cancelOrder"]
    assert cancelled["userErrors"] == [] and cancelled["order"]["status"] == "CANCELLED"
    assert {t["status"] for t in await order_transfers(order["number"])} == {"CANCELLED"}
    for variant, code, on_hand in ((v, "S03", 2), (v, "S07", 4), (w, "S07", 3)):
        assert await level(variant, code) == {"on_hand": on_hand, "reserved": 0, "safety_stock": 0}
    assert await ledger_mismatches([v, w]) == []


async def test_a_transfer_already_shipped_arrives_as_plain_stock_after_the_order_is_cancelled(gql, token):
    await rules(gql, token, transferEnabled=True)
    v = await new_variant({"S04": 1, "S08": 3})
    member = await token("MEMBER", member="M0006")
    order = (await gql(PLACE_ORDER, {"input": pickup_input(v, await store_gid("S04"), 2)}, token=member))["data"][
        "placeOrder"
    ]["order"]
    (transfer,) = await order_transfers(order["number"])
    admin = await token("HQ_ADMIN")
    await gql(ACTION % "shipTransfer", {"id": gid("Transfer", transfer["id"])}, token=admin)
    cancelled = (await gql(CANCEL_ORDER, {"input": {"orderId": order["id"]}}, token=member))["data"]["cancelOrder"]
    assert cancelled["userErrors"] == []
    assert await level(v, "S04") == {"on_hand": 1, "reserved": 0, "safety_stock": 0}
    await gql(ACTION % "receiveTransfer", {"id": gid("Transfer", transfer["id"])}, token=admin)
    assert await level(v, "S04") == {"on_hand": 2, "reserved": 0, "safety_stock": 0}
    assert await level(v, "S08") == {"on_hand": 2, "reserved": 0, "safety_stock": 0}
    assert await ledger_mismatches([v]) == []


async def test_an_expired_order_cancels_its_transfer(app, gql, token):
    await rules(gql, token, transferEnabled=True)
    v = await new_variant({"S09": 6})  # nothing at the pickup store: all of it comes by transfer
    member = await token("MEMBER", member="M0007")
    order = (await gql(PLACE_ORDER, {"input": pickup_input(v, await store_gid("S10"), 2)}, token=member))["data"][
        "placeOrder"
    ]["order"]
    assert await level(v, "S09") == {"on_hand": 6, "reserved": 2, "safety_stock": 0}
    await db.execute(
        "UPDATE customer_order SET reservation_expires_at = $2 WHERE number = $1",
        [order["number"], datetime.now(UTC) - timedelta(seconds=1)],
    )
    sweeper = TortoiseUnitOfWork(handlers=app.state.services.handlers)  # as the server's sweeper: reports too
    while await expire.expire_one(sweeper, datetime.now(UTC)):
        pass
    status = await db.fetch("SELECT status FROM customer_order WHERE number = $1", [order["number"]])
    assert status[0]["status"] == "EXPIRED"
    assert [t["status"] for t in await order_transfers(order["number"])] == ["CANCELLED"]
    assert await level(v, "S09") == {"on_hand": 6, "reserved": 0, "safety_stock": 0}
    assert await level(v, "S10") == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    assert await ledger_mismatches([v]) == []


async def test_a_short_receipt_for_an_order_is_made_up_from_the_store_or_refused(gql, token):
    await rules(gql, token, transferEnabled=True)
    v = await new_variant({"S11": 4})
    member = await token("MEMBER", member="M0008")
    order = (await gql(PLACE_ORDER, {"input": pickup_input(v, await store_gid("S12"), 3)}, token=member))["data"][
        "placeOrder"
    ]["order"]
    (transfer,) = await order_transfers(order["number"])
    admin = await token("HQ_ADMIN")
    await gql(ACTION % "shipTransfer", {"id": gid("Transfer", transfer["id"])}, token=admin)
    receive = """mutation($input: ReceiveTransferInput!) {
      receiveTransfer(input: $input) { transfer { status } userErrors { code } }
    }"""
    short = {"transferId": gid("Transfer", transfer["id"]), "lines": [{"variantId": gid("Variant", v), "quantity": 2}]}
    refused = (await gql(receive, {"input": short}, token=admin))["data"]["receiveTransfer"]
    assert errors_of(refused) == ["OUT_OF_STOCK"]  # S12 has nothing to make up the missing unit
    assert await level(v, "S12") == {"on_hand": 0, "reserved": 0, "safety_stock": 0}
    await db.execute(
        "INSERT INTO stock_level (variant_id, location_id, on_hand) SELECT $1, id, 1 FROM location WHERE code = 'S12'",
        [v],
    )
    await db.execute(
        "INSERT INTO stock_movement (variant_id, location_id, reason, on_hand_delta, reserved_delta, on_hand_after, "
        "reserved_after, reference, actor) SELECT $1, id, 'SYNC', 1, 0, 1, 0, 'test', 'test' FROM location "
        "WHERE code = 'S12'",
        [v],
    )
    made_up = (await gql(receive, {"input": short}, token=admin))["data"]["receiveTransfer"]
    assert made_up["userErrors"] == [] and made_up["transfer"]["status"] == "RECEIVED"
    assert await level(v, "S12") == {"on_hand": 3, "reserved": 3, "safety_stock": 0}
    assert await ledger_mismatches([v]) == []


# ---- every feasible plan the routing property tests would make, placed against the real database ----

VARIANTS = 3


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """The routing property tests' shapes over the demo stores: stock from {0, 0, 1, 2, 4} per
    variant and store, orders of 1..3 lines of 1..3 units, rules with transfers on."""
    stock = [draw(st.fixed_dictionaries({code: st.sampled_from([0, 0, 1, 2, 4]) for code in STORES}))
             for _ in range(VARIANTS)]  # fmt: skip
    lines = draw(
        st.lists(
            st.tuples(st.integers(0, VARIANTS - 1), st.integers(1, 3)), min_size=1, max_size=3, unique_by=lambda x: x[0]
        )
    )
    return {
        "stock": stock,
        "lines": lines,
        "pickup": draw(st.sampled_from(STORES)),
        "max_locations": draw(st.integers(1, 4)),
        "radius": draw(st.sampled_from([10.0, 30.0, 50.0])),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
async def test_every_feasible_pickup_plan_is_placed_as_planned(gql, token, scenario):
    await rules(
        gql, token, transferEnabled=True, maxLocations=scenario["max_locations"], searchRadiusKm=scenario["radius"]
    )
    variants = [await new_variant({c: n for c, n in stock.items() if n}) for stock in scenario["stock"]]
    pickup = await store_gid(scenario["pickup"])
    lines = [{"variantId": gid("Variant", variants[i]), "quantity": q} for i, q in scenario["lines"]]
    plan_input = {"lines": lines, "fulfillmentMode": "PICKUP", "pickupStoreId": pickup}
    plan = (await gql(PLAN, {"input": plan_input}))["data"]["fulfillmentPlan"]
    member = await token("MEMBER", member="M0009")
    placed = await gql(PLACE_ORDER, {"input": {**pickup_input(variants[0], pickup), "lines": lines}}, token=member)
    answer = placed["data"]["placeOrder"]
    if not plan["feasible"]:
        assert errors_of(answer) and answer["order"] is None
        return
    assert answer["userErrors"] == [], (plan, answer)
    number = answer["order"]["number"]
    planned_transfers: Counter[tuple[str, str]] = Counter()
    planned_here: Counter[str] = Counter()
    for shipment in plan["shipments"]:
        for line in shipment["lines"]:
            if shipment["transferTo"] is None:
                assert shipment["store"]["code"] == scenario["pickup"]
                planned_here[line["variant"]["id"]] += line["quantity"]
            else:
                planned_transfers[(shipment["store"]["code"], line["variant"]["id"])] += line["quantity"]
    placed_transfers: Counter[tuple[str, str]] = Counter()
    for row in await order_transfers(number):
        assert row["dst"] == scenario["pickup"] and row["status"] == "REQUESTED"
        placed_transfers[(row["src"], gid("Variant", row["variant_id"]))] += row["quantity"]
    assert placed_transfers == planned_transfers
    held = await db.fetch(
        "SELECT m.variant_id, sum(m.reserved_delta) AS n FROM stock_movement m JOIN location l ON l.id = m.location_id "
        "WHERE m.reference = $1 AND m.reason = 'RESERVATION' AND l.code = $2 GROUP BY m.variant_id",
        [number, scenario["pickup"]],
    )
    assert Counter({gid("Variant", r["variant_id"]): int(r["n"]) for r in held}) == planned_here
    assert await ledger_mismatches(variants) == []
    cancelled = (await gql(CANCEL_ORDER, {"input": {"orderId": answer["order"]["id"]}}, token=member))["data"]
    assert cancelled["cancelOrder"]["userErrors"] == []
    leftovers = await db.fetch(
        "SELECT count(*) AS n FROM stock_level WHERE variant_id = ANY($1::int[]) AND reserved > 0", [variants]
    )
    assert leftovers[0]["n"] == 0


PAD_FEED = """subscription($s: ID!) { storeOrders(storeId: $s) {
  kind status order { number status fulfillments { status awaitingTransfer store { code } } } } }"""


async def test_the_pickup_stores_feed_hears_the_transfer_arrive(app, gql, token, redis_url):
    """The clerk pad at the pickup store sees the order wait for its transfer, then sees it arrive
    (STATUS_CHANGED on storeOrders, order.stock_arrived in the event log) and may pick it."""
    await rules(gql, token, transferEnabled=True)
    v = await new_variant({"S01": 1, "S05": 5}, price="20.00")
    member, service = await token("MEMBER", member="M0003"), await token("SERVICE")
    clerk, shipper = await token("CLERK", store="S01"), await token("CLERK", store="S05")
    s01 = await store_gid("S01")
    broker = app.state.services.broker
    async with in_process_sockets(app, TRANSPORT_WS, 1) as (pad,):
        assert (await pad.init(clerk))["type"] == "connection_ack"
        before = broker.subscriber_count
        await pad.subscribe("feed", PAD_FEED, {"s": s01})
        await wait_in_process_subscribed(app, before, topics.orders_at(await location_id("S01")), redis_url)

        order = (await gql(PLACE_ORDER, {"input": pickup_input(v, s01, 3)}, token=member))["data"]["placeOrder"][
            "order"
        ]
        assert (await pad.next_data())["storeOrders"]["kind"] == "CREATED"
        pay = {"input": {"orderId": order["id"], "amount": "60.00", "reference": f"pay-{order['number']}"}}
        assert (await gql(CONFIRM_PAYMENT, pay, token=service))["data"]["confirmPayment"]["userErrors"] == []
        paid = (await pad.next_data())["storeOrders"]
        assert paid["kind"] == "PAID"
        assert paid["order"]["fulfillments"] == [
            {"status": "PENDING", "awaitingTransfer": True, "store": {"code": "S01"}}
        ]

        (transfer,) = await order_transfers(order["number"])
        transfer_id = gid("Transfer", transfer["id"])
        assert (await gql(ACTION % "shipTransfer", {"id": transfer_id}, token=shipper))["data"]["shipTransfer"][
            "userErrors"
        ] == []
        received = await gql(ACTION % "receiveTransfer", {"id": transfer_id}, token=clerk)
        assert received["data"]["receiveTransfer"]["userErrors"] == []
        arrived = (await pad.next_data())["storeOrders"]  # the ship was no news for the pickup store
        assert (arrived["kind"], arrived["status"], arrived["order"]["number"]) == (
            "STATUS_CHANGED",
            "CONFIRMED",
            order["number"],
        )
        assert arrived["order"]["fulfillments"][0]["awaitingTransfer"] is False

    logged = await db.fetch(
        "SELECT payload FROM event_log WHERE type = 'order.stock_arrived' AND payload->'order'->>'number' = $1",
        [order["number"]],
    )
    assert len(logged) == 1
    payload = orjson.loads(logged[0]["payload"])
    assert payload["transfer"]["number"] == transfer["number"] and payload["store"]["code"] == "S01"
    picking = await gql(FULFILLMENT_ACTION % "startPicking", {"id": order["fulfillments"][0]["id"]}, token=clerk)
    assert picking["data"]["startPicking"]["userErrors"] == []
    assert await ledger_mismatches([v]) == []


async def online_held(variant: int, code: str) -> int:
    rows = await db.fetch(
        "SELECT s.online_reserved FROM stock_level s JOIN location l ON l.id = s.location_id "
        "WHERE s.variant_id = $1 AND l.code = $2",
        [variant, code],
    )
    return int(rows[0]["online_reserved"])


@pytest.mark.usefixtures("keep_policies")
async def test_a_transfer_for_an_online_order_holds_within_the_sources_online_share(gql, token):
    """The transfer an online PICKUP order asks for is an online hold at its source: it counts against
    the source's online share (so online orders there cannot take the source past it), store channels
    still sell the rest, and shipping or cancelling gives the online hold back."""
    await rules(gql, token, transferEnabled=True)
    v = await new_variant({"S01": 1, "S05": 10}, price="20.00")
    s01, s05 = await store_gid("S01"), await store_gid("S05")
    policy = {"input": {"storeId": s05, "onlineShare": 0.5}}
    set_policy = (await gql(SET_POLICY, policy, token=await token("HQ_ADMIN")))["data"]["setAllocationPolicy"]
    assert set_policy["userErrors"] == []
    member, other = await token("MEMBER", member="M0003"), await token("MEMBER", member="M0004")
    placed = (await gql(PLACE_ORDER, {"input": pickup_input(v, s01, 5)}, token=member))["data"]["placeOrder"]
    assert placed["userErrors"] == []
    (transfer,) = await order_transfers(placed["order"]["number"])
    assert (transfer["src"], transfer["quantity"]) == ("S05", 4)
    assert (await online_held(v, "S05"), await online_held(v, "S01")) == (4, 1)

    # S05 may give online floor(0.5 x 10) = 5 units: the transfer holds 4 of them, one is left
    over = (await gql(PLACE_ORDER, {"input": pickup_input(v, s05, 2)}, token=other))["data"]["placeOrder"]
    assert errors_of(over) == ["OUT_OF_STOCK"]
    last = (await gql(PLACE_ORDER, {"input": pickup_input(v, s05, 1)}, token=other))["data"]["placeOrder"]
    assert last["userErrors"] == []
    clerk = await token("CLERK", store="S05")
    pad = pickup_input(v, s05, 5, channel="CLERK_PAD", memberId=gid("Member", 5))
    assert (await gql(PLACE_ORDER, {"input": pad}, token=clerk))["data"]["placeOrder"]["userErrors"] == []
    assert await level(v, "S05") == {"on_hand": 10, "reserved": 10, "safety_stock": 0}
    assert await online_held(v, "S05") == 5

    # cancelled before shipping: the transfer's online hold at S05 goes with it
    cancelled = await gql(CANCEL_ORDER, {"input": {"orderId": placed["order"]["id"]}}, token=member)
    assert cancelled["data"]["cancelOrder"]["userErrors"] == []
    assert (await online_held(v, "S05"), await online_held(v, "S01")) == (1, 0)
    assert await level(v, "S05") == {"on_hand": 10, "reserved": 6, "safety_stock": 0}

    # shipped: the units leave S05 with their online hold
    again = (await gql(PLACE_ORDER, {"input": pickup_input(v, s01, 3)}, token=member))["data"]["placeOrder"]
    assert again["userErrors"] == []
    (second,) = await order_transfers(again["order"]["number"])
    assert second["quantity"] == 2 and await online_held(v, "S05") == 3
    shipped = await gql(ACTION % "shipTransfer", {"id": gid("Transfer", second["id"])}, token=clerk)
    assert shipped["data"]["shipTransfer"]["transfer"]["status"] == "IN_TRANSIT"
    assert await online_held(v, "S05") == 1
    assert await level(v, "S05") == {"on_hand": 8, "reserved": 6, "safety_stock": 0}
    assert await ledger_mismatches([v]) == []
