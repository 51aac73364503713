"""The durable event log: appending in the change's transaction, positions in commit order, reading.

Why positions are given after commit: an id drawn from a sequence at INSERT is not a safe cursor,
because a transaction that drew id 10 can commit after one that drew id 11; a reader who saw 11
and moved on would never see 10. So rows are inserted without a position, and the sequencer
(`sequence`) numbers committed rows: it takes the row lock on `event_log_state` (one sequencer at a
time, in every process), then - in a new statement, whose snapshot sees every commit before the
lock - gives the next positions to every committed row that has none, in id order, and commits.
Positions are therefore dense, unique and only ever appear in committed batches in increasing
order: a reader paging by `position > cursor` can neither skip nor repeat an entry. Within one
transaction, and between transactions that conflict (the second waits for the first's locks and
inserts its entries later), id order is the order things happened, and positions keep it.

The same sequencing transaction schedules the first webhook delivery of each newly positioned
entry, so every entry is offered to every matching webhook exactly once. Appending lives in
event_log_append.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg
from tortoise.transactions import in_transaction

from ...domain.event_log import EventPage, LoggedEvent
from ..db import fetch
from .event_log_append import Outbox, append, entries_json, new_order_cte

__all__ = [
    "NOTIFY_CHANNEL",
    "CursorExpired",
    "Outbox",
    "Raw",
    "ReplayFilter",
    "Sequenced",
    "append",
    "by_ids",
    "entries_json",
    "new_order_cte",
    "prune",
    "read",
    "replay",
    "sequence",
    "state",
    "tail",
    "unplaced_exists",
]

NOTIFY_CHANNEL = "omnichannel_event_log"
SEQUENCE_BATCH = 5000


# --- the sequencer -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sequenced:
    head: int  # every position up to here is committed
    placed: int  # entries positioned by this call
    deliveries: int  # webhook deliveries scheduled by this call


# omnichannel_event_log_sequence (migration 0011_events), one round trip and its own transaction:
# locks event_log_state's row (one sequencer at a time), then - in a new statement, whose snapshot
# sees every commit made before the lock was ours - gives the next positions to up to `batch`
# committed entries that have none, in id order, schedules their webhook deliveries, moves
# last_position and NOTIFYs NOTIFY_CHANNEL with the new head.
SEQUENCE = "SELECT head, placed, deliveries FROM omnichannel_event_log_sequence($1)"


Own: TypeAlias = asyncpg.Pool | asyncpg.Connection  # the event log's own connections (resolvers.events.log)


async def _fetch(sql: str, params: Sequence[Any], own: Own | None) -> list[Any]:
    if own is not None:
        return list(await own.fetch(sql, *params))
    return await fetch(sql, params)


async def sequence(batch: int = SEQUENCE_BATCH, *, own: Own | None = None) -> Sequenced:
    """Position every entry committed so far (in batches); safe to call from many processes at once."""
    placed = deliveries = 0
    while True:
        row = (await _fetch(SEQUENCE, [batch], own))[0]
        placed += row["placed"]
        deliveries += row["deliveries"]
        if row["placed"] < batch:
            return Sequenced(int(row["head"]), placed, deliveries)


async def unplaced_exists(*, own: Own | None = None) -> bool:
    rows = await _fetch("SELECT EXISTS (SELECT 1 FROM event_log WHERE position IS NULL) AS found", [], own)
    return bool(rows[0]["found"])


# --- reading -------------------------------------------------------------------------------------

ENTRY_COLUMNS = "e.id, e.position, e.type, e.at, e.payload::text AS payload"

READ = f"""WITH st AS (SELECT last_position, pruned_through FROM event_log_state WHERE id = 1)
SELECT st.last_position, st.pruned_through, page.*
FROM st LEFT JOIN LATERAL (
  SELECT {ENTRY_COLUMNS} FROM event_log e
  WHERE e.position > greatest($1, st.pruned_through) AND ($2::text[] IS NULL OR e.type = ANY($2::text[]))
  ORDER BY e.position LIMIT $3
) AS page ON true
ORDER BY page.position"""


class CursorExpired(Exception):
    """The reader's position is older than what retention kept."""

    def __init__(self, pruned_through: int) -> None:
        super().__init__(pruned_through)
        self.pruned_through = pruned_through


def _entry(row: Any) -> LoggedEvent:
    return LoggedEvent(row["id"], row["position"], row["type"], row["at"], row["payload"])


