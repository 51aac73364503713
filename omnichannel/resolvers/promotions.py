"""Automatic promotions: head office starts and ends them; every channel prices with the same ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from ..domain.access import Role, require_role
from ..domain.errors import DomainError, ErrorCode
from ..domain.ports import UnitOfWork
from ..domain.promotions import Promotion, PromotionKind, new_promotion
from ..persistence.repositories import promotions as promotion_repo
from .catalog import check_page_size
from .context import Context
from .members import actor_of
from .mutation import requires


@requires(Role.HQ_ADMIN)
async def create_promotion(
    ctx: Context,
    uow: UnitOfWork,
    *,
    title: str,
    kind: PromotionKind,
    threshold: Decimal | None = None,
    amount_off: Decimal | None = None,
    percent: Decimal | None = None,
    category_ids: Sequence[int] = (),
    product_ids: Sequence[int] = (),
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> Promotion:
    spec = new_promotion(
        title=title,
        kind=kind,
        threshold=threshold,
        amount_off=amount_off,
        percent=percent,
        category_ids=category_ids,
        product_ids=product_ids,
        valid_from=valid_from,
        valid_until=valid_until,
        now=ctx.now(),
    )
    return await uow.promotions.create(spec, actor_of(ctx.principal))


@requires(Role.HQ_ADMIN)
async def end_promotion(ctx: Context, uow: UnitOfWork, *, promotion_id: int) -> Promotion:
    ended = await uow.promotions.end(promotion_id)
    if ended is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such promotion.", ["promotionId"])
    return ended


async def promotions_page(
    ctx: Context, *, first: int | None, after_id: int | None, include_ended: bool
) -> tuple[list[Promotion], bool]:
    """Running promotions for everyone; head office may include ended ones."""
    if include_ended:
        require_role(ctx.principal, Role.HQ_ADMIN)
    size = check_page_size(first)
    rows = await promotion_repo.page(after_id=after_id, limit=size + 1, running_at=None if include_ended else ctx.now())
    return rows[:size], len(rows) > size
