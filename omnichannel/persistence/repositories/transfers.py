"""Transfers and their lines; the transfers repository of the unit of work (domain.ports.TransferRepository)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from ...domain.transfers import Transfer, TransferLine, TransferRequest, TransferStatus
from ..db import execute, execute_many, fetch
from ..session import Session

COLUMNS = (
    "t.id, t.number, t.from_location_id, t.to_location_id, t.status, t.note, t.reference, "
    "t.requested_at, t.shipped_at, t.received_at, t.cancelled_at, t.online"
)
LINES = (
    "SELECT transfer_id, variant_id, quantity, received_quantity FROM transfer_line "
    "WHERE transfer_id = ANY($1::int[]) ORDER BY transfer_id, id"
)
CREATE = """
WITH n AS (SELECT nextval(pg_get_serial_sequence('transfer', 'id'))::int AS id)
INSERT INTO transfer (id, number, from_location_id, to_location_id, status, note, reference, requested_by, requested_at,
  idempotency_key, request_fingerprint, online)
SELECT n.id, 'TR' || lpad(n.id::text, 8, '0'), $1, $2, 'REQUESTED', $3, $4, $5, $6, $7, $8, $9 FROM n
RETURNING id, number
"""


def _transfer(row: asyncpg.Record, lines: Sequence[TransferLine]) -> Transfer:
    return Transfer(
        id=row["id"],
        number=row["number"],
        from_location_id=row["from_location_id"],
        to_location_id=row["to_location_id"],
        status=TransferStatus(row["status"]),
        lines=tuple(lines),
        requested_at=row["requested_at"],
        note=row["note"],
        reference=row["reference"],
        shipped_at=row["shipped_at"],
        received_at=row["received_at"],
        cancelled_at=row["cancelled_at"],
        online=row["online"],
    )


async def _with_lines(rows: Sequence[asyncpg.Record], conn: Any = None) -> list[Transfer]:
    if not rows:
        return []
    by_transfer: dict[int, list[TransferLine]] = {row["id"]: [] for row in rows}
    for line in await fetch(LINES, [list(by_transfer)], conn=conn):
        by_transfer[line["transfer_id"]].append(
            TransferLine(line["variant_id"], line["quantity"], line["received_quantity"])
        )
    return [_transfer(row, by_transfer[row["id"]]) for row in rows]


async def by_ids(ids: Sequence[int]) -> dict[int, Transfer]:
    rows = await fetch(f"SELECT {COLUMNS} FROM transfer t WHERE t.id = ANY($1::int[])", [list(ids)])
    return {t.id: t for t in await _with_lines(rows)}


async def page(
    *, location_id: int | None, statuses: Sequence[TransferStatus] | None, after_id: int | None, limit: int
) -> list[Transfer]:
    """Newest first: transfers into or out of a location (every transfer when None)."""
    rows = await fetch(
        f"SELECT {COLUMNS} FROM transfer t WHERE ($1::int IS NULL OR t.from_location_id = $1 OR t.to_location_id = $1) "
        "AND ($2::text[] IS NULL OR t.status = ANY($2::text[])) AND ($3::int IS NULL OR t.id < $3) "
        "ORDER BY t.id DESC LIMIT $4",
        [location_id, [s.value for s in statuses] if statuses is not None else None, after_id, limit],
    )
    return await _with_lines(rows)


async def awaited_by(numbers: Sequence[str]) -> dict[str, frozenset[int]]:
    """Per order number, the destinations of its transfers not yet received or cancelled."""
    rows = await fetch(
        "SELECT reference, to_location_id FROM transfer WHERE reference = ANY($1::text[]) "
        "AND status IN ('REQUESTED', 'IN_TRANSIT')",
        [list(numbers)],
    )
    found: dict[str, set[int]] = {}
    for row in rows:
        found.setdefault(row["reference"], set()).add(row["to_location_id"])
    return {number: frozenset(places) for number, places in found.items()}


class TransferStore:
    """The transfers repository of the unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def get(self, transfer_id: int) -> Transfer | None:
        return (await by_ids([transfer_id])).get(transfer_id)

    async def lock(self, transfer_id: int) -> Transfer | None:
        """The transfer row locked (FOR UPDATE) until commit: concurrent steps on it queue."""
        conn = self._session.conn
        rows = await fetch(f"SELECT {COLUMNS} FROM transfer t WHERE t.id = $1 FOR UPDATE", [transfer_id], conn=conn)
        found = await _with_lines(rows, conn)
        return found[0] if found else None

    async def for_reference(self, reference: str) -> list[Transfer]:
        """Transfers asked for by this reference (an order number), locked, oldest first."""
        conn = self._session.conn
        rows = await fetch(
            f"SELECT {COLUMNS} FROM transfer t WHERE t.reference = $1 ORDER BY t.id FOR UPDATE", [reference], conn=conn
        )
        return await _with_lines(rows, conn)

    async def requested_with_key(self, actor: str, key: str) -> tuple[Transfer, str | None] | None:
        """The transfer this requester asked for with this idempotency key, and the fingerprint of that
        request; None when the key is new. Requests with one key queue here (a transaction-scoped
        advisory lock) until the first one ends, so a concurrent duplicate finds its transfer."""
        conn = self._session.conn
        await fetch(
            "SELECT pg_advisory_xact_lock(hashtext('omnichannel.transfer.request'), hashtext($1 || '/' || $2))",
            [actor, key],
            conn=conn,
        )
        rows = await fetch(
            f"SELECT {COLUMNS}, t.request_fingerprint FROM transfer t "
            "WHERE t.requested_by = $1 AND t.idempotency_key = $2",
            [actor, key],
            conn=conn,
        )
        found = await _with_lines(rows, conn)
        return (found[0], rows[0]["request_fingerprint"]) if found else None

    async def order_waits(self, number: str) -> int | None:
        rows = await fetch(
            "SELECT id FROM customer_order WHERE number = $1 "
            "AND status IN ('PENDING_PAYMENT', 'CONFIRMED', 'PICKING', 'READY_FOR_PICKUP')",
            [number],
            conn=self._session.conn,
        )
        return int(rows[0]["id"]) if rows else None

    async def create(self, request: TransferRequest, *, actor: str, now: datetime) -> Transfer:
        conn = self._session.conn
        rows = await fetch(
            CREATE,
            [
                request.from_location_id,
                request.to_location_id,
                request.note,
                request.reference,
                actor,
                now,
                request.idempotency_key,
                request.fingerprint() if request.idempotency_key is not None else None,
                request.online,
            ],
            conn=conn,
        )
        transfer_id, number = rows[0]["id"], rows[0]["number"]
        await execute_many(
            "INSERT INTO transfer_line (transfer_id, variant_id, quantity) VALUES ($1, $2, $3)",
            [[transfer_id, variant_id, quantity] for variant_id, quantity in request.lines],
            conn=conn,
        )
        return Transfer(
            id=transfer_id,
            number=number,
            from_location_id=request.from_location_id,
            to_location_id=request.to_location_id,
            status=TransferStatus.REQUESTED,
            lines=tuple(TransferLine(v, q) for v, q in request.lines),
            requested_at=now,
            note=request.note,
            reference=request.reference,
            online=request.online,
        )

    async def save(self, transfer: Transfer) -> None:
        """Its status, step times and received quantities."""
        conn = self._session.conn
        await execute(
            "UPDATE transfer SET status = $2, shipped_at = $3, received_at = $4, cancelled_at = $5 WHERE id = $1",
            [transfer.id, transfer.status.value, transfer.shipped_at, transfer.received_at, transfer.cancelled_at],
            conn=conn,
        )
        if transfer.status is TransferStatus.RECEIVED:
            await execute_many(
                "UPDATE transfer_line SET received_quantity = $3 WHERE transfer_id = $1 AND variant_id = $2",
                [[transfer.id, line.variant_id, line.received_quantity] for line in transfer.lines],
                conn=conn,
            )
