"""Coupon templates, coupons and their audit trail.

Claims: `take_one` is a conditional UPDATE (issued_count < total_quantity), so concurrent claims
can never issue more than the total; the per-member limit is counted under the member's row lock.
Uses: `lock_by_code` / `lock_by_ids` take the coupon rows FOR UPDATE and `mark_used` only moves an
ACTIVE coupon, so one coupon is used once whatever the races.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain import coupon_codes
from ...domain.catalog import SalesChannel
from ...domain.coupons import AuditEvent, AuditKind, Coupon, CouponStatus, CouponTemplate, TemplateSpec
from ..db import execute_many, fetch
from ..mappers import COUPON_COLUMNS, TEMPLATE_COLUMNS, format_channels, format_ids, to_coupon, to_template
from ..session import Session

COUPON_FROM = "coupon c JOIN coupon_template t ON t.id = c.template_id"


async def templates_by_ids(ids: Sequence[int]) -> list[CouponTemplate]:
    rows = await fetch(f"SELECT {TEMPLATE_COLUMNS} FROM coupon_template WHERE id = ANY($1::int[])", [list(ids)])
    return [to_template(r) for r in rows]


async def templates_page(*, after_id: int | None, limit: int, claimable_at: datetime | None) -> list[CouponTemplate]:
    """Templates in id order; with claimable_at only those a member could claim then."""
    rows = await fetch(
        f"SELECT {TEMPLATE_COLUMNS} FROM coupon_template WHERE ($1::int IS NULL OR id > $1) "
        "AND ($2::timestamptz IS NULL OR (active AND (valid_until IS NULL OR valid_until > $2) "
        "AND (total_quantity IS NULL OR issued_count < total_quantity))) ORDER BY id LIMIT $3",
        [after_id, claimable_at, limit],
    )
    return [to_template(r) for r in rows]


async def coupons_by_ids(ids: Sequence[int]) -> list[Coupon]:
    rows = await fetch(f"SELECT {COUPON_COLUMNS} FROM {COUPON_FROM} WHERE c.id = ANY($1::int[])", [list(ids)])
    return [to_coupon(r) for r in rows]


async def coupons_by_codes(codes: Sequence[str]) -> list[Coupon]:
    rows = await fetch(f"SELECT {COUPON_COLUMNS} FROM {COUPON_FROM} WHERE c.code = ANY($1::text[])", [list(codes)])
    return [to_coupon(r) for r in rows]


async def coupons_of_members(member_ids: Sequence[int]) -> list[Coupon]:
    """Every coupon of these members, newest first."""
    rows = await fetch(
        f"SELECT {COUPON_COLUMNS} FROM {COUPON_FROM} WHERE c.member_id = ANY($1::int[]) ORDER BY c.id DESC",
        [list(member_ids)],
    )
    return [to_coupon(r) for r in rows]


async def audit_page(
    *,
    before_id: int | None,
    limit: int,
    template_id: int | None = None,
    coupon_id: int | None = None,
    member_id: int | None = None,
    kinds: Sequence[AuditKind] | None = None,
) -> list[AuditEvent]:
    """The audit trail, newest first, optionally narrowed."""
    rows = await fetch(
        "SELECT id, kind, at, template_id, coupon_id, member_id, channel, store_id, staff_id, order_id, code, "
        "error_code, detail, actor FROM coupon_event WHERE ($1::bigint IS NULL OR id < $1) "
        "AND ($2::int IS NULL OR template_id = $2) AND ($3::int IS NULL OR coupon_id = $3) "
        "AND ($4::int IS NULL OR member_id = $4) AND ($5::text[] IS NULL OR kind = ANY($5::text[])) "
        "ORDER BY id DESC LIMIT $6",
        [before_id, template_id, coupon_id, member_id, [k.value for k in kinds] if kinds else None, limit],
    )
    return [
        AuditEvent(
            kind=AuditKind(r["kind"]),
            at=r["at"],
            template_id=r["template_id"],
            coupon_id=r["coupon_id"],
            member_id=r["member_id"],
            channel=SalesChannel(r["channel"]) if r["channel"] else None,
            store_id=r["store_id"],
            staff_id=r["staff_id"],
            order_id=r["order_id"],
            code=r["code"],
            error_code=r["error_code"],
            detail=r["detail"],
            actor=r["actor"],
            id=r["id"],
        )
        for r in rows
    ]


async def record(events: Sequence[AuditEvent], *, conn: BaseDBAsyncClient | None = None) -> None:
    """Append to the audit trail (inside a transaction, or on its own for refusals)."""
    if not events:
        return
    await execute_many(
        "INSERT INTO coupon_event (kind, at, template_id, coupon_id, member_id, channel, store_id, staff_id, "
        "order_id, code, error_code, detail, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        [
            [
                e.kind.value,
                e.at,
                e.template_id,
                e.coupon_id,
                e.member_id,
                e.channel.value if e.channel else None,
                e.store_id,
                e.staff_id,
                e.order_id,
                e.code,
                e.error_code,
                e.detail[:200],
                e.actor[:120],
            ]
            for e in events
        ],
        conn=conn,
    )


class CouponStore:
    """The coupon repository of the unit of work (domain.ports.CouponRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @property
    def _conn(self) -> BaseDBAsyncClient | None:
        return self._session.conn

    async def by_codes(self, codes: Sequence[str]) -> list[Coupon]:
        """Coupons by code, unlocked (pricing a cart before anything is held)."""
        return await self._select("c.code = ANY($1::text[])", [list(codes)])

    async def templates(self, ids: Sequence[int]) -> dict[int, CouponTemplate]:
        found: list[CouponTemplate | None] = await self._session.loaders.coupon_template.load_many(list(ids))
        return {t.id: t for t in found if t is not None}

    async def audit(self, events: Sequence[AuditEvent]) -> None:
        await record(events, conn=self._conn)

    async def create_template(self, spec: TemplateSpec, actor: str) -> CouponTemplate:
        rows = await fetch(
            "INSERT INTO coupon_template (title, kind, value, max_discount, min_spend, category_ids, product_ids, "
            "channels, store_ids, valid_from, valid_until, total_quantity, per_member_limit, created_by) "
            f"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING {TEMPLATE_COLUMNS}",
            [
                spec.title,
                spec.kind.value,
                spec.value,
                spec.max_discount,
                spec.min_spend,
                format_ids(spec.scope.category_ids),
                format_ids(spec.scope.product_ids),
                format_channels(spec.channels),
                format_ids(spec.store_ids),
                spec.valid_from,
                spec.valid_until,
                spec.total_quantity,
                spec.per_member_limit,
                actor,
            ],
            conn=self._conn,
        )
        return to_template(rows[0])

    async def template(self, template_id: int) -> CouponTemplate | None:
        rows = await fetch(
            f"SELECT {TEMPLATE_COLUMNS} FROM coupon_template WHERE id = $1", [template_id], conn=self._conn
        )
        return to_template(rows[0]) if rows else None

    async def held(self, member_id: int, template_id: int) -> int:
        """Coupons of this template the member holds (any status: a used one still counts)."""
        rows = await fetch(
            "SELECT count(*) AS n FROM coupon WHERE member_id = $1 AND template_id = $2",
            [member_id, template_id],
            conn=self._conn,
        )
        return int(rows[0]["n"])

    async def take_one(self, template_id: int) -> bool:
        """Count one more issued coupon unless the total is reached (atomic)."""
        rows = await fetch(
            "UPDATE coupon_template SET issued_count = issued_count + 1 WHERE id = $1 "
            "AND (total_quantity IS NULL OR issued_count < total_quantity) RETURNING id",
            [template_id],
            conn=self._conn,
        )
        return bool(rows)

    async def issue(self, template: CouponTemplate, member_id: int, now: datetime) -> Coupon:
        """A new coupon with a fresh unique code (a collision, however unlikely, draws again)."""
        while True:
            rows = await fetch(
                "INSERT INTO coupon (template_id, member_id, code, claimed_at, valid_from, valid_until) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING RETURNING id",
                [template.id, member_id, coupon_codes.generate(), now, template.valid_from, template.valid_until],
                conn=self._conn,
            )
            if rows:
                return (await self._select("c.id = ANY($1::int[])", [[rows[0]["id"]]]))[0]

    async def lock_by_code(self, code: str) -> Coupon | None:
        found = await self._select("c.code = $1", [code], lock=True)
        return found[0] if found else None

    async def lock_by_codes(self, codes: Sequence[str]) -> list[Coupon]:
        return await self._select("c.code = ANY($1::text[])", [list(codes)], lock=True)

    async def lock_by_ids(self, ids: Sequence[int]) -> list[Coupon]:
        return await self._select("c.id = ANY($1::int[])", [list(ids)], lock=True)

    async def lock_for_order(self, order_id: int) -> list[Coupon]:
        return await self._select("c.order_id = $1", [order_id], lock=True)

    async def mark_used(
        self, coupon_id: int, *, now: datetime, store_id: int | None, staff_id: int | None, order_id: int | None
    ) -> bool:
        """ACTIVE -> REDEEMED; False when it was not active any more."""
        rows = await fetch(
            "UPDATE coupon SET status = $2, used_at = $3, store_id = $4, staff_id = $5, order_id = $6 "
            "WHERE id = $1 AND status = $7 RETURNING id",
            [coupon_id, CouponStatus.REDEEMED.value, now, store_id, staff_id, order_id, CouponStatus.ACTIVE.value],
            conn=self._conn,
        )
        return bool(rows)

    async def release(self, coupon_id: int, status: CouponStatus) -> bool:
        """A used coupon comes back (ACTIVE) or is retired (EXPIRED); only from REDEEMED, so once."""
        rows = await fetch(
            "UPDATE coupon SET status = $2, used_at = NULL, store_id = NULL, staff_id = NULL, order_id = NULL "
            "WHERE id = $1 AND status = $3 RETURNING id",
            [coupon_id, status.value, CouponStatus.REDEEMED.value],
            conn=self._conn,
        )
        return bool(rows)

    async def void(self, coupon_id: int) -> bool:
        """ACTIVE -> VOID (head office withdraws it); False when it was not active."""
        rows = await fetch(
            "UPDATE coupon SET status = $2 WHERE id = $1 AND status = $3 RETURNING id",
            [coupon_id, CouponStatus.VOID.value, CouponStatus.ACTIVE.value],
            conn=self._conn,
        )
        return bool(rows)

    async def end_template(self, template_id: int) -> CouponTemplate | None:
        """No more claims of this template (coupons already claimed stay valid)."""
        rows = await fetch(
            f"UPDATE coupon_template SET active = false WHERE id = $1 RETURNING {TEMPLATE_COLUMNS}",
            [template_id],
            conn=self._conn,
        )
        self._session.stale("coupon_template", template_id)
        return to_template(rows[0]) if rows else None

    async def member_coupon_ids(self, member_id: int) -> list[tuple[int, int]]:
        rows = await fetch(
            "SELECT id, template_id FROM coupon WHERE member_id = $1 ORDER BY id", [member_id], conn=self._conn
        )
        return [(r["id"], r["template_id"]) for r in rows]

    async def _select(self, where: str, params: list[object], *, lock: bool = False) -> list[Coupon]:
        suffix = " FOR UPDATE OF c" if lock else ""
        rows = await fetch(
            f"SELECT {COUPON_COLUMNS} FROM {COUPON_FROM} WHERE {where} ORDER BY c.id{suffix}", params, conn=self._conn
        )
        return [to_coupon(r) for r in rows]
