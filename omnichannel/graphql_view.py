"""strawberry's ASGI view with our edge: JSON errors for every refusal, checked requests and frames.

- A malformed HTTP request (not a JSON object, wrong kinds, too long a query, too deep variables, an
  unsupported method or content type) gets a 4xx with a JSON GraphQL error body and a code,
  BAD_REQUEST for most; strawberry's own refusals were plain text.
- The database being unreachable is a 503 with `Retry-After` and a JSON error (SERVICE_UNAVAILABLE,
  `extensions.retryAfterSeconds`), whether it fails before GraphQL runs (a member token is looked up
  to find a merged member's survivor) or inside it.
- Websockets go through websocket_edge: checked frames, token expiry, the legacy protocol's queries.
"""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData

from .edge import MalformedRequest, check_request, decode_json, error_response
from .resolvers.availability import RETRY_AFTER_SECONDS, ServiceUnavailable, is_unavailable
from .resolvers.context import Context
from .websocket_edge import GuardedWebSocketAdapter, LegacyWSHandler, TransportWSHandler

_HTTP_CODES = {400: "BAD_REQUEST", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


def unavailable_response() -> Response:
    return error_response(
        503,
        str(ServiceUnavailable()),
        "SERVICE_UNAVAILABLE",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        extensions={"retryAfterSeconds": RETRY_AFTER_SECONDS},
    )


class GuardedGraphQL(GraphQL[Context, None]):
    websocket_adapter_class = GuardedWebSocketAdapter
    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    max_frame_chars = 2 * 1024 * 1024  # websocket frames; set from OMNICHANNEL_MAX_BODY_BYTES

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as error:
            code = _HTTP_CODES.get(error.status_code, "BAD_REQUEST")
            response = error_response(error.status_code, error.reason, code)
        except MalformedRequest as error:
            response = error_response(400, str(error), "BAD_REQUEST")
        except ServiceUnavailable:
            response = unavailable_response()
        except Exception as error:
            if not is_unavailable(error):
                raise
            response = unavailable_response()
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        value = decode_json(data)
        if not isinstance(value, dict):
            raise MalformedRequest("The request must be a JSON object with a `query` string.")
        return value

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        parsed = await super().parse_http_body(request)
        for item in parsed if isinstance(parsed, list) else [parsed]:
            check_request(
                {
                    "query": item.query,
                    "variables": item.variables,
                    "operationName": item.operation_name,
                    "extensions": item.extensions,
                }
            )
        return parsed

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if isinstance(response_data, dict) and response_data.get("data") is None:
            codes = {
                (e.get("extensions") or {}).get("code")
                for e in response_data.get("errors") or ()
                if isinstance(e, dict)
            }
            if "SERVICE_UNAVAILABLE" in codes:
                response.status_code = 503
                response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
