"""The event log as GraphQL: Event, EventPage, `events(after, types, first)` and log cursors."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from ..domain.event_log import LoggedEvent
from ..resolvers.context import Context
from ..resolvers.events import reads as use_cases
from .node import register_node
from .relay import Node, decode_cursor, encode_cursor, encode_id

CURSOR_KIND = "events"
CURSOR_DESCRIPTION = "this event's place in the event log: pass it as afterCursor to resume after it"
AFTER_CURSOR_DESCRIPTION = "the cursor of the last event received: first replay what was logged after it"


def encode_log_cursor(position: int | None) -> str | None:
    return encode_cursor(CURSOR_KIND, position) if position is not None else None


def decode_log_cursor(cursor: str | None) -> int | None:
    return decode_cursor(cursor, CURSOR_KIND)


@strawberry.type(description="One entry of the durable event log, written in the same transaction as the change.")
class Event(Node):
    type: str = strawberry.field(description="order.created, order.paid, stock.changed, ... (see the README)")
    payload: str = strawberry.field(description="the event's data, a JSON object as text")
    at: datetime

    @staticmethod
    def from_domain(entry: LoggedEvent) -> Event:
        return Event(
            id=strawberry.ID(encode_id("Event", entry.id)), type=entry.type, payload=entry.payload, at=entry.at
        )


@strawberry.type
class EventPage:
    events: list[Event]
    cursor: str = strawberry.field(description="pass as after to read on; stays the same when nothing new came")
    has_more: bool


@strawberry.type
class EventQuery:
    @strawberry.field(description="the event log after a cursor, oldest first (SERVICE and head office)")
    async def events(
        self,
        info: Info[Context, None],
        after: str | None = None,
        types: list[str] | None = None,
        first: int | None = None,
    ) -> EventPage:
        page = await use_cases.events_page(info.context, after=decode_log_cursor(after), types=types, first=first)
        return EventPage(
            events=[Event.from_domain(e) for e in page.events],
            cursor=encode_cursor(CURSOR_KIND, page.position),
            has_more=page.has_more,
        )


async def _fetch_event(ctx: Context, pk: int) -> Event | None:
    entry = await use_cases.event_node(ctx, pk)
    return Event.from_domain(entry) if entry is not None else None


register_node("Event", _fetch_event)
