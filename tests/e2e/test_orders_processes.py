"""Orders against two real `omnichannel serve` processes sharing PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets

from omnichannel.subscriptions import topics
from tests.orders_support import (
    COMPLETE_PICKUP,
    CONFIRM_PAYMENT,
    FULFILLMENT_ACTION,
    ORDER,
    PLACE_ORDER,
    ledger_mismatches,
    level,
    location_id,
    new_variant,
    pickup_input,
    store_gid,
)
from tests.ws_support import (
    LEGACY_WS,
    TRANSPORT_WS,
    GraphQLSocket,
    WebsocketsSocket,
    active_subscriptions,
    channel_has_subscriber,
    wait_until,
)

from .servers import serve, server_env

pytestmark = pytest.mark.e2e

BOUND_SECONDS = 60


@contextlib.contextmanager
def two_servers(database_url: str, redis_url: str, namespace: str, **overrides: dict[str, str]) -> Iterator[list[str]]:
    base = server_env(database_url, redis_url, namespace, OMNICHANNEL_DB_POOL_SIZE="10")
    first, second = ({**base, **overrides.get(name, {})} for name in ("first", "second"))
    with serve(first) as a, serve(second) as b:
        yield [a, b]


class Http:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __call__(self, base: str, query: str, variables: dict[str, Any], token: str | None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            f"{base}/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


async def test_500_concurrent_orders_for_50_units_across_two_processes(
    database_url, redis_url, broker_namespace, token
):
    variant = await new_variant({"S05": 50})
    request = {"input": pickup_input(variant, await store_gid("S05"), 1)}
    members = [await token("MEMBER", member=f"M{n:04d}") for n in range(1, 21)]
    with two_servers(database_url, redis_url, broker_namespace) as servers:
        # a connection per request: no race with the server closing an idle keep-alive connection
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
        async with httpx.AsyncClient(limits=limits, timeout=BOUND_SECONDS) as client:
            http = Http(client)
            started = time.monotonic()
            results = await asyncio.wait_for(
                asyncio.gather(*(http(servers[i % 2], PLACE_ORDER, request, members[i % 20]) for i in range(500))),
                BOUND_SECONDS,
            )
            elapsed = time.monotonic() - started
    assert all("errors" not in r for r in results), [r["errors"] for r in results if "errors" in r][:3]
    payloads = [r["data"]["placeOrder"] for r in results]
    placed = [p["order"] for p in payloads if p["order"] is not None]
    refused = [e["code"] for p in payloads if p["order"] is None for e in p["userErrors"]]
    assert len(placed) == 50 and len({o["id"] for o in placed}) == 50
    assert refused == ["OUT_OF_STOCK"] * 450
    assert await level(variant, "S05") == {"on_hand": 50, "reserved": 50, "safety_stock": 0}
    assert await ledger_mismatches([variant]) == []
    print(f"500 placeOrder calls over 2 processes in {elapsed:.2f} s")


STORE_FEED = "subscription($s: ID!) { storeOrders(storeId: $s) { kind status order { number } } }"
PICKUP_FEED = "subscription($o: ID) { pickupReady(orderId: $o) { order { number status } store { code } } }"


async def _subscriptions(base: str) -> int:
    async with httpx.AsyncClient() as client:
        return active_subscriptions((await client.get(f"{base}/metrics")).text)


async def _open(base: str, protocol: str, bearer: str, stack: contextlib.AsyncExitStack) -> GraphQLSocket:
    connection = await stack.enter_async_context(
        websockets.connect(base.replace("http", "ws") + "/graphql", subprotocols=[protocol])
    )
    socket = GraphQLSocket(WebsocketsSocket(connection), protocol)
    assert (await socket.init(bearer))["type"] == "connection_ack"
    return socket


async def _subscribe(
    socket: GraphQLSocket, base: str, query: str, variables: dict, channel: str, redis_url: str
) -> None:
    """Subscribe and wait until the server process registered it and Redis confirmed its channel."""
    before = await _subscriptions(base)
    await socket.subscribe("1", query, variables)

    async def live() -> bool:
        return await _subscriptions(base) > before and await channel_has_subscriber(redis_url, channel)

    await wait_until(live, within=10)


@pytest.mark.parametrize("protocol", [TRANSPORT_WS, LEGACY_WS])
async def test_the_pickup_flow_with_its_feeds_split_over_two_processes(
    database_url, redis_url, broker_namespace, token, protocol
):
    variant = await new_variant({"S06": 3}, price="45.00")
    s06 = await store_gid("S06")
    member, clerk, service = (
        await token("MEMBER", member="M0006"),
        await token("CLERK", store="S06"),
        await token("SERVICE"),
    )
    with two_servers(database_url, redis_url, broker_namespace) as (a, b):
        async with contextlib.AsyncExitStack() as stack, httpx.AsyncClient(timeout=10) as client:
            http = Http(client)
            pad = await _open(a, protocol, clerk, stack)  # the clerk pad talks to process A
            phone = await _open(b, protocol, member, stack)  # the member's app talks to process B
            feed_channel = f"{broker_namespace}:{topics.orders_at(await location_id('S06'))}"
            await _subscribe(pad, a, STORE_FEED, {"s": s06}, feed_channel, redis_url)
            await _subscribe(phone, b, PICKUP_FEED, {}, f"{broker_namespace}:{topics.pickups_of(6)}", redis_url)

            placed = await http(b, PLACE_ORDER, {"input": pickup_input(variant, s06, 2)}, member)
            order = placed["data"]["placeOrder"]["order"]
            created = (await pad.next_data(within=10))["storeOrders"]
            assert (created["kind"], created["order"]["number"]) == ("CREATED", order["number"])

            pay = {"orderId": order["id"], "amount": "90.00", "reference": f"e2e-{protocol}-{order['number']}"}
            await http(b, CONFIRM_PAYMENT, {"input": pay}, service)
            assert (await pad.next_data(within=10))["storeOrders"]["kind"] == "PAID"

            fulfillment = order["fulfillments"][0]["id"]
            await http(a, FULFILLMENT_ACTION % "markReadyForPickup", {"id": fulfillment}, clerk)
            ready = (await pad.next_data(within=10))["storeOrders"]
            assert (ready["kind"], ready["status"]) == ("STATUS_CHANGED", "READY_FOR_PICKUP")
            pushed = (await phone.next_data(within=10))["pickupReady"]  # heard on B, caused on A
            assert pushed["order"]["number"] == order["number"] and pushed["store"]["code"] == "S06"

            code = (await http(b, ORDER, {"id": order["id"]}, member))["data"]["order"]["pickupCode"]
            done = await http(b, COMPLETE_PICKUP, {"store": s06, "code": code}, clerk)
            assert done["data"]["completePickup"]["order"]["status"] == "COMPLETED"
            completed = (await pad.next_data(within=10))["storeOrders"]
            assert (completed["kind"], completed["status"]) == ("STATUS_CHANGED", "COMPLETED")
    assert await level(variant, "S06") == {"on_hand": 1, "reserved": 0, "safety_stock": 0}
    assert await ledger_mismatches([variant]) == []


async def test_a_hold_is_honoured_by_whichever_process_sweeps(database_url, redis_url, broker_namespace, token):
    """Process A places with a 2-second hold and never sweeps; process B (15-minute TTL) sweeps it."""
    variant = await new_variant({"S07": 2})
    member = await token("MEMBER", member="M0007")
    overrides = {
        "first": {"OMNICHANNEL_RESERVATION_TTL": "2", "OMNICHANNEL_EXPIRY_SWEEP_INTERVAL": "0"},
        "second": {"OMNICHANNEL_EXPIRY_SWEEP_INTERVAL": "0.3"},
    }
    with two_servers(database_url, redis_url, broker_namespace, **overrides) as (a, b):
        async with httpx.AsyncClient(timeout=10) as client:
            http = Http(client)
            placed = await http(a, PLACE_ORDER, {"input": pickup_input(variant, await store_gid("S07"), 2)}, member)
            order = placed["data"]["placeOrder"]["order"]
            assert (await level(variant, "S07"))["reserved"] == 2

            async def expired() -> bool:
                seen = await http(b, ORDER, {"id": order["id"]}, member)
                return bool(seen["data"]["order"]["status"] == "EXPIRED")

            await wait_until(expired, within=8, interval=0.2)
            pay = {"orderId": order["id"], "amount": order["total"]["amount"], "reference": f"late-{order['number']}"}
            late = await http(a, CONFIRM_PAYMENT, {"input": pay}, await token("SERVICE"))
            assert [e["code"] for e in late["data"]["confirmPayment"]["userErrors"]] == ["ORDER_EXPIRED"]
    assert (await level(variant, "S07"))["reserved"] == 0
    assert await ledger_mismatches([variant]) == []
