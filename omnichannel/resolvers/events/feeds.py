"""Subscriptions that catch up: replay the event log after a cursor, then go live, without gaps or repeats.

Live events reach this process's subscribers from the log tail, each with its log position. A
subscriber registers with the broker first (from then on every new position for its topics lands
in its queue), then reads the log from its cursor up to what the tail had delivered when it looked;
afterwards it takes its queue, skipping what it already replayed. The same catch-up runs again if
the queue ever overflowed (a slow consumer), so a subscriber loses nothing as long as the log keeps
the entries (retention). Replayed entries pass the same topic check as live ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from ...domain.errors import DomainError, ErrorCode
from ...persistence.loaders import Loaders
from ...persistence.repositories import event_log as repo
from ...persistence.repositories.event_log import ReplayFilter
from ...subscriptions import codec
from ..context import Context
from ..listening import listening
from .log import topics_of

REPLAY_PAGE = 500

__all__ = ["Followed", "ReplayFilter", "check_cursor", "follow"]


@dataclass(frozen=True, slots=True)
class Followed:
    event: Any
    position: int | None  # None for events that are not logged (live only)
    loaders: Loaders  # shared by every subscriber of a live event; fresh for a replayed one


async def check_cursor(after: int) -> None:
    _, pruned = await repo.state()
    if after < pruned:
        raise DomainError(
            ErrorCode.CURSOR_EXPIRED,
            "Events after this cursor are no longer kept; subscribe without afterCursor and reload the state.",
            ["afterCursor"],
        )


async def _replay(after: int, upto: int, wanted: ReplayFilter, topic_names: frozenset[str]) -> AsyncIterator[Followed]:
    while after < upto:
        rows = await repo.replay(after, upto, wanted, REPLAY_PAGE)
        for row in rows:
            data = row.event.encode()
            if topic_names.intersection(topics_of(data)):
                yield Followed(codec.loads(data), row.position, Loaders())
        if len(rows) < REPLAY_PAGE:
            return
        after = rows[-1].position


async def follow(
    ctx: Context, topic_names: Sequence[str], after: int | None, wanted: ReplayFilter
) -> AsyncIterator[Followed]:
    """Events on these topics: first those logged after `after` (when given), then live ones."""
    event_log = ctx.services.event_log
    shared = ctx.services.shared_events
    names = frozenset(topic_names)
    if after is not None:
        if event_log is None:
            raise DomainError(ErrorCode.NOT_SUPPORTED, "The event log is off on this server.", ["afterCursor"])
        await check_cursor(after)
    last = event_log.delivered if event_log is not None else None  # read right before registering
    async with listening(ctx, list(names)) as subscription:
        if after is not None and event_log is not None:
            last, upto = after, event_log.delivered  # the queue holds everything after the registration
            async for item in _replay(after, upto, wanted, names):
                last = item.position
                yield item
            last = max(last or 0, upto)
        dropped = subscription.dropped
        async for message in subscription:
            if subscription.dropped != dropped and event_log is not None and last is not None:
                dropped = subscription.dropped  # the queue overflowed: what it lost is in the log
                upto = event_log.delivered
                async for item in _replay(last, upto, wanted, names):
                    last = item.position
                    yield item
                last = max(last, upto) if last is not None else upto
            if message.position is not None and last is not None:
                if message.position <= last:
                    continue
                last = message.position
            event, loaders = shared.get(message.data)
            yield Followed(event, message.position, loaders)
