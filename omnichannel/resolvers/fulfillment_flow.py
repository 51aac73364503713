"""Preparing a fulfilment at its store: start picking, mark ready for pickup, ship, confirm delivery.

Only the staff of the fulfilling location act on it. Shipping sells the held stock (on hand and
reserved go down together, SALE movements); marking ready tells the member at once.
"""

from __future__ import annotations

from ..domain import order_access
from ..domain import orders as rules
from ..domain.access import Role, require_signed_in
from ..domain.errors import AccessDenied, DomainError, ErrorCode
from ..domain.events import OrderEventKind, PickupReady
from ..domain.locations import Location
from ..domain.orders import Fulfillment, FulfillmentStatus
from ..persistence.uow import UnitOfWork, transactional
from . import stock_holds
from .context import Context
from .publish import publish
from .results import Result

F = FulfillmentStatus


async def _fulfillment_at_callers_store(ctx: Context, fulfillment_id: int) -> Fulfillment:
    require_signed_in(ctx.principal)
    fulfillment: Fulfillment | None = await ctx.loaders.fulfillment.load(fulfillment_id)
    if fulfillment is None:
        raise AccessDenied()  # the same refusal as for another store's fulfilment
    location: Location | None = await ctx.loaders.location.load(fulfillment.location_id)
    order_access.check_works_at(ctx.principal, location.code if location else None)
    return fulfillment


async def start_picking(ctx: Context, *, fulfillment_id: int) -> Result[Fulfillment]:
    return await advance(ctx, fulfillment_id, F.PICKING)


async def mark_ready_for_pickup(ctx: Context, *, fulfillment_id: int) -> Result[Fulfillment]:
    return await advance(ctx, fulfillment_id, F.READY_FOR_PICKUP)


async def mark_shipped(ctx: Context, *, fulfillment_id: int) -> Result[Fulfillment]:
    return await advance(ctx, fulfillment_id, F.SHIPPED)


async def confirm_delivery(ctx: Context, *, fulfillment_id: int) -> Result[Fulfillment]:
    """The courier (SERVICE) or head office reports a shipped parcel delivered."""
    require_signed_in(ctx.principal)
    if ctx.principal.role not in (Role.SERVICE, Role.HQ_ADMIN):
        raise AccessDenied()
    if await ctx.loaders.fulfillment.load(fulfillment_id) is None:
        return Result.fail(DomainError(ErrorCode.NOT_FOUND, "No such fulfillment.", ["fulfillmentId"]))
    return await _move(ctx, fulfillment_id, F.COMPLETED)


async def advance(ctx: Context, fulfillment_id: int, wanted: FulfillmentStatus) -> Result[Fulfillment]:
    await _fulfillment_at_callers_store(ctx, fulfillment_id)
    return await _move(ctx, fulfillment_id, wanted)


async def _move(ctx: Context, fulfillment_id: int, wanted: FulfillmentStatus) -> Result[Fulfillment]:
    now = ctx.now()
    who = order_access.actor(ctx.principal)

    async def work(uow: UnitOfWork) -> Fulfillment:
        order_id = await uow.orders.order_of_fulfillment(fulfillment_id)
        assert order_id is not None
        order = await uow.orders.lock(order_id)  # the order's row lock guards its fulfilments
        assert order is not None
        fulfillments = await uow.orders.fulfillments(order_id)
        target = next(f for f in fulfillments if f.id == fulfillment_id)
        moved = rules.move_fulfillment(target, order, wanted, now)
        if wanted is F.SHIPPED:
            await stock_holds.sell(uow, order, await stock_holds.holds_of(uow, [target]), who, now)
        after = [moved if f.id == fulfillment_id else f for f in fulfillments]
        followed = rules.follow_fulfillments(order, after, now)
        await uow.orders.save_fulfillments([moved])
        if followed is not order:
            await uow.orders.save(followed)
        uow.record(stock_holds.order_event(followed, after, OrderEventKind.STATUS_CHANGED, now))
        if wanted is F.READY_FOR_PICKUP:
            uow.record(PickupReady(order.id, moved.id, moved.location_id, order.member_id, now))
        return moved

    try:
        result, events = await transactional(work)
    except DomainError as error:
        return Result.fail(error)
    await publish(ctx.broker, events)
    ctx.loaders.fulfillment.clear(fulfillment_id).prime(fulfillment_id, result)
    ctx.loaders.order.clear(result.order_id)
    ctx.loaders.fulfillments_of_order.clear(result.order_id)
    return Result.ok(result)
