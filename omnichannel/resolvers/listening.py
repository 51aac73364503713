"""Subscribing to broker topics within the limits: per websocket and per process.

One socket may listen to at most MAX_CHANNELS_PER_SOCKET topics over all its subscriptions (a
subscription's ID lists are capped at the edge, and strawberry runs at most 100 operations per
socket), and one process to at most the broker's MAX_TOPICS: on main one anonymous socket could make
a process listen to 100,000 Redis channels. Beyond either, the subscription is refused with
TOO_MANY_SUBSCRIPTIONS; the socket and its other subscriptions carry on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager

from ..domain.errors import DomainError, ErrorCode
from ..subscriptions.broker import Subscription, TooManyTopics
from .context import Connection, Context

MAX_CHANNELS_PER_SOCKET = 200
RETRY_AFTER_FULL = 30  # seconds a client is told to wait when the process listens to all it may


@asynccontextmanager
async def listening(ctx: Context, topics: Iterable[str]) -> AsyncIterator[Subscription]:
    wanted = list(dict.fromkeys(topics))
    connection = ctx.connection
    if connection is not None and connection.channels + len(wanted) > MAX_CHANNELS_PER_SOCKET:
        raise DomainError(
            ErrorCode.TOO_MANY_SUBSCRIPTIONS,
            f"One connection may follow at most {MAX_CHANNELS_PER_SOCKET} stores, members or feeds at once; "
            f"this one follows {connection.channels} and asked for {len(wanted)} more.",
        )
    async with AsyncExitStack() as stack:
        try:
            subscription = await stack.enter_async_context(ctx.broker.subscribe(wanted))
        except TooManyTopics:
            raise DomainError(
                ErrorCode.TOO_MANY_SUBSCRIPTIONS,
                "This server follows as many live feeds as it may; try again shortly.",
                retry_after=RETRY_AFTER_FULL,
            ) from None
        if connection is not None:
            connection.channels += len(wanted)
            stack.callback(_release, connection, len(wanted))
        yield subscription


def _release(connection: Connection, count: int) -> None:
    connection.channels -= count
