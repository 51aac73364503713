"""The points ledger and the balance row it keeps in step (member.points_balance).

Every write locks the member row first (SELECT ... FOR UPDATE), so the writes of one member are
serialised whatever the number of server processes; the CHECK (points_balance >= 0) is the backstop.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.points import Lot, PointsAccount, PointsEntry, Posting
from ..db import execute, execute_many, fetch
from ..mappers import POINTS_ENTRY_COLUMNS, to_points_entry
from ..session import Session

MAX_MERGE_HOPS = 8


class PointsStore:
    """The points repository of the unit of work (domain.ports.PointsRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def _conn(self) -> BaseDBAsyncClient | None:
        return self._session.conn

    async def lock_account(self, member_id: int) -> PointsAccount | None:
        """The member's balance and open lots, the member row locked until commit (None: no member).

        A member merged away (even a moment ago, while we waited for the lock) is followed to its
        survivor, whose account is returned: points never land on a closed member.
        """
        for _ in range(MAX_MERGE_HOPS):
            rows = await fetch(
                "SELECT points_balance, merged_into_id FROM member WHERE id = $1 FOR UPDATE",
                [member_id],
                conn=self._conn,
            )
            if not rows:
                return None
            if rows[0]["merged_into_id"] is None:
                break
            member_id = rows[0]["merged_into_id"]
        lots = await fetch(
            "SELECT id, remaining, expires_at FROM points_entry WHERE member_id = $1 AND remaining > 0 "
            "ORDER BY expires_at, id",
            [member_id],
            conn=self._conn,
        )
        return PointsAccount(
            member_id, rows[0]["points_balance"], tuple(Lot(r["id"], r["remaining"], r["expires_at"]) for r in lots)
        )

    async def posted(self, key: str) -> bool:
        """Was an entry with this idempotency key already written?"""
        return bool(await fetch("SELECT 1 FROM points_entry WHERE key = $1", [key], conn=self._conn))

    async def post(self, member_id: int, posting: Posting, *, now: datetime, actor: str) -> int:
        """Write the entry, the lots it consumed and the new balance (the caller holds the member lock)."""
        entry = posting.entry
        rows = await fetch(
            "INSERT INTO points_entry (member_id, kind, points, reason, order_id, key, expires_at, remaining, "
            "actor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            [
                member_id,
                entry.kind.value,
                entry.points,
                entry.reason,
                entry.order_id,
                entry.key,
                entry.expires_at,
                max(entry.points, 0),
                actor,
                now,
            ],
            conn=self._conn,
        )
        if posting.lot_updates:
            await execute_many(
                "UPDATE points_entry SET remaining = $2 WHERE id = $1 AND member_id = $3",
                [[lot_id, remaining, member_id] for lot_id, remaining in posting.lot_updates],
                conn=self._conn,
            )
        await execute(
            "UPDATE member SET points_balance = $2 WHERE id = $1", [member_id, posting.balance_after], conn=self._conn
        )
        self._session.stale("member", member_id)
        return int(rows[0]["id"])

    async def order_entries(self, order_id: int) -> list[PointsEntry]:
        rows = await fetch(
            f"SELECT {POINTS_ENTRY_COLUMNS} FROM points_entry WHERE order_id = $1 ORDER BY id",
            [order_id],
            conn=self._conn,
        )
        return [to_points_entry(r) for r in rows]

    async def spend_since(self, member_id: int, since: datetime) -> Decimal:
        totals = await spend_since([member_id], since, conn=self._conn)
        return totals.get(member_id, Decimal(0))

    async def reverse_spend(self, key: str, reverse_key: str, at: datetime) -> bool:
        """Cancel what is left of the order's spend recorded under key (once: the reversal has its own
        unique key); refunds already took their part back."""
        rows = await fetch(
            "INSERT INTO member_spend (member_id, order_id, amount, key, at) "
            "SELECT s.member_id, s.order_id, -sum(s.amount), $2, $3 FROM member_spend s "
            "WHERE s.order_id = (SELECT order_id FROM member_spend WHERE key = $1) "
            "GROUP BY s.member_id, s.order_id HAVING sum(s.amount) <> 0 "
            "ON CONFLICT (key) DO NOTHING RETURNING id",
            [key, reverse_key, at],
            conn=self._conn,
        )
        return bool(rows)

    async def lock_due_members(self, now: datetime, limit: int) -> list[int]:
        """Members with points due to expire, locked; rows another process holds are skipped."""
        rows = await fetch(
            "SELECT m.id FROM member m WHERE m.id IN ("
            "  SELECT DISTINCT member_id FROM points_entry WHERE remaining > 0 AND expires_at <= $1) "
            "ORDER BY m.id LIMIT $2 FOR UPDATE SKIP LOCKED",
            [now, limit],
            conn=self._conn,
        )
        return [r["id"] for r in rows]

    async def record_spend(self, member_id: int, order_id: int | None, amount: Decimal, key: str, at: datetime) -> bool:
        """Add to the member's spend for tiers; False when this key was recorded before."""
        rows = await fetch(
            "INSERT INTO member_spend (member_id, order_id, amount, key, at) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (key) DO NOTHING RETURNING id",
            [member_id, order_id, amount, key, at],
            conn=self._conn,
        )
        return bool(rows)


async def entries_page(member_id: int, *, before_id: int | None, limit: int) -> list[PointsEntry]:
    """A member's ledger, newest first, keyset-paginated."""
    rows = await fetch(
        f"SELECT {POINTS_ENTRY_COLUMNS} FROM points_entry WHERE member_id = $1 "
        "AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
        [member_id, before_id, limit],
    )
    return [to_points_entry(r) for r in rows]


async def entries_sum(member_ids: Sequence[int]) -> dict[int, int]:
    rows = await fetch(
        "SELECT member_id, COALESCE(SUM(points), 0) AS total FROM points_entry WHERE member_id = ANY($1::int[]) "
        "GROUP BY member_id",
        [list(member_ids)],
    )
    return {r["member_id"]: int(r["total"]) for r in rows}


async def spend_since(
    member_ids: Sequence[int], since: datetime, *, conn: BaseDBAsyncClient | None = None
) -> dict[int, Decimal]:
    """Each member's net spend since a moment (the rolling tier window)."""
    rows = await fetch(
        "SELECT member_id, SUM(amount) AS total FROM member_spend WHERE member_id = ANY($1::int[]) AND at >= $2 "
        "GROUP BY member_id",
        [list(member_ids), since],
        conn=conn,
    )
    return {r["member_id"]: r["total"] for r in rows}
