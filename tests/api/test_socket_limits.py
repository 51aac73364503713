"""Issue 14, items 9 and 11: what one websocket may follow, and each operation on a socket with loaders
of its own.

On main one anonymous socket made the process listen to 100,000 Redis channels (five stockChanged
subscriptions of 20,000 store IDs), unknown store IDs were subscribed to as they were, and every
operation on a socket shared one context, loaders included.
"""

from __future__ import annotations

from omnichannel.resolvers.listening import MAX_CHANNELS_PER_SOCKET
from tests.orders_support import CONFIRM_PAYMENT, PLACE_ORDER, new_variant, pickup_input, store_gid
from tests.ws_support import TRANSPORT_WS, in_process_sockets, wait_for_subscribers

from .test_adjust_stock import ADJUST, variant_id
from .test_stock_subscription import STOCK_CHANGED


def store_ids(count: int) -> list[str]:
    from omnichannel.schema.relay import encode_id

    return [encode_id("Store", pk) for pk in range(1, count + 1)]


async def all_locations(gql) -> list[str]:
    page = (await gql("{ stores(first: 100) { edges { node { id } } } }"))["data"]["stores"]["edges"]
    return [e["node"]["id"] for e in page]


async def test_subscription_id_lists_are_capped_and_must_exist(app):
    """Item 9: at most 100 store or variant IDs per subscription, and only ones that exist."""
    async with in_process_sockets(app, TRANSPORT_WS) as (ws,):
        await ws.init(None)
        await ws.subscribe("many", STOCK_CHANGED, {"stores": store_ids(101)})
        assert (await ws.next_error())[0]["extensions"]["code"] == "BAD_USER_INPUT"
        await ws.subscribe("ghost", STOCK_CHANGED, {"stores": [*store_ids(1), store_ids(99_999)[-1]]})
        assert (await ws.next_error())[0]["extensions"]["code"] == "NOT_FOUND"
        assert (await ws.receive())["type"] == "complete"
        await ws.subscribe("ghost-variant", STOCK_CHANGED, {"variants": [variant_id(9_999_999)]})
        assert (await ws.next_error())[0]["extensions"]["code"] == "NOT_FOUND"


async def test_channels_per_socket_are_capped(app, gql):
    """Item 9: a socket follows at most MAX_CHANNELS_PER_SOCKET stores/feeds over all its
    subscriptions; the next one is refused and the earlier ones keep working."""
    locations = await all_locations(gql)
    baseline = app.state.services.broker.subscriber_count
    async with in_process_sockets(app, TRANSPORT_WS) as (ws,):
        await ws.init(None)
        accepted = MAX_CHANNELS_PER_SOCKET // len(locations)
        for n in range(accepted):
            await ws.subscribe(f"s{n}", STOCK_CHANGED, {"stores": locations})
        await wait_for_subscribers(app, baseline + accepted)
        await ws.subscribe("one-too-many", STOCK_CHANGED, {"stores": locations})
        errors = await ws.next_error()
        assert errors[0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        assert app.state.services.broker.subscriber_count == baseline + accepted


async def test_topics_per_process_are_capped(app, gql, monkeypatch):
    """Item 9: the process listens to at most the broker's max_topics distinct channels."""
    broker = app.state.services.broker
    monkeypatch.setattr(broker, "max_topics", broker.topic_count + 2)
    locations = await all_locations(gql)
    async with in_process_sockets(app, TRANSPORT_WS) as (ws,):
        await ws.init(None)
        await ws.subscribe("wide", STOCK_CHANGED, {"stores": locations[:5]})
        errors = await ws.next_error()
        assert errors[0]["extensions"]["code"] == "TOO_MANY_SUBSCRIPTIONS"
        assert errors[0]["extensions"]["retryAfterSeconds"] > 0


ORDER_STATUS = "query($id: ID!) { order(id: $id) { status total { amount } } }"


async def test_each_operation_on_a_socket_reads_fresh_data(app, gql, token):
    """Item 11: two queries on one socket do not share loaders (on main the second answered from the
    first one's cache: the order still looked unpaid after it was paid)."""
    member = await token("MEMBER", member="M0011")
    variant = await new_variant({"S03": 2})
    order = (await gql(PLACE_ORDER, {"input": pickup_input(variant, await store_gid("S03"))}, token=member))["data"][
        "placeOrder"
    ]["order"]
    async with in_process_sockets(app, TRANSPORT_WS) as (ws,):
        await ws.init(member)
        await ws.subscribe("before", ORDER_STATUS, {"id": order["id"]})
        assert (await ws.next_data())["order"]["status"] == "PENDING_PAYMENT"
        assert (await ws.receive())["type"] == "complete"
        pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"sock-{order['number']}"}
        paid = await gql(CONFIRM_PAYMENT, {"input": pay}, token=await token("SERVICE"))
        assert paid["data"]["confirmPayment"]["userErrors"] == []
        await ws.subscribe("after", ORDER_STATUS, {"id": order["id"]})
        assert (await ws.next_data())["order"]["status"] == "CONFIRMED"


async def test_two_subscriptions_on_one_socket_each_get_their_events(app, gql, token):
    """Item 11: each subscription resolves its events with its own loaders."""
    admin = await token("HQ_ADMIN")
    s04, s05 = await store_gid("S04"), await store_gid("S05")
    baseline = app.state.services.broker.subscriber_count
    async with in_process_sockets(app, TRANSPORT_WS) as (ws,):
        await ws.init(admin)
        await ws.subscribe("a", STOCK_CHANGED, {"stores": [s04]})
        await ws.subscribe("b", STOCK_CHANGED, {"stores": [s05]})
        await wait_for_subscribers(app, baseline + 2)
        for store in (s04, s05, s04):
            await gql(ADJUST, {"s": store, "v": variant_id(34), "d": 1, "r": "two subs"}, token=admin)
        seen = []
        for _ in range(3):
            message = await ws.receive()
            seen.append((message["id"], message["payload"]["data"]["stockChanged"]["store"]["code"]))
        assert sorted(seen) == [("a", "S04"), ("a", "S04"), ("b", "S05")]
