"""cancelOrder: members before picking starts, the fulfilling stores' staff, head office.

Held stock is released (RELEASE movements) in the same transaction as the cancellation. A paid
order gets a whole refund of what is left to refund (PENDING until the payment provider confirms it).
"""

from __future__ import annotations

from datetime import datetime

from ..domain import order_access
from ..domain import orders as rules
from ..domain.errors import DomainError, ErrorCode
from ..domain.events import OrderEventKind
from ..domain.orders import Order
from ..persistence.uow import UnitOfWork, transactional
from . import order_hooks, refunds, stock_holds
from .context import Context
from .orders import fulfilling_codes, order_for_action
from .publish import publish
from .results import Result


async def _refund_what_is_left(uow: UnitOfWork, order: Order, reason: str | None, who: str, now: datetime) -> None:
    try:
        await refunds.request(
            uow, order, wanted=None, reason=reason or "order cancelled", restock_location_id=None, actor=who,
            now=now, points=False,
        )  # fmt: skip
    except DomainError as error:
        if error.code is not ErrorCode.REFUND_EXCEEDS_ORDER:  # everything is refunded or on its way already
            raise


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
        await order_hooks.after_cancellation(uow, cancelled, now, ctx.services.loyalty)
        uow.record(stock_holds.order_event(cancelled, closed, OrderEventKind.CANCELLED, now))
        if locked.paid_at is not None:  # paid: the money goes back too (points came back just above)
            await _refund_what_is_left(uow, cancelled, reason, who, now)
        return cancelled

    try:
        result, events = await transactional(work)
    except DomainError as error:
        return Result.fail(error)
    await publish(ctx.broker, events)
    ctx.loaders.order.clear(order_id)
    ctx.loaders.fulfillments_of_order.clear(order_id)
    return Result.ok(result)
