"""confirmPayment: the provider (or the till that took the order) confirms the whole total.

The same reference twice is a no-op that returns the order; a payment after the hold has passed
expires the order on the spot (its stock is released) and is refused.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..domain import order_access, pickup
from ..domain import orders as rules
from ..domain.errors import DomainError, ErrorCode
from ..domain.events import OrderEventKind
from ..domain.locations import FulfillmentMode, Location
from ..domain.orders import Order
from ..persistence.repositories import payments
from ..persistence.repositories.order_store import PickupCodeTaken
from ..persistence.uow import UnitOfWork, transactional
from . import order_hooks, stock_holds
from .context import Context
from .orders import order_for_action
from .publish import publish
from .results import Result

MAX_REFERENCE = 100
CODE_ATTEMPTS = 5


def _check_input(amount: Decimal, reference: str) -> str:
    cleaned = reference.strip()
    if not cleaned or len(cleaned) > MAX_REFERENCE or not cleaned.isprintable():
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"reference must be 1 to {MAX_REFERENCE} printable characters.", ["reference"]
        )
    try:
        # 0 pays an order that coupons made free; any other amount must equal the order's total
        valid = amount.is_finite() and amount >= 0 and amount == amount.quantize(Decimal("0.01"))
    except InvalidOperation:
        valid = False
    if not valid:
        raise DomainError(ErrorCode.INVALID_INPUT, "amount must be zero or more, in whole cents.", ["amount"])
    return cleaned


async def confirm_payment(ctx: Context, *, order_id: int, amount: Decimal, reference: str) -> Result[Order]:
    try:
        order = await order_for_action(ctx, order_id)
    except DomainError as error:
        return Result.fail(error)
    taken_at: Location | None = (
        await ctx.loaders.location.load(order.placed_at_location_id) if order.placed_at_location_id else None
    )
    order_access.check_may_confirm_payment(ctx.principal, order, taken_at.code if taken_at else None)
    try:
        reference = _check_input(amount, reference)
    except DomainError as error:
        return Result.fail(error)
    now = ctx.now()
    who = order_access.actor(ctx.principal)

    async def work(uow: UnitOfWork) -> tuple[Order, DomainError | None]:
        locked = await uow.orders.lock(order_id)
        assert locked is not None
        paid_order = await payments.order_paid_with(uow.conn, reference)
        if paid_order is not None:
            if paid_order != order_id:
                raise DomainError(
                    ErrorCode.PAYMENT_REFERENCE_USED, "This payment reference paid another order.", ["reference"]
                )
            return locked, None  # the provider called twice: nothing changes
        if locked.hold_is_over(now):
            expired = await stock_holds.expire(uow, locked, now, loyalty=ctx.services.loyalty)
            return expired, DomainError(ErrorCode.ORDER_EXPIRED, "The order's hold has expired; it cannot be paid.")
        code = await _free_code(uow, locked)
        paid = rules.pay(locked, amount, now, code)
        if not await payments.record(
            uow.conn, order_id=order_id, reference=reference, amount=amount, currency=paid.total.currency, actor=who
        ):
            raise DomainError(
                ErrorCode.PAYMENT_REFERENCE_USED, "This payment reference paid another order.", ["reference"]
            )
        await uow.orders.save(paid)
        paid = await order_hooks.after_payment(uow, paid, now, ctx.services.loyalty)
        fulfillments = await uow.orders.fulfillments(order_id)
        uow.record(stock_holds.order_event(paid, fulfillments, OrderEventKind.PAID, now))
        return paid, None

    for attempt in range(CODE_ATTEMPTS):
        try:
            (result, refusal), events = await transactional(work)
            break
        except PickupCodeTaken:  # another order at the store drew the same code a moment ago
            if attempt == CODE_ATTEMPTS - 1:
                raise
        except DomainError as error:
            return Result.fail(error)
    await publish(ctx.broker, events)
    ctx.loaders.order.clear(order_id)
    if refusal is not None:
        return Result(value=None, errors=[refusal])
    return Result.ok(result)


async def _free_code(uow: UnitOfWork, order: Order) -> str | None:
    """A pickup code no other open order at the pickup store has (the unique index is the final word)."""
    if order.mode is not FulfillmentMode.PICKUP or order.pickup_location_id is None:
        return None
    for _ in range(CODE_ATTEMPTS):
        code = pickup.new_code()
        if not await uow.orders.pickup_code_in_use(order.pickup_location_id, code):
            return code
    raise PickupCodeTaken()
