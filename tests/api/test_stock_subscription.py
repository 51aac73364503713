"""stockChanged over websockets, both protocols, filtered by store and variant."""

from __future__ import annotations

import pytest

from .test_adjust_stock import ADJUST, store_id, variant_id
from .ws import LEGACY_WS, TRANSPORT_WS, graphql_ws, wait_for_subscribers

STOCK_CHANGED = """
subscription($stores: [ID!], $variants: [ID!]) {
  stockChanged(storeIds: $stores, variantIds: $variants) {
    store { code } variant { sku } onHand reserved available reason at
  }
}
"""


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_adjustment_reaches_subscribers_of_that_store_only(app, gql, token, protocol):
    admin = await token("HQ_ADMIN")
    s08, s09 = await store_id(gql, "S08"), await store_id(gql, "S09")
    baseline = app.state.services.broker.subscriber_count
    async with graphql_ws(app, protocol) as watcher_s08, graphql_ws(app, protocol) as watcher_s09:
        assert (await watcher_s08.init())["type"] == "connection_ack"
        assert (await watcher_s09.init())["type"] == "connection_ack"
        await watcher_s08.subscribe(STOCK_CHANGED, {"stores": [s08]})
        await watcher_s09.subscribe(STOCK_CHANGED, {"stores": [s09]})
        await wait_for_subscribers(app, baseline + 2)

        done = await gql(ADJUST, {"s": s08, "v": variant_id(30), "d": 3, "r": "delivery"}, token=admin)
        level = done["data"]["adjustStock"]["stockLevel"]
        event = (await watcher_s08.next_data())["data"]["stockChanged"]
        assert event["store"]["code"] == "S08"
        assert event["reason"] == "ADJUSTMENT"
        assert (event["onHand"], event["available"]) == (level["onHand"], level["available"])

        # the S09 watcher hears only S09's changes
        await gql(ADJUST, {"s": s09, "v": variant_id(30), "d": 2, "r": "delivery"}, token=admin)
        other = (await watcher_s09.next_data())["data"]["stockChanged"]
        assert other["store"]["code"] == "S09"


async def test_variant_filter_and_unsubscribe(app, gql, token):
    admin = await token("HQ_ADMIN")
    s10 = await store_id(gql, "S10")
    baseline = app.state.services.broker.subscriber_count
    async with graphql_ws(app) as ws:
        await ws.init()
        op = await ws.subscribe(STOCK_CHANGED, {"variants": [variant_id(31)]})
        await wait_for_subscribers(app, baseline + 1)
        await gql(ADJUST, {"s": s10, "v": variant_id(32), "d": 1, "r": "other variant"}, token=admin)
        await gql(ADJUST, {"s": s10, "v": variant_id(31), "d": 1, "r": "this variant"}, token=admin)
        event = (await ws.next_data())["data"]["stockChanged"]
        sku = await gql("query($id: ID!) { node(id: $id) { ... on Variant { sku } } }", {"id": variant_id(31)})
        assert event["variant"]["sku"] == sku["data"]["node"]["sku"]
        assert event["store"]["code"] == "S10"
        await ws.stop(op)
        await wait_for_subscribers(app, baseline)  # the server dropped the subscription, socket still open


async def test_a_bad_token_is_rejected_at_connection_init(app):
    async with graphql_ws(app) as ws:
        await ws.ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer nonsense"}})
        with pytest.raises(Exception):  # noqa: B017 - the server closes the socket (4403)
            await ws.receive(timeout=3)
