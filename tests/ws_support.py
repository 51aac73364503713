"""A minimal GraphQL-over-websocket client speaking both protocols, for in-process and real servers.

`transport` is anything with `async send_text(str)` and `async receive_text(timeout) -> str`: an
httpx-ws session (in-process app) or a websockets connection (real server), via the adapters below.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any, Protocol

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"
NOISE = frozenset({"ka", "ping", "pong"})


class TextSocket(Protocol):
    async def send_text(self, data: str) -> None: ...
    async def receive_text(self, within: float) -> str: ...


class HttpxWsSocket:
    def __init__(self, session: Any) -> None:
        self.session = session

    async def send_text(self, data: str) -> None:
        await self.session.send_text(data)

    async def receive_text(self, within: float) -> str:
        return str(await self.session.receive_text(timeout=within))


class WebsocketsSocket:
    def __init__(self, connection: Any) -> None:
        self.connection = connection

    async def send_text(self, data: str) -> None:
        await self.connection.send(data)

    async def receive_text(self, within: float) -> str:
        return str(await asyncio.wait_for(self.connection.recv(), within))


class GraphQLSocket:
    def __init__(self, socket: TextSocket, protocol: str) -> None:
        self.socket = socket
        self.protocol = protocol

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send_text(json.dumps(message))

    async def receive(self, within: float = 5.0) -> dict[str, Any]:
        """The next message that is not a keep-alive (pings are answered)."""
        deadline = time.monotonic() + within
        while True:
            remaining = max(0.01, deadline - time.monotonic())
            message = json.loads(await self.socket.receive_text(remaining))
            if message.get("type") == "ping":
                await self.send({"type": "pong"})
            if message.get("type") not in NOISE:
                return message
            if time.monotonic() > deadline:
                raise TimeoutError

    async def init(self, token: str | None) -> dict[str, Any]:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await self.send({"type": "connection_init", "payload": payload})
        return await self.receive()

    async def subscribe(self, op_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.send({"id": op_id, "type": kind, "payload": {"query": query, "variables": variables or {}}})

    async def stop(self, op_id: str) -> None:
        await self.send({"id": op_id, "type": "complete" if self.protocol == TRANSPORT_WS else "stop"})

    async def next_data(self, within: float = 5.0) -> dict[str, Any]:
        """The data of the next event; fails on an error message."""
        message = await self.receive(within)
        if message["type"] in ("next", "data"):
            payload = message["payload"]
            assert not payload.get("errors"), payload
            return dict(payload["data"])
        raise AssertionError(f"expected an event, got {message}")

    async def next_error(self, within: float = 5.0) -> list[dict[str, Any]]:
        """The errors of a refused subscription, whichever way the protocol reports them."""
        message = await self.receive(within)
        if message["type"] == "error":
            payload = message["payload"]
            return list(payload) if isinstance(payload, list) else [payload]
        if message["type"] in ("next", "data") and message["payload"].get("errors"):
            return list(message["payload"]["errors"])
        raise AssertionError(f"expected an error, got {message}")

    async def nothing_for(self, seconds: float) -> None:
        """Asserts that no event arrives for a while (keep-alives aside)."""
        try:
            message = await self.receive(seconds)
        except TimeoutError:
            return
        if message.get("type") == "complete":
            return
        raise AssertionError(f"expected silence, got {message}")


_GAUGE = re.compile(r"^omnichannel_active_subscriptions(?:\{[^}]*\})?\s+([0-9.e+]+)$", re.MULTILINE)


def active_subscriptions(metrics_text: str) -> int:
    return int(sum(float(v) for v in _GAUGE.findall(metrics_text)))


async def wait_until(predicate: Any, within: float = 5.0, interval: float = 0.02) -> None:
    """Polls an async predicate until it holds."""
    deadline = time.monotonic() + within
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(interval)


async def channel_has_subscriber(redis_url: str, channel: str) -> bool:
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url)
    try:
        counts = await client.pubsub_numsub(channel)
        return bool(counts and counts[0][1] > 0)
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def in_process_sockets(app: Any, protocol: str, count: int = 1) -> AsyncIterator[list[GraphQLSocket]]:
    """Websockets to the in-process app, sharing one transport (open them inside the test body)."""
    import httpx
    from httpx_ws import aconnect_ws
    from httpx_ws.transport import ASGIWebSocketTransport

    async with (
        ASGIWebSocketTransport(app=app) as transport,
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        contextlib.AsyncExitStack() as stack,
    ):
        sockets = []
        for _ in range(count):
            session = await stack.enter_async_context(
                aconnect_ws("http://test/graphql", client, subprotocols=[protocol])
            )
            sockets.append(GraphQLSocket(HttpxWsSocket(session), protocol))
        yield sockets


async def wait_in_process_subscribed(app: Any, before: int, channel: str, redis_url: str, count: int = 1) -> None:
    """Until `count` more subscriptions are registered in the app and Redis confirmed the channel."""
    broker = app.state.services.broker

    async def ready() -> bool:
        return broker.subscriber_count >= before + count and await channel_has_subscriber(
            redis_url, f"{broker.namespace}:{channel}"
        )

    await wait_until(ready)
