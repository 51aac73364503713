"""refundOrder: a PENDING refund of some lines of a paid order (or of everything left), and returns.

Head office, the payment provider, or a store manager of a store that fulfilled the order (a
return at the counter, restocked at their own store). The refund's share of what was paid is
domain.refunds'; it is decided with the order's row locked, so two refunds of one order are decided
one after the other and the second sees the first (never the same units twice). Nothing moves
until the provider confirms it (confirm_refund.py). cancelOrder of a paid order requests a whole
refund through `request` in its own transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from ...domain import refunds as rules
from ...domain.access import Role
from ...domain.errors import AccessDenied, DomainError, ErrorCode
from ...domain.events import RefundedLine, RefundRequested
from ...domain.order_aggregate import facts_of
from ...domain.orders import Order, OrderStatus
from ...domain.ports import UnitOfWork
from ...domain.refunds import Refund
from ..context import Context
from ..mutation import requires
from . import access

HANDED_OVER = frozenset({OrderStatus.SHIPPED, OrderStatus.COMPLETED})  # goods a customer can bring back


def actor_of(ctx: Context) -> str:
    return f"{ctx.principal.role.value if ctx.principal.role else 'ANONYMOUS'}:{ctx.principal.subject}"


async def _check_caller(ctx: Context, uow: UnitOfWork, order: Order, restock_location_id: int | None) -> None:
    """Store managers refund orders their store fulfilled, and restock only at their own store."""
    if ctx.principal.role is not Role.STORE_MANAGER:
        return
    if ctx.principal.store_code not in await access.store_codes(uow, order, fulfilling_only=True):
        raise AccessDenied()
    if restock_location_id is not None:
        location = await uow.locations.get(restock_location_id)
        if location is None or location.code != ctx.principal.store_code:
            raise AccessDenied()


async def _check_restock(uow: UnitOfWork, order: Order, restock_location_id: int | None) -> None:
    if restock_location_id is None:
        return
    if await uow.locations.get(restock_location_id) is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such store or warehouse.", ["restockStoreId"])
    if order.status not in HANDED_OVER:
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            "Nothing of this order was handed over or shipped: there are no goods to put back on hand.",
            ["restockStoreId"],
        )


@requires(Role.HQ_ADMIN, Role.SERVICE, Role.STORE_MANAGER)
async def refund_order(
    ctx: Context,
    uow: UnitOfWork,
    *,
    order_id: int,
    lines: Sequence[tuple[int, int]] | None,
    reason: str,
    restock_location_id: int | None,
) -> Refund:
    order = await access.order_for_action(ctx, uow, order_id)
    await _check_caller(ctx, uow, order, restock_location_id)
    cleaned = rules.check_reason(reason)
    await _check_restock(uow, order, restock_location_id)
    now, actor = ctx.now(), actor_of(ctx)

    async def refund(tx: UnitOfWork) -> Refund:
        found = await tx.orders.get_for_update(order_id)
        assert found is not None
        return await request(
            tx, found.order, wanted=lines, reason=cleaned, restock_location_id=restock_location_id, actor=actor, now=now
        )

    return await uow.atomic(refund)


async def refunded_lines(tx: UnitOfWork, lines: Sequence[rules.RefundLine]) -> tuple[RefundedLine, ...]:
    skus = await tx.refunds.skus(sorted({line.variant_id for line in lines}))
    return tuple(
        RefundedLine(line.line_id, line.variant_id, skus.get(line.variant_id, ""), line.quantity, line.amount)
        for line in lines
    )


async def request(
    tx: UnitOfWork,
    order: Order,
    *,
    wanted: Sequence[tuple[int, int]] | None,
    reason: str,
    restock_location_id: int | None,
    actor: str,
    now: datetime,
    points: bool = True,
) -> Refund:
    """A PENDING refund of `wanted` (or of all that is left), in the caller's transaction, the order's
    row locked by the caller; `points=False` when the caller gives the points back itself."""
    paid = await tx.refunds.paid_order(order.id)
    assert paid is not None
    plan = rules.plan(paid, await tx.refunds.of_order(order.id), wanted)
    if not points:
        plan = dataclasses.replace(plan, points_returned=0, points_reversed=0)
    refund = await tx.refunds.create(
        order_id=order.id,
        plan=plan,
        currency=order.total.currency,
        reason=reason,
        restock_location_id=restock_location_id,
        actor=actor,
        now=now,
    )
    tx.record(
        RefundRequested(
            **facts_of(order, await tx.orders.fulfillments(order.id), now),
            refund_id=refund.id,
            amount=refund.amount,
            currency=refund.currency,
            lines=await refunded_lines(tx, refund.lines),
            points_returned=refund.points_returned,
            points_reversed=refund.points_reversed,
            reason=reason,
            restock_location_id=restock_location_id,
            whole=plan.whole,
        )
    )
    return refund
