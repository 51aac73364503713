"""Subscriptions that catch up: every event carries its log cursor; a subscriber that was away passes
the last one as afterCursor and gets what it missed, in order, then live events, none twice."""

from __future__ import annotations

import pytest

from omnichannel.persistence import db
from omnichannel.subscriptions import topics
from tests.orders_support import (
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    PLACE_ORDER,
    location_id,
    new_variant,
    pickup_input,
    store_gid,
)
from tests.ws_support import (
    LEGACY_WS,
    TRANSPORT_WS,
    in_process_sockets,
    wait_for_subscribers,
    wait_in_process_subscribed,
)

STORE_FEED = """subscription($s: ID!, $after: String) {
  storeOrders(storeId: $s, afterCursor: $after) { kind status cursor order { number } } }"""
STOCK_FEED = """subscription($s: [ID!], $v: [ID!], $after: String) {
  stockChanged(storeIds: $s, variantIds: $v, afterCursor: $after) { onHand reserved reason cursor variant { sku } } }"""
PICKUP_FEED = """subscription($after: String) {
  pickupReady(afterCursor: $after) { cursor readyAt order { number } store { code } } }"""


async def place(gql, member, variant, store, quantity=1) -> dict:
    answer = await gql(PLACE_ORDER, {"input": pickup_input(variant, store, quantity)}, token=member)
    return answer["data"]["placeOrder"]["order"]


async def subscribed(app, redis_url, socket, op, query, variables, channel) -> None:
    before = app.state.services.broker.subscriber_count
    await socket.subscribe(op, query, variables)
    await wait_in_process_subscribed(app, before, channel, redis_url)


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_a_store_feed_that_was_away_catches_up_then_goes_live(app, gql, token, redis_url, protocol):
    variant = await new_variant({"S08": 20}, price="10.00")
    s08 = await store_gid("S08")
    channel = topics.orders_at(await location_id("S08"))
    member, clerk, service = (
        await token("MEMBER", member="M0008"),
        await token("CLERK", store="S08"),
        await token("SERVICE"),
    )
    async with in_process_sockets(app, protocol) as (pad,):
        assert (await pad.init(clerk))["type"] == "connection_ack"
        await subscribed(app, redis_url, pad, "feed", STORE_FEED, {"s": s08}, channel)
        first = await place(gql, member, variant, s08)
        heard = (await pad.next_data())["storeOrders"]
        assert heard["order"]["number"] == first["number"] and heard["cursor"]
        last_cursor = heard["cursor"]

    # the pad is away: three things happen at the store
    second = await place(gql, member, variant, s08)
    pay = {"orderId": first["id"], "amount": "10.00", "reference": f"away-{first['number']}"}
    assert not (await gql(CONFIRM_PAYMENT, {"input": pay}, token=service))["data"]["confirmPayment"]["userErrors"]
    third = await place(gql, member, variant, s08, 2)

    async with in_process_sockets(app, protocol) as (pad,):
        assert (await pad.init(clerk))["type"] == "connection_ack"
        await subscribed(app, redis_url, pad, "feed", STORE_FEED, {"s": s08, "after": last_cursor}, channel)
        missed = [(await pad.next_data())["storeOrders"] for _ in range(3)]
        assert [(m["kind"], m["order"]["number"]) for m in missed] == [
            ("CREATED", second["number"]),
            ("PAID", first["number"]),
            ("CREATED", third["number"]),
        ]
        cursors = [last_cursor, *(m["cursor"] for m in missed)]
        assert len(set(cursors)) == 4
        fourth = await place(gql, member, variant, s08)
        live = (await pad.next_data())["storeOrders"]
        assert (live["kind"], live["order"]["number"]) == ("CREATED", fourth["number"])
        await pad.nothing_for(0.5)  # nothing replayed twice

    async with in_process_sockets(app, protocol) as (pad,):  # resuming from the newest cursor: only what is new
        assert (await pad.init(clerk))["type"] == "connection_ack"
        await subscribed(app, redis_url, pad, "feed", STORE_FEED, {"s": s08, "after": live["cursor"]}, channel)
        await pad.nothing_for(0.5)
        fifth = await place(gql, member, variant, s08)
        assert (await pad.next_data())["storeOrders"]["order"]["number"] == fifth["number"]


