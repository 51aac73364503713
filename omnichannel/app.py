"""The Starlette application: /graphql (HTTP and websockets), /healthz, /readyz, /metrics.

The composition root: the only place (with cli.py) that reads settings, opens the database,
connects the broker and builds each request's context.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult
from strawberry.types.unset import UnsetType

from .config import Settings, jwt_secret, load_settings
from .domain.access import ANONYMOUS
from .edge import BodyLimitMiddleware, error_response
from .graphql_view import GuardedGraphQL
from .observability import GRAPHQL_ERRORS, ObservabilityMiddleware, metrics_payload, subscriptions_changed
from .persistence.db import connection, open_database, open_pool
from .persistence.repositories.event_log import Outbox
from .resolvers import allocation
from .resolvers.availability import is_unavailable
from .resolvers.context import Connection, Context, Services
from .resolvers.events import delivery, retention
from .resolvers.events.log import EventLog
from .resolvers.in_transaction import handlers_for
from .resolvers.members import effective_principal
from .resolvers.orders import expire as order_expiry
from .resolvers.points import run_expiry
from .response_cache import ResponseCache, ResponseCacheMiddleware
from .schema import build_schema, describe_executor
from .security import InvalidToken, TokenService
from .subscriptions.broker import Broker, create_broker
from .web import ide_html
from .web import routes as web_routes
from .websocket_edge import CONNECTION_KEY, adapter_of

log = logging.getLogger("omnichannel.app")

READY_TIMEOUT = 2.0
JOBS_STOP_TIMEOUT = 10.0


class OmnichannelGraphQL(GuardedGraphQL):
    def __init__(self, services: Services, *, max_frame_chars: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
        self.max_frame_chars = max_frame_chars

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        address = request.client.host if request.client else "unknown"  # uvicorn applies trusted proxy headers
        if isinstance(request, WebSocket):  # one context per socket; each operation copies it
            connection = request.scope[CONNECTION_KEY] = Connection()
            return Context(
                services=self.services, request=request, response=response, connection=connection, address=address
            )
        principal = request.scope.get("state", {}).get("principal", ANONYMOUS)
        principal = await effective_principal(principal)  # a merged member's token acts as the survivor
        return Context(services=self.services, principal=principal, request=request, response=response, address=address)

    async def on_ws_connect(self, context: Context) -> UnsetType:
        """Authenticate a websocket from its connection_init payload (or its handshake header)."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        if header is None and context.request is not None:
            header = context.request.headers.get("authorization")
        if header is not None and not isinstance(header, str):
            raise ConnectionRejectionError({"message": "Invalid token: expected 'Bearer <token>'"})
        try:
            principal, expires_at = self.services.tokens.session_from_header(header)
        except InvalidToken as error:
            raise ConnectionRejectionError({"message": f"Invalid token: {error}"}) from None
        try:
            context.principal = await effective_principal(principal)  # a merged member acts as the survivor
        except Exception as error:
            if not is_unavailable(error):
                raise
            adapter = adapter_of(context.request)
            if adapter is not None:  # the database is down: try again shortly (1013)
                await adapter.close(1013, "Service unavailable: retry shortly")
            return UnsetType()  # UNSET, a singleton
        if context.connection is not None:
            context.connection.expires_at = expires_at
        return UnsetType()  # UNSET (a singleton): no payload, connection_ack goes out without "payload": null

    @property
    def graphql_ide_html(self) -> str:
        return ide_html()  # GraphiQL from the package's vendored assets: works without internet

    def encode_json(self, data: object) -> str:
        # text, not bytes: websocket protocols need text frames (bytes would go out as binary frames)
        return orjson.dumps(data).decode()

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        for error in result.errors or ():
            GRAPHQL_ERRORS.labels(str((error.extensions or {}).get("code", "UNKNOWN"))).inc()
        return await super().process_result(request, result)


class AuthMiddleware:
    """Verifies the bearer token of HTTP requests once; a bad token is a 401, never a silent anonymous."""

    def __init__(self, app: ASGIApp, tokens: TokenService) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            header = None
            for name, value in scope["headers"]:
                if name == b"authorization":
                    header = value.decode("latin-1")
                    break
            try:
                principal = self.tokens.principal_from_header(header)
            except InvalidToken as error:
                response = error_response(
                    401,
                    f"Invalid token: {error}",
                    "UNAUTHENTICATED",
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                )
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


