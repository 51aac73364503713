"""cancelOrder: members before picking starts, the fulfilling stores' staff, head office.

Held stock is released (RELEASE movements) in the same transaction as the cancellation; the
loyalty handlers give its coupons and points back in it too.
"""

from __future__ import annotations

from ...domain import order_access
from ...domain.orders import Order
from ...domain.ports import UnitOfWork
from ..context import Context
from . import access, steps


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
        return found.order

    return await uow.atomic(cancel)
