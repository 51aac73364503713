"""An optional cache of anonymous catalogue reads (`OMNICHANNEL_RESPONSE_CACHE_TTL` seconds; 0, the
default, turns it off).

What it answers: `POST /graphql` without an Authorization header whose operation is a query that
selects only catalogue roots (`products`, `stores`, `stockAvailability`), and that was answered with
status 200 and no errors, sent as `application/json`. The key is the query as printed from its
parsed document (whitespace and comments do not count), the operation name, the variables and the
Accept header. At most MAX_ENTRIES answers and MAX_TOTAL_BYTES are kept (least recently used go).

How it stays true: every stock change anywhere empties it - the use cases publish each change on
the broker's `stock` topic after commit, and every server process listens (across processes when
`REDIS_URL` is set); so does every catalogue change (createProduct, updateProduct, addVariant,
createCategory, setPrice, syncProducts: CatalogueChanged on the `catalogue` topic). A response
computed while a change arrived is not kept. Locations have no mutation in the API, so the TTL
bounds how long a change there, or an event lost while the broker reconnects, takes to show.
Responses say `x-omnichannel-cache: hit` or `miss`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable

import orjson
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse, print_ast
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .subscriptions import topics
from .subscriptions.broker import Broker

log = logging.getLogger("omnichannel.response_cache")

CACHEABLE_ROOTS = frozenset({"products", "stores", "stockAvailability", "__typename"})
MAX_REQUEST_BYTES = 64 * 1024
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
MAX_ENTRIES = 1024
MAX_TOTAL_BYTES = 64 * 1024 * 1024
HEADER = b"x-omnichannel-cache"


class ResponseCache:
    """Response bodies by request, valid for `ttl` seconds and until the next stock change."""

    def __init__(
        self,
        ttl: float,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_TOTAL_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.ttl = ttl
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.clock = clock
        self.generation = 0  # bumped by every invalidation; entries of older generations are dead
        self.bytes = 0  # of the bodies kept
        self._entries: OrderedDict[bytes, tuple[int, float, bytes]] = OrderedDict()

    def lookup(self, key: bytes) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        generation, expires, body = entry
        if generation != self.generation or self.clock() >= expires:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return body

    def store(self, key: bytes, generation: int, body: bytes) -> None:
        """Keep a response computed when the cache was at `generation` (dropped if it moved on since)."""
        if generation != self.generation or len(body) > min(MAX_RESPONSE_BYTES, self.max_bytes):
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (generation, self.clock() + self.ttl, body)
        self.bytes += len(body)
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: bytes) -> None:
        self.bytes -= len(self._entries.pop(key)[2])

    def invalidate(self) -> None:
        self.generation += 1
        self._entries.clear()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def watch(self, broker: Broker, retry_seconds: float = 1.0) -> None:
        """Empty the cache on every stock or catalogue event, for as long as the server runs."""
        while True:
            try:
                async with broker.subscribe([topics.STOCK_ALL, topics.CATALOGUE]) as subscription:
                    self.invalidate()  # changes before the subscription was in place were not heard
                    async for _ in subscription:
                        self.invalidate()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.invalidate()
                log.warning("stock events unavailable; response cache emptied, retrying", exc_info=True)
                await asyncio.sleep(retry_seconds)


@functools.lru_cache(maxsize=512)
def cacheable_query(query: str, operation_name: str | None) -> str | None:
    """The document printed from its AST when its chosen operation is a query of catalogue roots only
    (no directives on them); None when it is not (or does not parse)."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return None
    selections = operations[0].selection_set.selections
    if not all(isinstance(s, FieldNode) and not s.directives and s.name.value in CACHEABLE_ROOTS for s in selections):
        return None
    return print_ast(document)


def request_key(body: bytes, accept: bytes) -> bytes | None:
    """The cache key of a request body, or None when the request is not one the cache answers."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return None
    name, variables = payload.get("operationName"), payload.get("variables")
    if not (name is None or isinstance(name, str)) or not (variables is None or isinstance(variables, dict)):
        return None
    printed = cacheable_query(payload["query"], name)
    if printed is None:
        return None
    try:
        canonical = orjson.dumps([printed, name, variables or {}], option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return None
    return accept + b"\n" + canonical


class ResponseCacheMiddleware:
    """Answers repeated anonymous catalogue reads from a `ResponseCache` (see the module docstring)."""

    def __init__(self, app: ASGIApp, cache: ResponseCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/graphql":
            await self.app(scope, receive, send)
            return
        accept, content_type = b"", b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                await self.app(scope, receive, send)  # members and staff: never from or into the cache
                return
            if name == b"accept":
                accept = value
            elif name == b"content-type":
                content_type = value
        if content_type.split(b";", 1)[0].strip().lower() != b"application/json":
            await self.app(scope, receive, send)  # strawberry answers (or refuses) other encodings itself
            return
        body, complete = await _read_body(receive)
        replay = _replaying(body, complete, receive)
        key = request_key(body, accept) if complete else None
        if key is None:
            await self.app(scope, replay, send)
            return
        cached = self.cache.lookup(key)
        if cached is not None:
            await _send_json(send, cached)
            return
        await self._answer_and_keep(scope, replay, send, key)

    async def _answer_and_keep(self, scope: Scope, receive: Receive, send: Send, key: bytes) -> None:
        generation = self.cache.generation
        status = 0
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), (HEADER, b"miss")]}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        if status == 200 and body.startswith(b'{"data"') and b'"errors"' not in body:
            self.cache.store(key, generation, body)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body, and whether it was read whole (False: larger than MAX_REQUEST_BYTES)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > MAX_REQUEST_BYTES:
            return b"".join(chunks), False


def _replaying(body: bytes, complete: bool, receive: Receive) -> Receive:
    """A receive that hands the app the body read so far, then the rest from the client."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()

    return replay


async def _send_json(send: Send, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (HEADER, b"hit"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