def create_app(settings: Settings, database_url: str, *, broker: Broker | None = None) -> Starlette:
    tokens = TokenService(jwt_secret(settings), max_ttl=settings.max_token_ttl)
    broker = broker or create_broker(
        settings.redis_url, namespace=settings.broker_namespace, on_subscribers=subscriptions_changed
    )
    services = Services(
        broker=broker,
        tokens=tokens,
        reservation_ttl=settings.reservation_ttl,
        demo=settings.demo,
        loyalty=settings.loyalty,
        store_credit_share=settings.store_credit_share,
        handlers=handlers_for(loyalty_rules=settings.loyalty, store_credit_share=settings.store_credit_share),
        webhooks=settings.webhooks,
    )
    Outbox.enabled = settings.event_log
    if settings.event_log:
        services.event_log = EventLog(broker, database_url)
        broker.log_follower = services.event_log
    schema = build_schema(demo=settings.demo, fast_executor=settings.fast_executor)
    executor, warnings = describe_executor(schema)
    log.info("executor: %s", executor)
    for warning in warnings:
        log.warning("executor: %s", warning)
    graphql = OmnichannelGraphQL(
        services,
        schema=schema,
        graphql_ide="graphiql" if settings.demo else None,
        allowed_origins=settings.allowed_origins,
        keep_alive=True,
        keep_alive_interval=15,
        max_frame_chars=settings.max_body_bytes,
    )

    cache = ResponseCache(settings.response_cache_ttl) if settings.response_cache_ttl > 0 else None

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        checks: dict[str, str] = {}
        for name, probe in (("database", _db_ping), ("broker", broker.ping)):
            try:
                await asyncio.wait_for(probe(), READY_TIMEOUT)
                checks[name] = "ok"
            except Exception as error:
                checks[name] = f"unavailable: {_why(error)}"
        ready = all(v == "ok" for v in checks.values())
        headers = None if ready else {"Retry-After": "5"}
        body = {"status": "ready" if ready else "not ready", **checks}
        return JSONResponse(body, status_code=200 if ready else 503, headers=headers)

    async def metrics(_: Request) -> Response:
        payload, content_type = metrics_payload()
        return Response(payload, media_type=content_type)

    @asynccontextmanager
    async def lifespan(started: Starlette) -> AsyncIterator[None]:
        async with open_database(database_url, settings.db_pool_size):
            await broker.connect()
            async with _events_out(database_url, services) as deliverer:
                started.state.deliverer = deliverer
                jobs = _start_jobs(settings, services, cache)
                try:
                    yield
                finally:
                    for job in jobs:
                        job.cancel()
                    if jobs:  # a job stuck past its cancellation must not hold the shutdown forever
                        stuck = (await asyncio.wait(jobs, timeout=JOBS_STOP_TIMEOUT))[1]
                        for job in stuck:
                            log.warning(
                                "background job %s did not stop within %.0f s: %r",
                                job.get_name(),
                                JOBS_STOP_TIMEOUT,
                                job,
                            )
            await broker.disconnect()

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            *web_routes(),  # the clerk pad at /pad and the pages' static assets
        ],
        middleware=[
            Middleware(ObservabilityMiddleware),
            Middleware(AuthMiddleware, tokens=tokens),
            # after authentication: SERVICE and HQ_ADMIN tokens may send larger bodies (bulk sync)
            Middleware(
                BodyLimitMiddleware, max_bytes=settings.max_body_bytes, max_sync_bytes=settings.max_sync_body_bytes
            ),
            *([Middleware(ResponseCacheMiddleware, cache=cache)] if cache is not None else []),
        ],
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.executor = executor
    app.state.graphql_schema = graphql.schema
    app.state.response_cache = cache
    return app


@asynccontextmanager
async def _events_out(database_url: str, services: Services) -> AsyncIterator[delivery.Deliverer]:
    """The event log's tail and sequencer, and the webhook workers on a small pool of their own."""
    if services.event_log is not None:
        await services.event_log.start()
    pool = await open_pool(database_url, delivery.SLOTS)
    deliverer = delivery.Deliverer(pool, lambda: services.webhooks)
    if services.event_log is not None:
        services.event_log.on_new_entries(deliverer.wake)
    await deliverer.start()
    try:
        yield deliverer
    finally:
        await deliverer.stop()
        await pool.close()
        if services.event_log is not None:
            await services.event_log.stop()


def _start_jobs(settings: Settings, services: Services, cache: ResponseCache | None) -> list[asyncio.Task[None]]:
    """The background work of every server process (each is safe with several processes)."""
    jobs: dict[str, Coroutine[Any, Any, None]] = {}
    if settings.points_expiry_interval:
        jobs["points-expiry"] = run_expiry(services, settings.points_expiry_interval)
    if settings.allocation_interval:  # automatic online shares, once a day per store
        jobs["allocation"] = allocation.run_daily(services, settings.allocation_interval)
    if cache is not None:
        jobs["response-cache"] = cache.watch(services.broker)
    if settings.expiry_sweep_interval > 0:  # unpaid orders past their hold
        jobs["order-expiry"] = order_expiry.run(services, settings.expiry_sweep_interval)
    if settings.event_retention_days > 0:
        jobs["event-retention"] = retention.run(services.clock, settings.event_retention_days)
    return [asyncio.create_task(job, name=name) for name, job in jobs.items()]


def _why(error: BaseException) -> str:
    """Why a dependency is unavailable, in words an operator can act on (no stack, no secrets)."""
    if isinstance(error, TimeoutError):
        return f"no answer within {READY_TIMEOUT:g} s"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is it running, on the configured host and port?)"
    if isinstance(error, OSError):
        return f"cannot connect ({error.strerror or type(error).__name__})"
    if is_unavailable(error):
        return f"connection lost or server shutting down ({type(error).__name__})"
    return type(error).__name__


async def _db_ping() -> None:
    await connection().execute_query("SELECT 1")


# A server holding a thousand websockets keeps hundreds of thousands of long-lived objects; with
# CPython's default thresholds every few hundred deliveries trigger a full collection over all of
# them (about 0.1 s each, measured with 1,000 subscribers), which lands on live-event latency.
GC_YOUNG_THRESHOLD = 100_000  # default 700


def tune_garbage_collector() -> None:
    """For a serving process, once everything is imported and built.

    A catalogue page allocates tens of thousands of short-lived objects that reference counting
    frees; with the default thresholds the cyclic collector still ran a dozen times per request and
    regularly walked every object of the process (about 15% of a request's CPU). Freezing moves the
    start-up objects out of its sight; the higher threshold lets it run once every few requests.
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def create_app_from_env() -> Starlette:
    """uvicorn factory for worker processes: `omnichannel serve` exports everything they need."""
    settings = load_settings()
    if settings.database_url is None:
        raise RuntimeError("DATABASE_URL is not set; start the server with `omnichannel serve`")
    app = create_app(settings, settings.database_url)
    tune_garbage_collector()
    return app
