"""Reading the event log: `events(after, types, first)` and Event nodes, for SERVICE and head office.

A reader pages with the cursor it got back: oldest first, never an entry twice, never one skipped
(positions are given in commit order; see persistence.repositories.event_log). When nothing more
is there the cursor moves to the log's head, so a poller that filters by type does not re-read
entries of other types. A cursor older than what retention kept is refused (CURSOR_EXPIRED).
"""

from __future__ import annotations

from collections.abc import Sequence

from ...domain.access import Role, require_role
from ...domain.errors import DomainError, ErrorCode
from ...domain.event_log import EVENT_TYPES, EventPage, LoggedEvent
from ...persistence.repositories import event_log as repo
from ..context import Context

DEFAULT_PAGE = 100
MAX_PAGE = 500
READERS = (Role.SERVICE, Role.HQ_ADMIN)


def check_types(types: Sequence[str] | None) -> list[str] | None:
    if types is None:
        return None
    if len(types) > len(EVENT_TYPES):
        raise DomainError(ErrorCode.INVALID_INPUT, f"types lists at most {len(EVENT_TYPES)} types.", ["types"])
    unknown = [t for t in types if t not in EVENT_TYPES]
    if unknown:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"Unknown event type {unknown[0][:64]!r}; known types: {', '.join(EVENT_TYPES)}.",
            ["types"],
        )
    return list(dict.fromkeys(types))


async def events_page(ctx: Context, *, after: int | None, types: Sequence[str] | None, first: int | None) -> EventPage:
    require_role(ctx.principal, *READERS)
    size = DEFAULT_PAGE if first is None else first
    if not 0 <= size <= MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_INPUT, f"first must be between 0 and {MAX_PAGE}.", ["first"])
    try:
        return await repo.read(after, check_types(types), size)
    except repo.CursorExpired as expired:
        raise DomainError(
            ErrorCode.CURSOR_EXPIRED,
            f"Events up to position {expired.pruned_through} are no longer kept (retention); "
            "read again without `after` from the oldest kept event.",
            ["after"],
        ) from None


async def event_node(ctx: Context, event_id: int) -> LoggedEvent | None:
    """node(id:) for an Event: readers of the log only."""
    if ctx.principal.role not in READERS:
        return None
    found: LoggedEvent | None = await ctx.loaders.event.load(event_id)
    return found