async def read(after: int | None, types: Sequence[str] | None, first: int) -> EventPage:
    """Up to `first` entries after position `after` (oldest first), of these types when given."""
    rows = await fetch(READ, [after or 0, list(types) if types is not None else None, first + 1])
    head, pruned = rows[0]["last_position"], rows[0]["pruned_through"]
    if after is not None and after < pruned:
        raise CursorExpired(pruned)
    entries = [_entry(r) for r in rows if r["id"] is not None]
    has_more = len(entries) > first
    entries = entries[:first]
    if not has_more:  # nothing more is committed: the reader may start from the head next time
        position = max(after or 0, head, pruned)
    else:
        position = entries[-1].position if entries else max(after or 0, pruned)
    return EventPage(entries, position, has_more)


async def by_ids(ids: Sequence[int]) -> dict[int, LoggedEvent]:
    rows = await fetch(f"SELECT {ENTRY_COLUMNS} FROM event_log e WHERE e.id = ANY($1::bigint[])", [list(ids)])
    return {r["id"]: _entry(r) for r in rows if r["position"] is not None}


async def state() -> tuple[int, int]:
    """(last position given, pruned through)."""
    row = (await fetch("SELECT last_position, pruned_through FROM event_log_state WHERE id = 1"))[0]
    return int(row["last_position"]), int(row["pruned_through"])


@dataclass(frozen=True, slots=True)
class Raw:
    position: int
    event: str  # the domain event's record as JSON text


async def tail(after: int, limit: int, *, own: Own | None = None) -> list[Raw]:
    rows = await _fetch(
        "SELECT position, event FROM event_log WHERE position > $1 ORDER BY position LIMIT $2", [after, limit], own
    )
    return [Raw(r["position"], r["event"]) for r in rows]


@dataclass(frozen=True, slots=True)
class ReplayFilter:
    """Which entries a subscription may have missed (the subscription checks each one exactly)."""

    types: tuple[str, ...]
    store_ids: tuple[int, ...] | None = None
    variant_ids: tuple[int, ...] | None = None
    member_id: int | None = None
    order_id: int | None = None


REPLAY = """SELECT position, event FROM event_log
WHERE position > $1 AND position <= $2 AND type = ANY($3::text[])
  AND ($4::int[] IS NULL OR store_ids && $4::int[]) AND ($5::int[] IS NULL OR variant_id = ANY($5::int[]))
  AND ($6::int IS NULL OR member_id = $6) AND ($7::int IS NULL OR order_id = $7)
ORDER BY position LIMIT $8"""


async def replay(after: int, upto: int, wanted: ReplayFilter, limit: int) -> list[Raw]:
    rows = await fetch(
        REPLAY,
        [
            after,
            upto,
            list(wanted.types),
            list(wanted.store_ids) if wanted.store_ids is not None else None,
            list(wanted.variant_ids) if wanted.variant_ids is not None else None,
            wanted.member_id,
            wanted.order_id,
            limit,
        ],
    )
    return [Raw(r["position"], r["event"]) for r in rows]


# --- retention -----------------------------------------------------------------------------------

PRUNE_LOCK = "SELECT pg_try_advisory_xact_lock(hashtext('omnichannel.event_log.prune')) AS got"
PRUNABLE = """WITH b AS (
  SELECT e.position, e.recorded_at < $2 AND NOT EXISTS (
    SELECT 1 FROM webhook_delivery d JOIN webhook w ON w.id = d.webhook_id AND w.active
    WHERE d.event_id = e.id AND d.status = 'PENDING') AS old
  FROM event_log e WHERE e.position > $1 ORDER BY e.position LIMIT $3
)
SELECT coalesce((SELECT min(position) - 1 FROM b WHERE NOT old), (SELECT max(position) FROM b)) AS upto"""


async def prune(cutoff: datetime, batch: int = 5000) -> int:
    """Delete the oldest entries recorded before `cutoff` (a prefix of the log: an entry with a
    delivery still pending stops it); their deliveries go with them. Returns how many were deleted.
    One process prunes at a time; the others skip."""
    deleted = 0
    while True:
        async with in_transaction("default") as conn:
            if not (await fetch(PRUNE_LOCK, conn=conn))[0]["got"]:
                return deleted
            pruned = (await fetch("SELECT pruned_through FROM event_log_state WHERE id = 1", conn=conn))[0][
                "pruned_through"
            ]
            upto = (await fetch(PRUNABLE, [pruned, cutoff, batch], conn=conn))[0]["upto"]
            if upto is None or upto <= pruned:
                return deleted
            rows = await fetch(
                "WITH gone AS (DELETE FROM event_log WHERE position > $1 AND position <= $2 RETURNING 1) "
                "SELECT count(*) AS n FROM gone",
                [pruned, upto],
                conn=conn,
            )
            await fetch("UPDATE event_log_state SET pruned_through = $1 WHERE id = 1", [upto], conn=conn)
        deleted += rows[0]["n"]
