"""confirmPayment: the provider (or the till that took the order) confirms the whole total.

The same reference twice is a no-op that returns the order; a reference that paid another order is
refused. A payment after the hold has passed expires the order on the spot (its stock is released,
committed) and is refused. A pickup order gets its pickup code when it is paid; the loyalty handlers
(in the same transaction) credit the points it earns.
"""

from __future__ import annotations

from decimal import Decimal

from ...domain import order_access, pickup
from ...domain.errors import DomainError, ErrorCode
from ...domain.locations import FulfillmentMode
from ...domain.order_aggregate import OrderAggregate
from ...domain.orders import Order
from ...domain.payments import checked_reference, reference_used
from ...domain.ports import PickupCodeTaken, UnitOfWork
from ..context import Context
from . import access, steps

CODE_ATTEMPTS = 5


async def confirm_payment(ctx: Context, uow: UnitOfWork, *, order_id: int, amount: Decimal, reference: str) -> Order:
    order = await access.order_for_action(ctx, uow, order_id)
    taken_at = await uow.locations.get(order.placed_at_location_id) if order.placed_at_location_id else None
    order_access.check_may_confirm_payment(ctx.principal, order, taken_at.code if taken_at else None)
    reference = checked_reference(amount, reference)
    now, who = ctx.now(), order_access.actor(ctx.principal)

    async def pay(tx: UnitOfWork) -> tuple[OrderAggregate, bool]:
        """The order and whether it was expired here instead of paid."""
        found = await tx.orders.get_for_update(order_id)
        assert found is not None
        paid_with = await tx.payments.order_paid_with(reference)
        if paid_with is not None:
            if paid_with != order_id:
                raise reference_used()
            return found, False  # the provider called twice: nothing changes
        if found.order.hold_is_over(now):
            await steps.expire(tx, found, now)
            return found, True
        found.pay(amount=amount, reference=reference, now=now, pickup_code=await _free_code(tx, found.order))
        if not await tx.payments.record(
            order_id=order_id, reference=reference, amount=amount, currency=found.order.total.currency, actor=who
        ):
            raise reference_used()
        await tx.orders.save(found)
        tx.record(*found.events)
        return found, False

    for attempt in range(CODE_ATTEMPTS):
        try:
            _, expired = await uow.atomic(pay)
            break
        except PickupCodeTaken:  # another order at the store drew the same code a moment ago
            if attempt == CODE_ATTEMPTS - 1:
                raise
    if expired:
        raise DomainError(ErrorCode.ORDER_EXPIRED, "The order's hold has expired; it cannot be paid.")
    paid = await uow.orders.get(order_id)  # as committed: with the points its payment earned
    assert paid is not None
    return paid


async def _free_code(tx: UnitOfWork, order: Order) -> str | None:
    """A pickup code no other open order at the pickup store has (the unique index is the final word)."""
    if order.mode is not FulfillmentMode.PICKUP or order.pickup_location_id is None:
        return None
    for _ in range(CODE_ATTEMPTS):
        code = pickup.new_code()
        if not await tx.orders.pickup_code_in_use(order.pickup_location_id, code):
            return code
    raise PickupCodeTaken()
