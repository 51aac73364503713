"""Allocation policies (the online share per store) and the units sold that the daily job reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import asyncpg

from ...domain.online_allocation import AllocationPolicy
from ..db import fetch
from ..session import Session

POLICY_COLUMNS = "location_id, online_share, automatic, min_share, max_share, updated_at"


def to_policy(r: asyncpg.Record) -> AllocationPolicy:
    return AllocationPolicy(
        r["location_id"], r["online_share"], r["automatic"], r["min_share"], r["max_share"], r["updated_at"]
    )


async def shares(location_ids: Sequence[int]) -> dict[int, float]:
    """The online share of these locations (those without a policy are left out: share 1)."""
    rows = await fetch(
        "SELECT location_id, online_share FROM allocation_policy WHERE location_id = ANY($1::int[])",
        [list(location_ids)],
    )
    return {r["location_id"]: r["online_share"] for r in rows}


async def policies(location_ids: Sequence[int]) -> dict[int, AllocationPolicy]:
    rows = await fetch(
        f"SELECT {POLICY_COLUMNS} FROM allocation_policy WHERE location_id = ANY($1::int[])", [list(location_ids)]
    )
    return {r["location_id"]: to_policy(r) for r in rows}


class AllocationStore:
    """Allocation policies of the unit of work (domain.ports.AllocationRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def lock(self, location_id: int) -> AllocationPolicy:
        """The store's policy, row-locked until commit (created with the defaults when absent)."""
        conn = self._session.conn
        await fetch(
            "INSERT INTO allocation_policy (location_id) VALUES ($1) ON CONFLICT (location_id) DO NOTHING",
            [location_id],
            conn=conn,
        )
        rows = await fetch(
            f"SELECT {POLICY_COLUMNS} FROM allocation_policy WHERE location_id = $1 FOR UPDATE",
            [location_id],
            conn=conn,
        )
        return to_policy(rows[0])

    async def save(self, policy: AllocationPolicy, actor: str, *, decided_on: date | None = None) -> AllocationPolicy:
        rows = await fetch(
            "UPDATE allocation_policy SET online_share = $2, automatic = $3, min_share = $4, max_share = $5, "
            "updated_at = now(), updated_by = $6, decided_on = COALESCE($7, decided_on) WHERE location_id = $1 "
            f"RETURNING {POLICY_COLUMNS}",
            [policy.location_id, policy.online_share, policy.automatic, policy.min_share, policy.max_share, actor,
             decided_on],
            conn=self._session.conn,
        )  # fmt: skip
        return to_policy(rows[0])

    async def claim_due(self, today: date, limit: int) -> list[AllocationPolicy]:
        """Automatic policies not yet decided today, row-locked (SKIP LOCKED: another process takes the others)."""
        rows = await fetch(
            f"SELECT {POLICY_COLUMNS} FROM allocation_policy WHERE automatic "
            "AND (decided_on IS NULL OR decided_on < $1) ORDER BY location_id LIMIT $2 FOR UPDATE SKIP LOCKED",
            [today, limit],
            conn=self._session.conn,
        )
        return [to_policy(r) for r in rows]

    async def units_sold(self, location_id: int, since: date) -> tuple[int, int]:
        """(online units, store units) sold at the location from `since` on (the channel_sales aggregate)."""
        rows = await fetch(
            "SELECT COALESCE(SUM(online_units), 0) AS online, COALESCE(SUM(store_units), 0) AS store "
            "FROM channel_sales WHERE location_id = $1 AND day >= $2",
            [location_id, since],
            conn=self._session.conn,
        )
        return int(rows[0]["online"]), int(rows[0]["store"])
