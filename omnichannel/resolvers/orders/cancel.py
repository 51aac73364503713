"""cancelOrder: members before picking starts, the fulfilling stores' staff, head office.

Held stock is released (RELEASE movements) in the same transaction as the cancellation; the
loyalty handlers give its coupons and points back in it too. A paid order also gets a whole refund
of what is left to refund (PENDING until the payment provider confirms it; money only, since its
points come back with the cancellation).
"""

from __future__ import annotations

from datetime import datetime

from ...domain import order_access
from ...domain.errors import DomainError, ErrorCode
from ...domain.orders import Order
from ...domain.ports import UnitOfWork
from ..context import Context
from . import access, refund, steps


async def _refund_what_is_left(tx: UnitOfWork, order: Order, reason: str | None, who: str, now: datetime) -> None:
    try:
        await refund.request(
            tx,
            order,
            wanted=None,
            reason=reason or "order cancelled",
            restock_location_id=None,
            actor=who,
            now=now,
            points=False,
        )
    except DomainError as error:
        if error.code is not ErrorCode.REFUND_EXCEEDS_ORDER:  # everything is refunded or on its way already
            raise


async def cancel_order(ctx: Context, uow: UnitOfWork, *, order_id: int, reason: str | None) -> Order:
    order = await access.order_for_action(ctx, uow, order_id)
    by = order_access.canceller(ctx.principal, order, await access.store_codes(uow, order, fulfilling_only=True))
    now, who = ctx.now(), order_access.actor(ctx.principal)

    async def cancel(tx: UnitOfWork) -> Order:
        found = await tx.orders.get_for_update(order_id)
        assert found is not None
        released = found.cancel(by=by, now=now, reason=reason)
        await steps.release(tx, found, released, actor=who, now=now)
        await tx.orders.save(found)
        tx.record(*found.events)
        if found.order.paid_at is not None:
            await _refund_what_is_left(tx, found.order, found.order.cancel_reason, who, now)
        return found.order

    return await uow.atomic(cancel)
