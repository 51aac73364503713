"""Webhooks and their delivery attempts.

The delivery queue is the PENDING rows of webhook_delivery (the sequencer schedules each entry's
first attempt). A worker claims due rows with FOR UPDATE SKIP LOCKED on a connection of its own
and keeps the transaction open while it posts: several processes never claim the same row, and a
worker that dies mid-delivery leaves its transaction to roll back, so the row is due again at once.
Deleting a webhook deletes its PENDING rows; that waits for an attempt in flight to finish, so once
deleteWebhook has answered nothing more is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from tortoise.transactions import in_transaction

from ...domain.webhooks import DeliveryStatus, Webhook, WebhookDelivery
from ..db import fetch

WEBHOOK_COLUMNS = "id, url, event_types, active, created_at"
DELIVERY_COLUMNS = "id, webhook_id, event_id, attempt, status, response_status, error, at"


def _webhook(row: Any) -> Webhook:
    return Webhook(row["id"], row["url"], tuple(row["event_types"]), row["active"], row["created_at"])


def _delivery(row: Any) -> WebhookDelivery:
    return WebhookDelivery(
        row["id"], row["webhook_id"], row["event_id"], row["attempt"], DeliveryStatus(row["status"]),
        row["response_status"], row["error"], row["at"],
    )  # fmt: skip


async def create(url: str, event_types: Sequence[str], secret: str, actor: str) -> Webhook:
    rows = await fetch(
        f"INSERT INTO webhook (url, event_types, secret, active, created_by, created_at) "
        f"VALUES ($1, $2::varchar[], $3, true, $4, now()) RETURNING {WEBHOOK_COLUMNS}",
        [url, list(event_types), secret, actor],
    )
    return _webhook(rows[0])


async def active_count() -> int:
    rows = await fetch("SELECT count(*) AS n FROM webhook WHERE active")
    return int(rows[0]["n"])


async def active() -> list[Webhook]:
    rows = await fetch(f"SELECT {WEBHOOK_COLUMNS} FROM webhook WHERE active ORDER BY id")
    return [_webhook(r) for r in rows]


async def by_ids(ids: Sequence[int]) -> list[Webhook]:
    rows = await fetch(f"SELECT {WEBHOOK_COLUMNS} FROM webhook WHERE id = ANY($1::int[]) AND active", [list(ids)])
    return [_webhook(r) for r in rows]


async def delete(webhook_id: int) -> Webhook | None:
    """Deactivate the webhook and drop its pending attempts (after any attempt in flight ends)."""
    async with in_transaction("default") as conn:
        rows = await fetch(
            "UPDATE webhook SET active = false, deleted_at = now() WHERE id = $1 AND active "
            f"RETURNING {WEBHOOK_COLUMNS}",
            [webhook_id],
            conn=conn,
        )
        if not rows:
            return None
        await fetch(
            "DELETE FROM webhook_delivery WHERE webhook_id = $1 AND status = 'PENDING'", [webhook_id], conn=conn
        )
    return _webhook(rows[0])


async def deliveries_of(keys: Sequence[tuple[int, int | None, int]]) -> dict[tuple[int, int | None, int], list[Any]]:
    """Pages of attempts, newest first: key (webhook id, before delivery id or None, limit)."""
    found: dict[tuple[int, int | None, int], list[Any]] = {}
    groups: dict[tuple[int | None, int], list[int]] = {}
    for webhook_id, before, limit in keys:
        groups.setdefault((before, limit), []).append(webhook_id)
    for (before, limit), webhook_ids in groups.items():
        rows = await fetch(
            f"""SELECT d.* FROM unnest($1::int[]) AS w(id), LATERAL (
                  SELECT {DELIVERY_COLUMNS} FROM webhook_delivery
                  WHERE webhook_id = w.id AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3) AS d""",
            [webhook_ids, before, limit],
        )
        for webhook_id in webhook_ids:
            found[(webhook_id, before, limit)] = []
        for row in rows:
            found[(row["webhook_id"], before, limit)].append(_delivery(row))
    return found


# --- the delivery queue (plain asyncpg connections from the workers' own pool) ---------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    webhook_id: int
    event_id: int
    attempt: int
    url: str
    secret: str
    type: str
    at: datetime
    payload: str


CLAIM = """SELECT d.id, d.webhook_id, d.event_id, d.attempt, w.url, w.secret, e.type, e.at, e.payload::text AS payload
FROM webhook_delivery d
JOIN webhook w ON w.id = d.webhook_id AND w.active
JOIN event_log e ON e.id = d.event_id
WHERE d.status = 'PENDING' AND d.due_at <= now()
ORDER BY d.due_at
LIMIT $1
FOR UPDATE OF d SKIP LOCKED"""


async def claim(raw: asyncpg.Connection, limit: int) -> list[Claimed]:
    """Due attempts no other worker holds, locked until the caller's transaction ends."""
    rows = await raw.fetch(CLAIM, limit)
    return [Claimed(**dict(r)) for r in rows]


@dataclass(frozen=True, slots=True)
class Attempted:
    id: int
    webhook_id: int
    event_id: int
    attempt: int
    status: DeliveryStatus
    response_status: int | None
    error: str | None
    retry_in: float | None  # seconds until the next attempt, when there is one


# clock_timestamp(), not now(): the transaction began before the attempt, the delay counts from its end
# A webhook deleted while its attempt was in flight: the delete waits for the attempt's lock, and
# its snapshot does not see the retry this inserts; that orphan is never claimed (CLAIM joins active
# webhooks) and retention passes over it (event_log.PRUNABLE does the same).
RECORD = """WITH done AS (
  UPDATE webhook_delivery d
  SET status = x.status, response_status = x.response_status, error = x.error, at = clock_timestamp()
  FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[]) AS x(id, status, response_status, error)
  WHERE d.id = x.id
)
INSERT INTO webhook_delivery (webhook_id, event_id, attempt, status, due_at, at)
SELECT x.webhook_id, x.event_id, x.attempt, 'PENDING', clock_timestamp() + make_interval(secs => x.delay),
  clock_timestamp()
FROM unnest($5::int[], $6::bigint[], $7::int[], $8::float8[]) AS x(webhook_id, event_id, attempt, delay)
JOIN webhook w ON w.id = x.webhook_id AND w.active"""


async def record(raw: asyncpg.Connection, attempts: Sequence[Attempted]) -> None:
    """Each attempt's result, and the next attempt of those that will be retried."""
    retried = [a for a in attempts if a.retry_in is not None]
    await raw.execute(
        RECORD,
        [a.id for a in attempts],
        [a.status.value for a in attempts],
        [a.response_status for a in attempts],
        [a.error for a in attempts],
        [a.webhook_id for a in retried],
        [a.event_id for a in retried],
        [a.attempt + 1 for a in retried],
        [a.retry_in for a in retried],
    )


async def next_due_in(raw: asyncpg.Connection) -> float | None:
    """Seconds until the soonest pending attempt (negative when overdue); None when none is pending."""
    value = await raw.fetchval(
        "SELECT extract(epoch FROM min(due_at) - now()) FROM webhook_delivery d "
        "JOIN webhook w ON w.id = d.webhook_id AND w.active WHERE d.status = 'PENDING'"
    )
    return float(value) if value is not None else None
