"""cancelOrder: members before picking starts, the fulfilling stores' staff, head office.

Held stock is released (RELEASE movements) in the same transaction as the cancellation.
"""

from __future__ import annotations

from ..domain import order_access
from ..domain import orders as rules
from ..domain.errors import DomainError
from ..domain.events import OrderEventKind
from ..domain.orders import Order, OrderStatus
from ..persistence.uow import UnitOfWork, transactional
from . import order_hooks, stock_holds
from .context import Context
from .orders import fulfilling_codes, order_for_action
from .publish import publish
from .results import Result


async def cancel_order(ctx: Context, *, order_id: int, reason: str | None) -> Result[Order]:
    try:
        order = await order_for_action(ctx, order_id)
    except DomainError as error:
        return Result.fail(error)
    by = order_access.canceller(ctx.principal, order, await fulfilling_codes(ctx, order))
    now = ctx.now()
    who = order_access.actor(ctx.principal)

    async def work(uow: UnitOfWork) -> Order:
        locked = await uow.orders.lock(order_id)
        assert locked is not None
        fulfillments = await uow.orders.fulfillments(order_id)
        cancelled = rules.cancel(locked, fulfillments, by, now, reason)
        await stock_holds.release(uow, cancelled, await stock_holds.holds_of(uow, fulfillments), who, now)
        closed = rules.cancel_fulfillments(fulfillments, now)
        await uow.orders.save_fulfillments(closed)
        await uow.orders.save(cancelled)
        await order_hooks.after_cancellation(uow, cancelled, locked.status is not OrderStatus.PENDING_PAYMENT, now)
        uow.record(stock_holds.order_event(cancelled, closed, OrderEventKind.CANCELLED, now))
        return cancelled

    try:
        result, events = await transactional(work)
    except DomainError as error:
        return Result.fail(error)
    await publish(ctx.broker, events)
    ctx.loaders.order.clear(order_id)
    ctx.loaders.fulfillments_of_order.clear(order_id)
    return Result.ok(result)
