"""Steps shared by the order use cases inside a unit of work: release or sell an order's held stock.

Each writes the level changes, their ledger movements and the StockChanged events in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..domain import orders as rules
from ..domain import reservations
from ..domain.events import OrderChanged, OrderEventKind
from ..domain.inventory import MovementReason
from ..domain.orders import Fulfillment, Order
from ..domain.reservations import Hold, lock_order
from ..persistence.uow import UnitOfWork


async def holds_of(uow: UnitOfWork, fulfillments: Sequence[Fulfillment]) -> list[Hold]:
    """What these fulfilments hold, in lock order."""
    holding = [f for f in fulfillments if f.holds_stock]
    if not holding:
        return []
    location_of = {f.id: f.location_id for f in holding}
    lines = await uow.orders.fulfillment_lines(list(location_of))
    return lock_order(Hold(location_of[line.fulfillment_id], line.variant_id, line.quantity) for line in lines)


async def release(uow: UnitOfWork, order: Order, holds: Sequence[Hold], actor: str, now: datetime) -> None:
    levels = await uow.reservations.release(holds)
    await uow.stock.add_movements(reservations.movements(MovementReason.RELEASE, holds, levels, order.number), actor)
    for event in reservations.stock_events(MovementReason.RELEASE, levels, now):
        uow.record(event)


async def sell(uow: UnitOfWork, order: Order, holds: Sequence[Hold], actor: str, now: datetime) -> None:
    levels = await uow.reservations.sell(holds)
    await uow.stock.add_movements(reservations.movements(MovementReason.SALE, holds, levels, order.number), actor)
    for event in reservations.stock_events(MovementReason.SALE, levels, now):
        uow.record(event)


def order_event(order: Order, fulfillments: Sequence[Fulfillment], kind: OrderEventKind, now: datetime) -> OrderChanged:
    """What the feeds of the stores that fulfil or took the order hear."""
    stores = {f.location_id for f in fulfillments}
    if order.placed_at_location_id is not None:
        stores.add(order.placed_at_location_id)
    return OrderChanged(order.id, kind.value, order.status.value, tuple(sorted(stores)), order.member_id, now)


async def expire(uow: UnitOfWork, order: Order, now: datetime) -> Order:
    """An unpaid order past its hold (row locked by the caller): EXPIRED, its stock released."""
    expired = rules.expire(order, now)
    fulfillments = await uow.orders.fulfillments(order.id)
    await release(uow, expired, await holds_of(uow, fulfillments), "system:expiry", now)
    cancelled = rules.cancel_fulfillments(fulfillments, now)
    await uow.orders.save_fulfillments(cancelled)
    await uow.orders.save(expired)
    uow.record(order_event(expired, cancelled, OrderEventKind.STATUS_CHANGED, now))
    return expired