async def test_stock_changes_and_pickups_catch_up_too(app, gql, token, redis_url):
    variant = await new_variant({"S09": 5, "S10": 5})
    other = await new_variant({"S09": 5})
    s09, s10 = await store_gid("S09"), await store_gid("S10")
    member, clerk, service = (
        await token("MEMBER", member="M0009"),
        await token("CLERK", store="S09"),
        await token("SERVICE"),
    )
    from tests.orders_support import gid

    stock_args = {"s": [s09], "v": [gid("Variant", variant)]}
    async with in_process_sockets(app, TRANSPORT_WS, 2) as (board, phone):
        assert (await board.init(clerk))["type"] == "connection_ack"
        assert (await phone.init(member))["type"] == "connection_ack"
        stock_topic = topics.stock_at(await location_id("S09"))
        await subscribed(app, redis_url, board, "stock", STOCK_FEED, stock_args, stock_topic)
        await subscribed(app, redis_url, phone, "ready", PICKUP_FEED, {}, topics.pickups_of(9))
        order = await place(gql, member, variant, s09)
        stock_cursor = (await board.next_data())["stockChanged"]["cursor"]
        pay = {"orderId": order["id"], "amount": "100.00", "reference": f"catch-{order['number']}"}
        await gql(CONFIRM_PAYMENT, {"input": pay}, token=service)
        await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": order["fulfillments"][0]["id"]}, token=clerk)
        pickup_cursor = (await phone.next_data())["pickupReady"]["cursor"]

    await place(gql, member, variant, s10)  # another store: not for this board
    await place(gql, member, other, s09)  # another variant: not for this board
    later = await place(gql, member, variant, s09, 2)
    pay = {"orderId": later["id"], "amount": "200.00", "reference": f"c-{later['number']}"}
    await gql(CONFIRM_PAYMENT, {"input": pay}, token=service)
    await gql(FULFILLMENT_ACTION % "markReadyForPickup", {"id": later["fulfillments"][0]["id"]}, token=clerk)

    async with in_process_sockets(app, TRANSPORT_WS, 2) as (board, phone):
        assert (await board.init(clerk))["type"] == "connection_ack"
        assert (await phone.init(member))["type"] == "connection_ack"
        await board.subscribe("stock", STOCK_FEED, {**stock_args, "after": stock_cursor})
        missed = (await board.next_data())["stockChanged"]
        assert (missed["reason"], missed["reserved"]) == ("RESERVATION", 3)
        await board.nothing_for(0.3)
        await phone.subscribe("ready", PICKUP_FEED, {"after": pickup_cursor})
        ready = (await phone.next_data())["pickupReady"]
        assert (ready["order"]["number"], ready["store"]["code"]) == (later["number"], "S09")
        await phone.nothing_for(0.3)


async def test_a_cursor_older_than_retention_or_not_a_cursor_is_refused(app, token):
    clerk = await token("CLERK", store="S01")
    s01 = await store_gid("S01")
    await db.execute("UPDATE event_log_state SET pruned_through = greatest(pruned_through, 1) WHERE id = 1")
    from omnichannel.schema.relay import encode_cursor

    async with in_process_sockets(app, TRANSPORT_WS) as (pad,):
        assert (await pad.init(clerk))["type"] == "connection_ack"
        await pad.subscribe("old", STORE_FEED, {"s": s01, "after": encode_cursor("events", 0)})
        errors = await pad.next_error()
        assert errors[0]["extensions"]["code"] == "CURSOR_EXPIRED"
        assert (await pad.receive())["type"] == "complete"
        await pad.subscribe("bad", STORE_FEED, {"s": s01, "after": "nonsense"})
        errors = await pad.next_error()
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_subscriber_too_slow_for_its_queue_loses_nothing(app, gql, token, monkeypatch):
    """Its queue overflows while it does not read; what was dropped is read back from the log."""
    import asyncio

    from omnichannel.resolvers.context import Context
    from omnichannel.resolvers.events.feeds import ReplayFilter, follow
    from omnichannel.resolvers.order_feed import STORE_FEED_TYPES
    from omnichannel.subscriptions import broker as broker_module

    monkeypatch.setattr(broker_module, "QUEUE_SIZE", 3)
    services = app.state.services
    loc = await location_id("S05")
    variant = await new_variant({"S05": 20})
    s05 = await store_gid("S05")
    member = await token("MEMBER", member="M0015")
    feed = follow(Context(services=services), [topics.orders_at(loc)], None, ReplayFilter(STORE_FEED_TYPES, (loc,)))
    before = services.broker.subscriber_count
    first = asyncio.create_task(anext(feed))
    await wait_for_subscribers(app, before + 1)
    numbers = [(await place(gql, member, variant, s05))["number"] for _ in range(8)]
    heard = [await first]
    heard += [await asyncio.wait_for(anext(feed), 10) for _ in range(7)]
    await feed.aclose()
    positions = [e.position for e in heard]
    assert positions == sorted(positions) and len(set(positions)) == 8
    rows = await db.fetch(
        "SELECT o.number FROM unnest($1::int[]) WITH ORDINALITY AS h(id, n) JOIN customer_order o ON o.id = h.id "
        "ORDER BY h.n",
        [[e.event.order_id for e in heard]],
    )
    assert [r["number"] for r in rows] == numbers
