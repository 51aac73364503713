"""Live order feeds over websockets (both protocols): a store's clerk pad and the member's phone."""

from __future__ import annotations

import pytest

from omnichannel.subscriptions import topics
from tests.orders_support import (
    CANCEL_ORDER,
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    ORDER,
    PLACE_ORDER,
    gid,
    location_id,
    new_variant,
    pickup_input,
    store_gid,
)
from tests.ws_support import LEGACY_WS, TRANSPORT_WS, in_process_sockets, wait_in_process_subscribed

STORE_FEED = "subscription($s: ID!) { storeOrders(storeId: $s) { kind status at order { id number status } } }"
PICKUP_FEED = """subscription($o: ID) { pickupReady(orderId: $o) {
  readyAt order { id number status pickupCode } store { code } fulfillment { status } } }"""


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_the_store_feed_and_the_pickup_push_follow_an_order(app, gql, token, redis_url, protocol):
    variant = await new_variant({"S03": 4}, price="25.00")
    s03 = await store_gid("S03")
    member, other_member = await token("MEMBER", member="M0003"), await token("MEMBER", member="M0004")
    clerk, service = await token("CLERK", store="S03"), await token("SERVICE")
    broker = app.state.services.broker
    async with in_process_sockets(app, protocol, 3) as (pad, phone, other_phone):
        assert (await pad.init(clerk))["type"] == "connection_ack"
        assert (await phone.init(member))["type"] == "connection_ack"
        assert (await other_phone.init(other_member))["type"] == "connection_ack"
        before = broker.subscriber_count
        await pad.subscribe("feed", STORE_FEED, {"s": s03})
        await wait_in_process_subscribed(app, before, topics.orders_at(await location_id("S03")), redis_url)
        before = broker.subscriber_count
        await phone.subscribe("ready", PICKUP_FEED)
        await other_phone.subscribe("ready", PICKUP_FEED)
        await wait_in_process_subscribed(app, before, "pickup.member.3", redis_url, count=2)

        placed = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s03, 2)}, token=member))["data"]
        order = placed["placeOrder"]["order"]
        created = (await pad.next_data())["storeOrders"]
        assert (created["kind"], created["status"], created["order"]["number"]) == (
            "CREATED",
            "PENDING_PAYMENT",
            order["number"],
        )

        pay = {"orderId": order["id"], "amount": "50.00", "reference": f"feed-{order['number']}"}
        await gql(CONFIRM_PAYMENT, {"input": pay}, token=service)
        paid = (await pad.next_data())["storeOrders"]
        assert (paid["kind"], paid["status"]) == ("PAID", "CONFIRMED")

        fulfillment = order["fulfillments"][0]["id"]
        await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": fulfillment}, token=clerk)
        ready = (await pad.next_data())["storeOrders"]
        assert (ready["kind"], ready["status"]) == ("STATUS_CHANGED", "READY_FOR_PICKUP")
        pushed = (await phone.next_data())["pickupReady"]
        assert pushed["order"]["number"] == order["number"]
        assert pushed["store"]["code"] == "S03"
        assert pushed["fulfillment"]["status"] == "READY_FOR_PICKUP"
        assert pushed["order"]["pickupCode"] is not None  # the member sees their own code

        code = (await gql(ORDER, {"id": order["id"]}, token=member))["data"]["order"]["pickupCode"]
        await gql(COMPLETE_PICKUP, {"store": s03, "code": code}, token=clerk)
        completed = (await pad.next_data())["storeOrders"]
        assert (completed["kind"], completed["status"]) == ("STATUS_CHANGED", "COMPLETED")

        second = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s03, 1)}, token=member))["data"]
        assert (await pad.next_data())["storeOrders"]["kind"] == "CREATED"
        await gql(CANCEL_ORDER, {"input": {"orderId": second["placeOrder"]["order"]["id"]}}, token=member)
        cancelled = (await pad.next_data())["storeOrders"]
        assert (cancelled["kind"], cancelled["status"]) == ("CANCELLED", "CANCELLED")

        await other_phone.nothing_for(0.3)  # another member never hears of it


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_refused_subscriptions_get_the_authorisation_error_and_no_events(app, gql, token, protocol):
    s04 = await store_gid("S04")
    variant = await new_variant({"S04": 3})
    cases = [
        (await token("CLERK", store="S05"), STORE_FEED, {"s": s04}),  # another store's clerk
        (await token("MEMBER", member="M0005"), STORE_FEED, {"s": s04}),
        (await token("ANALYST"), STORE_FEED, {"s": s04}),
        (None, STORE_FEED, {"s": s04}),
        (await token("CLERK", store="S04"), PICKUP_FEED, {}),  # pickup pushes are for members
    ]
    member_order = (
        await gql(PLACE_ORDER, {"input": pickup_input(variant, s04, 1)}, token=await token("MEMBER", member="M0006"))
    )["data"]["placeOrder"]["order"]
    cases.append((await token("MEMBER", member="M0007"), PICKUP_FEED, {"o": member_order["id"]}))
    for bearer, query, variables in cases:
        async with in_process_sockets(app, protocol) as (socket,):
            assert (await socket.init(bearer))["type"] == "connection_ack"
            await socket.subscribe("1", query, variables)
            errors = await socket.next_error()
            assert errors[0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED"), errors
            assert errors[0]["message"] in (
                "You do not have permission to perform this action.",
                "Authentication required: send a valid 'Authorization: Bearer <token>' header.",
            )


STOCK_FEED = (
    "subscription($s: [ID!], $v: [ID!]) { stockChanged(storeIds: $s, variantIds: $v) { onHand reserved reason } }"
)


async def test_every_stock_change_of_an_order_reaches_the_stock_feed(app, gql, token, redis_url):
    variant = await new_variant({"S05": 6})
    s05 = await store_gid("S05")
    member, clerk = await token("MEMBER", member="M0008"), await token("CLERK", store="S05")
    broker = app.state.services.broker
    async with in_process_sockets(app, TRANSPORT_WS) as (socket,):
        await socket.init(clerk)
        before = broker.subscriber_count
        await socket.subscribe("stock", STOCK_FEED, {"s": [s05], "v": [gid("Variant", variant)]})
        await wait_in_process_subscribed(app, before, topics.stock_at(await location_id("S05")), redis_url)
        first = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s05, 2)}, token=member))["data"]
        second = (await gql(PLACE_ORDER, {"input": pickup_input(variant, s05, 1)}, token=member))["data"]
        await gql(CANCEL_ORDER, {"input": {"orderId": second["placeOrder"]["order"]["id"]}}, token=member)
        order = first["placeOrder"]["order"]
        pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"sf-{order['number']}"}
        await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE"))
        await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": order["fulfillments"][0]["id"]}, token=clerk)
        code = (await gql(ORDER, {"id": order["id"]}, token=member))["data"]["order"]["pickupCode"]
        await gql(COMPLETE_PICKUP, {"store": s05, "code": code}, token=clerk)
        seen = [(await socket.next_data())["stockChanged"] for _ in range(4)]
    assert [(e["reason"], e["onHand"], e["reserved"]) for e in seen] == [
        ("RESERVATION", 6, 2),
        ("RESERVATION", 6, 3),
        ("RELEASE", 6, 2),
        ("SALE", 4, 0),
    ]
