"""Subscription fan-out: N websocket subscribers on one store's order feed; commit-to-delivery time.

Each event's `at` is stamped inside the transaction that commits it (just before the commit), so
arrival - at slightly overstates commit-to-delivery. Events are sent one at a time, 0.3 s apart.
"""

from __future__ import annotations

import asyncio
import re
import time
from urllib.parse import urlsplit

import httpx

from omnichannel.schema.relay import encode_id

from . import raw_ws
from .setup import Fixture, Server
from .stats import summary
from .throughput import PLACE

FEED = "subscription($s: ID!) { storeOrders(storeId: $s) { kind at order { number status } } }"
GAUGE = re.compile(r"^omnichannel_active_subscriptions(?:\{[^}]*\})?\s+([0-9.e+]+)$", re.MULTILINE)


async def _active(base: str) -> int:
    async with httpx.AsyncClient() as client:
        return int(sum(float(v) for v in GAUGE.findall((await client.get(f"{base}/metrics")).text)))


async def _run(server: Server, fixture: Fixture, subscribers: int, events: int) -> dict:
    store_id = encode_id("Store", fixture.feed_store)
    address = urlsplit(server.base)
    rss_idle = server.rss_mb()
    before = await _active(server.base)
    gate = asyncio.Semaphore(50)

    async def open_one() -> raw_ws.Subscriber:
        async with gate:
            return await raw_ws.subscribe(
                address.hostname or "127.0.0.1", address.port or 80, fixture.clerk_token, FEED, {"s": store_id}
            )

    started = time.monotonic()
    clients = await asyncio.gather(*(open_one() for _ in range(subscribers)))
    while await _active(server.base) < before + subscribers:
        if time.monotonic() - started > 120:
            raise TimeoutError("subscribers did not all register")
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)  # the first SUBSCRIBE confirmed by Redis
    connect_seconds = time.monotonic() - started
    rss_subscribed = server.rss_mb()
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
    cpu_before, client_before = server.cpu_seconds(), time.process_time()
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {fixture.member_tokens[0]}"}) as http:
        for _ in range(events):
            answer = (await http.post(f"{server.base}/graphql", json=body)).json()
            assert answer["data"]["placeOrder"]["userErrors"] == [], answer
            await asyncio.sleep(0.3)  # one event at a time: each is a fan-out to every subscriber
    await asyncio.sleep(1.0)  # the last fan-out drains
    server_cpu = (server.cpu_seconds() - cpu_before) / events
    client_cpu = (time.process_time() - client_before) / events
    rss_after = server.rss_mb()
    for client in clients:
        client.close()
    samples = [x for c in clients for x in c.latencies]
    errors = [e for c in clients for e in c.errors]
    return {
        "subscribers": subscribers,
        "events": events,
        "delivered": len(samples),
        "expected": subscribers * events,
        "errors": len(errors),
        "connect_seconds": round(connect_seconds, 2),
        "rss_idle_mb": round(rss_idle, 1),
        "rss_subscribed_mb": round(rss_subscribed, 1),
        "rss_after_mb": round(rss_after, 1),
        "server_cpu_ms_per_event": round(server_cpu * 1e3, 1),
        "client_cpu_ms_per_event": round(client_cpu * 1e3, 1),
        **{k: round(v, 2) for k, v in summary(samples).items()},
    }


def run(server: Server, fixture: Fixture, subscribers: int, events: int) -> dict:
    return asyncio.run(_run(server, fixture, subscribers, events))
