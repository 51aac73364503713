"""A small GraphQL-over-websocket client for tests, speaking both protocols."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx
from httpx_ws import AsyncWebSocketSession, aconnect_ws
from httpx_ws.transport import ASGIWebSocketTransport

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


class GraphQLWebSocket:
    def __init__(self, ws: AsyncWebSocketSession, protocol: str) -> None:
        self.ws = ws
        self.protocol = protocol
        self._ids = itertools.count(1)

    async def init(self, token: str | None = None) -> dict[str, Any]:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await self.ws.send_json({"type": "connection_init", "payload": payload})
        return await self.receive(timeout=5)

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        op_id = str(next(self._ids))
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        await self.ws.send_json({"id": op_id, "type": kind, "payload": {"query": query, "variables": variables or {}}})
        return op_id

    async def stop(self, op_id: str) -> None:
        kind = "complete" if self.protocol == TRANSPORT_WS else "stop"
        await self.ws.send_json({"id": op_id, "type": kind})

    async def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        while True:
            message = await asyncio.wait_for(self.ws.receive_json(), timeout)
            if message.get("type") in ("ka", "ping", "pong"):
                if message["type"] == "ping":
                    await self.ws.send_json({"type": "pong"})
                continue
            return message

    async def next_data(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next result of a subscription (`next` / legacy `data`)."""
        message = await self.receive(timeout)
        assert message["type"] in ("next", "data"), message
        return message["payload"]


@contextlib.asynccontextmanager
async def graphql_ws(app: Any, protocol: str = TRANSPORT_WS) -> AsyncIterator[GraphQLWebSocket]:
    """Open inside the test body (not in a yield fixture: see STACK_NOTES §4)."""
    async with (
        httpx.AsyncClient(transport=ASGIWebSocketTransport(app=app), base_url="http://test") as client,
        aconnect_ws("/graphql", client, subprotocols=[protocol]) as ws,
    ):
        yield GraphQLWebSocket(ws, protocol)


async def wait_for_subscribers(app: Any, count: int, timeout: float = 5.0) -> None:
    """Wait until the app's broker has exactly this many live subscriptions (none published too early)."""
    broker = app.state.services.broker
    deadline = asyncio.get_running_loop().time() + timeout
    while broker.subscriber_count != count:
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"only {broker.subscriber_count} subscriber(s) after {timeout}s")
        await asyncio.sleep(0.01)
