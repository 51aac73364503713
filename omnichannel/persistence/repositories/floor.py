"""The store floor's SQL: the member look-up audit, try-ons, the pick list."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.member_lookup import LookupKey, LookupRecord
from ...domain.pick_list import PAID_OPEN, TO_PICK, PickListLine
from ...domain.try_ons import TryOn, TryOnSource
from ..db import execute, fetch
from ..session import Session

# purchased: a paid (not cancelled) order of the member with this variant, paid at or after the try-on
TRY_ON_COLUMNS = (
    "t.id, t.member_id, t.location_id, t.variant_id, t.source, t.at, EXISTS (SELECT 1 FROM customer_order o "
    "JOIN order_line l ON l.order_id = o.id WHERE o.member_id = t.member_id AND l.variant_id = t.variant_id "
    "AND o.paid_at >= t.at AND o.status <> 'CANCELLED') AS purchased"
)


def _try_on(row: object) -> TryOn:
    r = dict(row)  # type: ignore[call-overload]
    return TryOn(
        r["id"], r["member_id"], r["location_id"], r["variant_id"], TryOnSource(r["source"]), r["at"], r["purchased"]
    )


async def record_lookup(record: LookupRecord) -> None:
    await execute(
        "INSERT INTO member_lookup (staff_id, actor, location_id, key_kind, key_value, member_id, at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [
            record.staff_id,
            record.actor,
            record.location_id,
            record.kind.value,
            record.value,
            record.member_id,
            record.at,
        ],
    )


async def lookups(*, limit: int) -> list[LookupRecord]:
    """The newest audit entries, newest first."""
    rows = await fetch(
        "SELECT staff_id, actor, location_id, key_kind, key_value, member_id, at FROM member_lookup "
        "ORDER BY id DESC LIMIT $1",
        [limit],
    )
    return [
        LookupRecord(
            r["staff_id"],
            r["actor"],
            r["location_id"],
            LookupKey(r["key_kind"]),
            r["key_value"],
            r["member_id"],
            r["at"],
        )
        for r in rows
    ]


class TryOnStore:
    """The try-on repository of the unit of work (domain.ports.TryOnRepository); the member's row
    lock serialises one member's records."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def _conn(self) -> BaseDBAsyncClient | None:
        return self._session.conn

    async def last_seen(self, member_id: int, variant_ids: Sequence[int], since: datetime) -> dict[int, datetime]:
        rows = await fetch(
            "SELECT variant_id, max(at) AS at FROM try_on WHERE member_id = $1 AND variant_id = ANY($2::int[]) "
            "AND at > $3 GROUP BY variant_id",
            [member_id, list(variant_ids), since],
            conn=self._conn,
        )
        return {r["variant_id"]: r["at"] for r in rows}

    async def add(
        self,
        member_id: int,
        location_id: int,
        variant_ids: Sequence[int],
        source: TryOnSource,
        staff_id: int | None,
        now: datetime,
    ) -> None:
        if variant_ids:
            await execute(
                "INSERT INTO try_on (member_id, location_id, variant_id, source, staff_id, at) "
                "SELECT $1, $2, v, $3, $4, $5 FROM unnest($6::int[]) AS v",
                [member_id, location_id, source.value, staff_id, now, list(variant_ids)],
                conn=self._conn,
            )

    async def latest(self, member_id: int, variant_ids: Sequence[int]) -> list[TryOn]:
        """The latest try-on of each of these variants by the member."""
        rows = await fetch(
            f"SELECT DISTINCT ON (t.variant_id) {TRY_ON_COLUMNS} FROM try_on t "
            "WHERE t.member_id = $1 AND t.variant_id = ANY($2::int[]) ORDER BY t.variant_id, t.at DESC, t.id DESC",
            [member_id, list(variant_ids)],
            conn=self._conn,
        )
        return [_try_on(r) for r in rows]


async def try_ons_of_members(member_ids: Sequence[int], limit: int) -> list[TryOn]:
    """The newest `limit` try-ons of each member, in one query."""
    rows = await fetch(
        f"SELECT * FROM (SELECT {TRY_ON_COLUMNS}, row_number() OVER (PARTITION BY t.member_id "
        "ORDER BY t.at DESC, t.id DESC) AS rn FROM try_on t WHERE t.member_id = ANY($1::int[])) x "
        "WHERE x.rn <= $2 ORDER BY x.member_id, x.at DESC, x.id DESC",
        [list(member_ids), limit],
    )
    return [_try_on(r) for r in rows]


async def try_ons_by_ids(ids: Sequence[int]) -> list[TryOn]:
    rows = await fetch(f"SELECT {TRY_ON_COLUMNS} FROM try_on t WHERE t.id = ANY($1::bigint[])", [list(ids)])
    return [_try_on(r) for r in rows]


async def pick_list(location_id: int) -> list[PickListLine]:
    """One line per variant (by SKU), its orders oldest payment first."""
    rows = await fetch(
        "SELECT x.variant_id, sum(x.quantity)::int AS quantity, array_agg(x.order_id ORDER BY x.paid_at, x.order_id) "
        "AS order_ids FROM (SELECT fl.variant_id, f.order_id, o.paid_at, sum(fl.quantity) AS quantity "
        "FROM fulfillment f JOIN customer_order o ON o.id = f.order_id "
        "JOIN fulfillment_line fl ON fl.fulfillment_id = f.id "
        "WHERE f.location_id = $1 AND f.status = ANY($2::text[]) AND o.paid_at IS NOT NULL "
        "AND o.status = ANY($3::text[]) GROUP BY fl.variant_id, f.order_id, o.paid_at) x "
        "JOIN variant v ON v.id = x.variant_id GROUP BY x.variant_id, v.sku ORDER BY v.sku",
        [location_id, [s.value for s in TO_PICK], [s.value for s in PAID_OPEN]],
    )
    return [PickListLine(r["variant_id"], r["quantity"], tuple(r["order_ids"])) for r in rows]
