"""The websocket edge: frames are checked before a protocol handler sees them, and a socket lives no
longer than the token it was opened with.

- Every frame must be a JSON object with a string `type`; `subscribe` (graphql-transport-ws) and
  `start` (legacy graphql-ws) must carry an `id` and a request whose query, variables and operation
  name are of the right kinds and sizes (edge.check_request). Anything else closes the socket with
  4400 and a reason; a frame longer than the body limit closes it with 1009. (strawberry's handlers
  would index into a list or a number and drop the TCP connection without a word.)
- A socket authenticated by a token stops at the token's `exp`, with no leeway: from then on it
  delivers no event, runs no operation, and closes with 4401 (clients reconnect with a fresh token).
  A timer closes an idle socket at that moment; sends and received frames check it too.
- The legacy protocol runs queries and mutations as well as subscriptions (as Apollo's
  subscriptions-transport-ws did), instead of failing them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Mapping
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonTextMessageReceived
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from .edge import MalformedRequest, check_request, decode_json, nesting
from .resolvers.context import Connection, Context

CONNECTION_KEY = "omnichannel.connection"  # the socket's Connection, in the ASGI scope
ADAPTER_KEY = "omnichannel.websocket"  # the socket's GuardedWebSocketAdapter, in the ASGI scope
MAX_FRAME_NESTING = 64
MAX_OPERATION_ID = 128
TOKEN_EXPIRED = 4401
INVALID_MESSAGE = 4400
MESSAGE_TOO_BIG = 1009


def connection_of(ws: WebSocket) -> Connection | None:
    found = ws.scope.get(CONNECTION_KEY)
    return found if isinstance(found, Connection) else None


def adapter_of(ws: Any) -> GuardedWebSocketAdapter | None:
    found = getattr(ws, "scope", {}).get(ADAPTER_KEY)
    return found if isinstance(found, GuardedWebSocketAdapter) else None


def frame_problem(value: Any) -> str | None:
    """Why a decoded frame is not one we accept (None: it is)."""
    if not isinstance(value, dict):
        return "A message must be a JSON object."
    kind = value.get("type")
    if not isinstance(kind, str):
        return "A message must have a string `type`."
    if nesting(value, MAX_FRAME_NESTING) > MAX_FRAME_NESTING:
        return "The message nests too deeply."
    if kind in ("subscribe", "start", "complete", "stop"):
        operation_id = value.get("id")
        if not isinstance(operation_id, str) or not operation_id or len(operation_id) > MAX_OPERATION_ID:
            return f"`{kind}` needs an `id` string of at most {MAX_OPERATION_ID} characters."
    if kind in ("subscribe", "start"):
        payload = value.get("payload")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return f"`{kind}` needs a `payload` object with a `query` string."
        try:
            check_request(payload)
        except MalformedRequest as error:
            return str(error)
    elif "payload" in value and value["payload"] is not None and not isinstance(value["payload"], dict):
        return "`payload` must be a JSON object."
    return None


class GuardedWebSocketAdapter(ASGIWebSocketAdapter):
    """strawberry's adapter with the checks of the module docstring."""

    max_frame_chars = 2 * 1024 * 1024  # set per app (OMNICHANNEL_MAX_BODY_BYTES) by the view

    def __init__(self, view: Any, request: WebSocket, response: WebSocket) -> None:
        super().__init__(view, request, response)
        self.closed = False
        self.max_frame_chars = getattr(view, "max_frame_chars", self.max_frame_chars)
        response.scope[ADAPTER_KEY] = self

    def expired(self) -> bool:
        connection = connection_of(self.ws)
        return connection is not None and connection.expired(time.time())

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        del ignore_parsing_errors  # malformed frames always close the socket
        try:
            while not self.closed and self.ws.application_state != WebSocketState.DISCONNECTED:
                message = await self.ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                if text is None:
                    raise NonTextMessageReceived
                if self.expired():
                    await self.close(TOKEN_EXPIRED, "Token expired: reconnect with a fresh token")
                    return
                if len(text) > self.max_frame_chars:
                    await self.close(MESSAGE_TOO_BIG, "Message too big")
                    return
                try:
                    value = decode_json(text)
                except MalformedRequest as error:
                    await self.close(INVALID_MESSAGE, str(error))
                    return
                problem = frame_problem(value)
                if problem is not None:
                    await self.close(INVALID_MESSAGE, problem)
                    return
                yield value
        except WebSocketDisconnect:
            return

    async def send_json(self, message: Mapping[str, object]) -> None:
        if self.closed:
            return
        if self.expired():
            await self.close(TOKEN_EXPIRED, "Token expired: reconnect with a fresh token")
            return
        if self.ws.application_state != WebSocketState.CONNECTED:
            return  # closed meanwhile (token expiry, shutdown): the message has nowhere to go
        with contextlib.suppress(RuntimeError):
            await super().send_json(message)

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            # a close reason is at most 123 bytes
            await self.ws.close(code=code, reason=reason.encode()[:123].decode(errors="ignore"))


class _ExpiryWatch:
    """Handlers close the socket with 4401 when its token expires; the timer starts once the socket
    is authenticated (connection_init) and stops when the socket ends first."""

    websocket: Any
    _expiry: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)  # type: ignore[misc]
        connection = connection_of(self.websocket.ws)
        if connection is not None and connection.expires_at is not None and not self.websocket.closed:
            self._expiry = asyncio.create_task(self._close_at(connection.expires_at), name="websocket-expiry")

    async def _close_at(self, expires_at: float) -> None:
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        await self.websocket.close(TOKEN_EXPIRED, "Token expired: reconnect with a fresh token")
        await self.stop_operations()  # now, not when the client answers the close

    async def stop_operations(self) -> None:
        raise NotImplementedError

    async def handle(self) -> None:
        try:
            await super().handle()  # type: ignore[misc]
        finally:
            if self._expiry is not None:
                self._expiry.cancel()


class TransportWSHandler(_ExpiryWatch, BaseGraphQLTransportWSHandler[Context, None]):
    async def stop_operations(self) -> None:
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)


class _AnyOperation:
    """The schema as the legacy handler sees it: `subscribe` runs any operation (queries and mutations
    answer with one `data` message, then `complete`)."""

    def __init__(self, schema: Any) -> None:
        self._schema = schema

    async def subscribe(self, **kwargs: Any) -> Any:
        return await self._schema.stream(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._schema, name)


class LegacyWSHandler(_ExpiryWatch, BaseGraphQLWSHandler[Context, None]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = _AnyOperation(self.schema)  # type: ignore[assignment]

    async def stop_operations(self) -> None:
        await self.cleanup()
