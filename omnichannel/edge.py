"""The HTTP edge: request bodies are bounded and well-formed before GraphQL sees them.

- Bodies over the caller's limit get 413 while they stream in: a Content-Length over the limit is
  refused before a byte is read, a chunked body as soon as it passes the limit. The limit is
  OMNICHANNEL_MAX_BODY_BYTES, or OMNICHANNEL_MAX_SYNC_BODY_BYTES for SERVICE and HQ_ADMIN tokens (the
  ERP's bulk sync sends thousands of rows in one request); the token is verified before the body is read.
- A request must be a JSON object (`"hello"`, `42`, `null`, invalid UTF-8, lone surrogates, nesting
  past the JSON decoder's limit are malformed) whose `query` is a string of at most MAX_QUERY_CHARS
  and whose `variables` nest at most MAX_VARIABLE_NESTING levels.

Every refusal is JSON in GraphQL's error shape, `{"errors": [{"message", "extensions": {"code"}}]}`,
never a plain-text page: clients parse one kind of answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .domain.access import Role
from .schema.input_checks import MAX_VARIABLE_NESTING
from .schema.limits import MAX_QUERY_CHARS

SYNC_ROLES = frozenset({Role.SERVICE, Role.HQ_ADMIN})


def error_response(
    status: int,
    message: str,
    code: str,
    *,
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code, **(extensions or {})}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json", headers=headers)


class MalformedRequest(ValueError):
    """The request is not a GraphQL request we can read; the message says what is wrong."""


def decode_json(data: str | bytes) -> Any:
    """JSON with the limits of orjson: strict UTF-8, no lone surrogates, at most 1,024 levels."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise MalformedRequest(f"The request is not valid JSON: {error.msg}.") from None


def nesting(value: Any, limit: int) -> int:
    """How deeply lists and objects nest in a decoded JSON value (stops counting past limit)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def check_request(data: Any) -> None:
    """A GraphQL request object: query text, variables, operationName, extensions of the right kinds."""
    if not isinstance(data, dict):
        raise MalformedRequest("The request must be a JSON object with a `query` string.")
    query = data.get("query")
    if query is not None and not isinstance(query, str):
        raise MalformedRequest("`query` must be a string.")
    if isinstance(query, str) and len(query) > MAX_QUERY_CHARS:
        raise MalformedRequest(
            f"The query text is {len(query)} characters long; at most {MAX_QUERY_CHARS} are accepted "
            "(send bulk data in variables)."
        )
    variables = data.get("variables")
    if variables is not None:
        if not isinstance(variables, dict):
            raise MalformedRequest("`variables` must be a JSON object.")
        if nesting(variables, MAX_VARIABLE_NESTING) > MAX_VARIABLE_NESTING:
            raise MalformedRequest(f"`variables` nest deeper than {MAX_VARIABLE_NESTING} levels.")
    name = data.get("operationName")
    if name is not None and not isinstance(name, str):
        raise MalformedRequest("`operationName` must be a string.")
    extensions = data.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise MalformedRequest("`extensions` must be a JSON object.")


class _BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """413 for request bodies over the caller's limit, decided before or while they stream in.

    Sits after the authentication middleware: the verified principal (in scope["state"]) picks the limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, max_sync_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_sync_bytes = max(max_bytes, max_sync_bytes)

    def limit_for(self, scope: Scope) -> int:
        principal = scope.get("state", {}).get("principal")
        return self.max_sync_bytes if getattr(principal, "role", None) in SYNC_ROLES else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await error_response(400, "Content-Length is not a number.", "BAD_REQUEST")(scope, receive, send)
                    return
                if declared > limit:
                    await _too_large(limit)(scope, receive, send)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await _too_large(limit)(scope, receive, send)


def _too_large(limit: int) -> Response:
    return error_response(
        413,
        f"The request body is larger than {limit} bytes.",
        "PAYLOAD_TOO_LARGE",
        headers={"Connection": "close"},
        extensions={"maxBytes": limit},
    )
