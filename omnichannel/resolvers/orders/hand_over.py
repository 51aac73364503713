"""completePickup: the clerk types or scans the member's code and hands the order over.

One transaction: lock the clerk's and the store's failure counters (so concurrent guesses queue and
every one is counted), refuse while either is locked out, find the open order by its code, then
either count a wrong code (committed, then refused) or complete the order and sell its stock (SALE).
"""

from __future__ import annotations

from ...domain import order_access, pickup
from ...domain.access import require_signed_in
from ...domain.errors import DomainError, ErrorCode
from ...domain.orders import Order
from ...domain.ports import UnitOfWork
from ...domain.throttle import after_failure, retry_after
from ..context import Context
from ..transfers import for_orders
from . import steps

MAX_CODE_INPUT = 64


async def complete_pickup(ctx: Context, uow: UnitOfWork, *, location_id: int, code: str) -> Order:
    require_signed_in(ctx.principal)
    location = await uow.locations.get(location_id)
    order_access.check_works_at(ctx.principal, location.code if location else None)
    canonical = pickup.normalise(code[:MAX_CODE_INPUT])
    staff_key = pickup.staff_key(str(ctx.principal.staff_id or ctx.principal.subject))
    store_key = pickup.store_key(location_id)
    now, who = ctx.now(), order_access.actor(ctx.principal)

    async def hand_over(tx: UnitOfWork) -> Order | DomainError:
        """The completed order, or the refusal to give once this transaction committed."""
        states = await tx.throttles.lock([staff_key, store_key], now)
        wait = retry_after(states, now)
        if wait:
            return _locked_out(wait)
        order = await tx.orders.get_for_update_by_pickup_code(location_id, canonical) if canonical else None
        if (
            order is None
            and canonical
            and await tx.orders.handed_over_since(location_id, canonical, now - pickup.DOUBLE_SCAN_WINDOW)
        ):  # scanned twice (or by two clerks at once): not a guess
            return DomainError(ErrorCode.INVALID_TRANSITION, "This order has just been handed over.", ["pickupCode"])
        if order is None:
            await tx.throttles.save(
                {
                    staff_key: after_failure(states[staff_key], pickup.PER_STAFF, now),
                    store_key: after_failure(states[store_key], pickup.PER_STORE, now),
                }
            )
            return DomainError(ErrorCode.INVALID_PICKUP_CODE, "No open order has this pickup code.", ["pickupCode"])
        await for_orders.check_arrived(tx, order)
        sold = order.hand_over(location_id, now)  # a right code for an order not ready yet: refused, rolled back
        await steps.sell(tx, order, sold, actor=who, now=now)
        await tx.orders.save(order)
        tx.record(*order.events)
        return order.order

    outcome = await uow.atomic(hand_over)
    if isinstance(outcome, DomainError):
        raise outcome
    return outcome


def _locked_out(wait: int) -> DomainError:
    return DomainError(
        ErrorCode.TOO_MANY_ATTEMPTS,
        f"Too many wrong pickup codes: pickups are locked here for {wait} seconds. "
        "Ask the member to show the code again.",
        ["pickupCode"],
        retry_after=wait,
    )
