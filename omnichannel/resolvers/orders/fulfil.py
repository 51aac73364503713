"""Preparing a fulfilment at its store: start picking, mark ready for pickup, ship, confirm delivery.

Only the staff of the fulfilling location act on it (a courier or head office confirm delivery).
Shipping sells the held stock (on hand and reserved go down together, SALE movements); marking
ready tells the member at once (PickupReady). The order row is locked first: it guards its fulfilments.
"""

from __future__ import annotations

from ...domain import order_access
from ...domain.access import Role, require_signed_in
from ...domain.errors import AccessDenied, DomainError, ErrorCode
from ...domain.orders import Fulfillment, FulfillmentStatus
from ...domain.ports import UnitOfWork
from ..context import Context
from ..mutation import requires
from ..transfers import for_orders
from . import steps

F = FulfillmentStatus


async def start_picking(ctx: Context, uow: UnitOfWork, *, fulfillment_id: int) -> Fulfillment:
    return await _advance_at_callers_store(ctx, uow, fulfillment_id, F.PICKING)


async def mark_ready_for_pickup(ctx: Context, uow: UnitOfWork, *, fulfillment_id: int) -> Fulfillment:
    return await _advance_at_callers_store(ctx, uow, fulfillment_id, F.READY_FOR_PICKUP)


async def mark_shipped(ctx: Context, uow: UnitOfWork, *, fulfillment_id: int) -> Fulfillment:
    return await _advance_at_callers_store(ctx, uow, fulfillment_id, F.SHIPPED)


@requires(Role.SERVICE, Role.HQ_ADMIN)
async def confirm_delivery(ctx: Context, uow: UnitOfWork, *, fulfillment_id: int) -> Fulfillment:
    """The courier (SERVICE) or head office reports a shipped parcel delivered."""
    if await uow.orders.fulfillment(fulfillment_id) is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such fulfillment.", ["fulfillmentId"])
    return await _advance(ctx, uow, fulfillment_id, F.COMPLETED)


async def _advance_at_callers_store(
    ctx: Context, uow: UnitOfWork, fulfillment_id: int, wanted: FulfillmentStatus
) -> Fulfillment:
    require_signed_in(ctx.principal)
    fulfillment = await uow.orders.fulfillment(fulfillment_id)
    if fulfillment is None:
        raise AccessDenied()  # the same refusal as for another store's fulfilment
    location = await uow.locations.get(fulfillment.location_id)
    order_access.check_works_at(ctx.principal, location.code if location else None)
    return await _advance(ctx, uow, fulfillment_id, wanted)


async def _advance(ctx: Context, uow: UnitOfWork, fulfillment_id: int, wanted: FulfillmentStatus) -> Fulfillment:
    now, who = ctx.now(), order_access.actor(ctx.principal)

    async def advance(tx: UnitOfWork) -> Fulfillment:
        order_id = await tx.orders.order_of_fulfillment(fulfillment_id)
        assert order_id is not None
        order = await tx.orders.get_for_update(order_id)
        assert order is not None
        await for_orders.check_arrived(tx, order)  # a pickup by transfer waits for its stock
        sold = order.advance(fulfillment_id, wanted, now)
        await steps.sell(tx, order, sold, actor=who, now=now)
        await tx.orders.save(order)
        tx.record(*order.events)
        return next(f for f in order.fulfillments if f.id == fulfillment_id)

    return await uow.atomic(advance)
