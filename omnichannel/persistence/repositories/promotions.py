"""Automatic promotions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from ...domain.promotions import Promotion, PromotionSpec
from ..db import fetch
from ..mappers import PROMOTION_COLUMNS, format_ids, to_promotion
from ..session import Session


async def live(now: datetime, *, conn: BaseDBAsyncClient | None = None) -> list[Promotion]:
    """Promotions running at this moment (one short list for every cart)."""
    rows = await fetch(
        f"SELECT {PROMOTION_COLUMNS} FROM promotion WHERE active AND (valid_from IS NULL OR valid_from <= $1) "
        "AND (valid_until IS NULL OR valid_until > $1) ORDER BY id",
        [now],
        conn=conn,
    )
    return [to_promotion(r) for r in rows]


async def page(*, after_id: int | None, limit: int, running_at: datetime | None) -> list[Promotion]:
    """Promotions in id order; with running_at only those running then or later (not ended)."""
    rows = await fetch(
        f"SELECT {PROMOTION_COLUMNS} FROM promotion WHERE ($1::int IS NULL OR id > $1) "
        "AND ($2::timestamptz IS NULL OR (active AND (valid_until IS NULL OR valid_until > $2))) ORDER BY id LIMIT $3",
        [after_id, running_at, limit],
    )
    return [to_promotion(r) for r in rows]


async def by_ids(ids: list[int]) -> list[Promotion]:
    rows = await fetch(f"SELECT {PROMOTION_COLUMNS} FROM promotion WHERE id = ANY($1::int[])", [ids])
    return [to_promotion(r) for r in rows]


async def create(spec: PromotionSpec, actor: str, *, conn: BaseDBAsyncClient | None = None) -> Promotion:
    rows = await fetch(
        "INSERT INTO promotion (title, kind, threshold, amount_off, percent, category_ids, product_ids, valid_from, "
        f"valid_until, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {PROMOTION_COLUMNS}",
        [
            spec.title,
            spec.kind.value,
            spec.threshold,
            spec.amount_off,
            spec.percent,
            format_ids(spec.scope.category_ids),
            format_ids(spec.scope.product_ids),
            spec.valid_from,
            spec.valid_until,
            actor,
        ],
        conn=conn,
    )
    return to_promotion(rows[0])


async def end(promotion_id: int, *, conn: BaseDBAsyncClient | None = None) -> Promotion | None:
    rows = await fetch(
        f"UPDATE promotion SET active = false WHERE id = $1 RETURNING {PROMOTION_COLUMNS}", [promotion_id], conn=conn
    )
    return to_promotion(rows[0]) if rows else None


class PromotionStore:
    """The promotion repository of the unit of work (domain.ports.PromotionRepository)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def live(self, now: datetime) -> list[Promotion]:
        return await live(now, conn=self._session.conn)

    async def by_ids(self, ids: Sequence[int]) -> dict[int, Promotion]:
        found: list[Promotion | None] = await self._session.loaders.promotion.load_many(list(ids))
        return {p.id: p for p in found if p is not None}

    async def create(self, spec: PromotionSpec, actor: str) -> Promotion:
        return await create(spec, actor, conn=self._session.conn)

    async def end(self, promotion_id: int) -> Promotion | None:
        ended = await end(promotion_id, conn=self._session.conn)
        self._session.stale("promotion", promotion_id)
        return ended
