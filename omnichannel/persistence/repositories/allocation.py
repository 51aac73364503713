"""Allocation policies (the online share per store) and the units sold that the daily job reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import asyncpg

from ...domain.online_allocation import AllocationPolicy
from ..db import fetch
from ..session import Session

POLICY_COLUMNS = "location_id, online_share, automatic, min_share, max_share, updated_at"

# What online orders hold per level, from the orders themselves: the fulfilment lines still holding
# stock (domain.orders.HOLDING_STATUSES) of MINI_PROGRAM and APP orders. Migration 0015 fills
# stock_level.online_reserved with it (orders placed before the share existed release and sell
# their online holds like any other); tests check the column against it.
ONLINE_HOLDS = (
    "SELECT f.location_id, fl.variant_id, SUM(fl.quantity)::int AS held FROM fulfillment f "
    "JOIN fulfillment_line fl ON fl.fulfillment_id = f.id JOIN customer_order o ON o.id = f.order_id "
    "WHERE f.status IN ('PENDING', 'PICKING', 'READY_FOR_PICKUP') AND o.channel IN ('MINI_PROGRAM', 'APP') "
    "GROUP BY f.location_id, fl.variant_id"
)
BACKFILL_ONLINE_RESERVED = (
    f"UPDATE stock_level s SET online_reserved = LEAST(h.held, s.reserved) FROM ({ONLINE_HOLDS}) h "
    "WHERE s.location_id = h.location_id AND s.variant_id = h.variant_id"
)
# Units sold per location, day and channel group over the job's window, from the ledger's SALE
# movements and their orders (migration 0015 fills channel_sales with it; afterwards each sale adds itself).
SALES_BY_CHANNEL = (
    "SELECT m.location_id, (m.created_at AT TIME ZONE 'UTC')::date AS day, "
    "COALESCE(SUM(-m.on_hand_delta) FILTER (WHERE o.channel IN ('MINI_PROGRAM', 'APP')), 0)::int AS online_units, "
    "COALESCE(SUM(-m.on_hand_delta) FILTER (WHERE o.channel NOT IN ('MINI_PROGRAM', 'APP')), 0)::int AS store_units "
    "FROM stock_movement m JOIN customer_order o ON o.number = m.reference "
    "WHERE m.reason = 'SALE' AND m.created_at >= now() - interval '28 days' GROUP BY 1, 2"
)
BACKFILL_CHANNEL_SALES = (
    f"INSERT INTO channel_sales (location_id, day, online_units, store_units) {SALES_BY_CHANNEL} "
    "ON CONFLICT (location_id, day) DO NOTHING"
)


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
