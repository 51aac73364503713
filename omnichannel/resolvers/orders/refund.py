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

from ...domain import order_access
from ...domain import refunds as rules
from ...domain.access import Role
from ...domain.errors import DomainError, ErrorCode
from ...domain.events import RefundedLine, RefundRequested
from ...domain.order_aggregate import facts_of
from ...domain.orders import Order
from ...domain.ports import UnitOfWork
from ...domain.refunds import Refund
from ..context import Context
from ..mutation import requires
from . import access


async def _restock_code(uow: UnitOfWork, restock_location_id: int | None) -> str | None:
    """The code of the store (or warehouse) returned goods go back to; NOT_FOUND for an unknown one."""
    if restock_location_id is None:
        return None
    location = await uow.locations.get(restock_location_id)
    if location is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such store or warehouse.", ["restockStoreId"])
    return location.code


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
    restock_code = await _restock_code(uow, restock_location_id)
    fulfilling = await access.store_codes(uow, order, fulfilling_only=True)
    order_access.check_may_refund(ctx.principal, fulfilling, restock_code)
    cleaned = rules.check_reason(reason)
    if restock_code is not None:
        rules.check_restock(order.status)
    now, actor = ctx.now(), order_access.actor(ctx.principal)

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
