"""completePickup: the clerk types or scans the member's code and hands the order over.

One transaction: lock the clerk's and the store's failure counters (so concurrent guesses queue and
every one is counted), refuse while either is locked out, find the open order by its code, then
either count a wrong code or complete the order and sell its stock (SALE movements).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import order_access, pickup
from ..domain import orders as rules
from ..domain.access import require_signed_in
from ..domain.errors import DomainError, ErrorCode
from ..domain.events import OrderEventKind
from ..domain.locations import FulfillmentMode, Location
from ..domain.orders import FulfillmentStatus, Order
from ..domain.throttle import after_failure, retry_after
from ..persistence.repositories.throttle import ThrottleStore
from ..persistence.uow import UnitOfWork, transactional
from . import stock_holds
from .context import Context
from .publish import publish
from .results import Result

MAX_CODE_INPUT = 64


@dataclass(frozen=True, slots=True)
class _Outcome:
    order: Order | None
    refusal: DomainError | None


async def complete_pickup(ctx: Context, *, location_id: int, code: str) -> Result[Order]:
    require_signed_in(ctx.principal)
    location: Location | None = await ctx.loaders.location.load(location_id)
    order_access.check_works_at(ctx.principal, location.code if location else None)
    assert location is not None
    canonical = pickup.normalise(code[:MAX_CODE_INPUT])
    staff_key = pickup.staff_key(str(ctx.principal.staff_id or ctx.principal.subject))
    store_key = pickup.store_key(location_id)
    now = ctx.now()
    who = order_access.actor(ctx.principal)

    async def work(uow: UnitOfWork) -> _Outcome:
        throttles = ThrottleStore(uow.conn)
        states = await throttles.lock([staff_key, store_key], now)
        wait = retry_after(states, now)
        if wait:
            return _Outcome(None, _locked_out(wait))
        order = await uow.orders.lock_by_pickup_code(location_id, canonical) if canonical else None
        if (
            order is None
            and canonical
            and await uow.orders.handed_over_since(location_id, canonical, now - pickup.DOUBLE_SCAN_WINDOW)
        ):  # scanned twice (or by two clerks at once): not a guess
            return _Outcome(
                None, DomainError(ErrorCode.INVALID_TRANSITION, "This order has just been handed over.", ["pickupCode"])
            )
        if order is None:
            await throttles.save(
                {
                    staff_key: after_failure(states[staff_key], pickup.PER_STAFF, now),
                    store_key: after_failure(states[store_key], pickup.PER_STORE, now),
                }
            )
            return _Outcome(
                None, DomainError(ErrorCode.INVALID_PICKUP_CODE, "No open order has this pickup code.", ["pickupCode"])
            )
        fulfillments = await uow.orders.fulfillments(order.id)
        target = next(f for f in fulfillments if f.mode is FulfillmentMode.PICKUP and f.location_id == location_id)
        handed_over = rules.move_fulfillment(target, order, FulfillmentStatus.COMPLETED, now)
        await stock_holds.sell(uow, order, await stock_holds.holds_of(uow, [target]), who, now)
        after = [handed_over if f.id == target.id else f for f in fulfillments]
        completed = rules.follow_fulfillments(order, after, now)
        await uow.orders.save_fulfillments([handed_over])
        await uow.orders.save(completed)
        uow.record(stock_holds.order_event(completed, after, OrderEventKind.STATUS_CHANGED, now))
        return _Outcome(completed, None)

    try:
        outcome, events = await transactional(work)
    except DomainError as error:  # a right code for an order that is not ready yet
        return Result.fail(error)
    await publish(ctx.broker, events)
    if outcome.refusal is not None:
        return Result.fail(outcome.refusal)
    assert outcome.order is not None
    ctx.loaders.order.clear(outcome.order.id).prime(outcome.order.id, outcome.order)
    ctx.loaders.fulfillments_of_order.clear(outcome.order.id)
    return Result.ok(outcome.order)


def _locked_out(wait: int) -> DomainError:
    return DomainError(
        ErrorCode.TOO_MANY_ATTEMPTS,
        f"Too many wrong pickup codes: pickups are locked here for {wait} seconds. "
        "Ask the member to show the code again.",
        ["pickupCode"],
        retry_after=wait,
    )
