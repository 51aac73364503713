"""Subscription fan-out: N websocket subscribers on one store's order feed; commit-to-delivery time."""

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import datetime

import httpx
import websockets

from omnichannel.schema.relay import encode_id

from .setup import Fixture, Server
from .stats import summary
from .throughput import PLACE

FEED = "subscription($s: ID!) { storeOrders(storeId: $s) { kind at order { number status } } }"
GAUGE = re.compile(r"^omnichannel_active_subscriptions(?:\{[^}]*\})?\s+([0-9.e+]+)$", re.MULTILINE)
AT = re.compile(r'"at":"([^"]+)"')


async def _active(base: str) -> int:
    async with httpx.AsyncClient() as client:
        return int(sum(float(v) for v in GAUGE.findall((await client.get(f"{base}/metrics")).text)))


class Subscriber:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.connection: websockets.ClientConnection | None = None

    async def open(self, url: str, token: str, store_id: str) -> None:
        self.connection = await websockets.connect(url, subprotocols=["graphql-transport-ws"], max_queue=None)
        await self.connection.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await self.connection.recv())["type"] == "connection_ack"
        payload = {"query": FEED, "variables": {"s": store_id}}
        await self.connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))

    async def listen(self) -> None:
        assert self.connection is not None
        async for raw in self.connection:
            received = time.time()  # before any parsing, so client work is not charged to the server
            if '"type":"next"' not in raw:
                if '"type":"ping"' in raw:
                    await self.connection.send('{"type":"pong"}')
                continue
            match = AT.search(raw)
            if match:
                self.latencies.append(received - datetime.fromisoformat(match.group(1)).timestamp())


async def _run(server: Server, fixture: Fixture, subscribers: int, events: int) -> dict:
    store_id = encode_id("Store", fixture.feed_store)
    url = server.base.replace("http", "ws") + "/graphql"
    rss_idle = server.rss_mb()
    before = await _active(server.base)
    clients = [Subscriber() for _ in range(subscribers)]
    gate = asyncio.Semaphore(50)

    async def open_one(client: Subscriber) -> None:
        async with gate:
            await client.open(url, fixture.clerk_token, store_id)

    started = time.monotonic()
    await asyncio.gather(*(open_one(c) for c in clients))
    while await _active(server.base) < before + subscribers:
        if time.monotonic() - started > 120:
            raise TimeoutError("subscribers did not all register")
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)  # the first SUBSCRIBE confirmed by Redis
    connect_seconds = time.monotonic() - started
    rss_subscribed = server.rss_mb()
    listeners = [asyncio.create_task(c.listen()) for c in clients]
    body = {
        "query": PLACE,
        "variables": {
            "i": {
                "channel": "MINI_PROGRAM",
                "fulfillmentMode": "PICKUP",
                "pickupStoreId": store_id,
                "lines": [{"variantId": encode_id("Variant", fixture.hot[1]), "quantity": 1}],
            }
        },
    }
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {fixture.member_tokens[0]}"}) as http:
        for _ in range(events):
            answer = (await http.post(f"{server.base}/graphql", json=body)).json()
            assert answer["data"]["placeOrder"]["userErrors"] == [], answer
            await asyncio.sleep(0.3)  # one event at a time: each is a fan-out to every subscriber
    await asyncio.sleep(2.0)  # the last fan-out drains
    rss_after = server.rss_mb()
    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)
    await asyncio.gather(*(c.connection.close() for c in clients if c.connection), return_exceptions=True)
    samples = [x for c in clients for x in c.latencies]
    return {
        "subscribers": subscribers,
        "events": events,
        "delivered": len(samples),
        "expected": subscribers * events,
        "connect_seconds": round(connect_seconds, 2),
        "rss_idle_mb": round(rss_idle, 1),
        "rss_subscribed_mb": round(rss_subscribed, 1),
        "rss_after_mb": round(rss_after, 1),
        **{k: round(v, 2) for k, v in summary(samples).items()},
    }


def run(server: Server, fixture: Fixture, subscribers: int, events: int) -> dict:
    return asyncio.run(_run(server, fixture, subscribers, events))
