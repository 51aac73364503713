"""The dashboards' rollups kept as business happens: in-transaction handlers (in_transaction.py).

- OrderPaid: the order's figures by fulfilling location (sales), its credit split (domain.credit),
  its coupons, on its payment day - once per order (a repeated fact writes nothing);
- OrderCancelled after payment: exactly what the payment added (less nothing: refunds too) is taken
  back from its payment day; and every cancelled or expired order counts for its locations on the
  day it was cancelled or expired;
- RefundSucceeded: what the order's refunds gave back, and its credit recomputed on what is left;
- PickupReady / a pickup handed over: a wait time into the histograms of its payment day.
"""

from __future__ import annotations

from decimal import Decimal

from ..domain import report_rollups as rollups
from ..domain.events import (
    FulfillmentAdvanced,
    OrderCancelled,
    OrderEvent,
    OrderExpired,
    OrderPaid,
    PickupReady,
    RefundSucceeded,
)
from ..domain.locations import FulfillmentMode
from ..domain.orders import FulfillmentStatus
from ..domain.ports import UnitOfWork
from ..domain.reports import chain_day, minutes_between, wait_bucket

READY, COLLECT = "READY", "COLLECT"


def _locations(event: OrderEvent, lines_locations: list[int]) -> list[int]:
    """Where an order is fulfilled; an order with no fulfilment line counts at the store that took it
    (or where it is to be collected)."""
    found = sorted(set(lines_locations))
    if found:
        return found
    fallback = event.placed_at_location_id or (event.location_ids[0] if event.location_ids else None)
    return [fallback] if fallback is not None else []


async def order_paid(uow: UnitOfWork, event: OrderPaid, *, store_share: Decimal) -> None:
    locations = _locations(event, [line.location_id for line in event.lines])
    if not locations:
        return  # an order with no place at all cannot be reported by store; none exist
    facts = await uow.reports.paid_order_facts(event.order_id, locations)
    if facts is None:
        return
    order = rollups.paid_order(
        order_id=event.order_id,
        paid_at=event.at,
        channel=event.channel,
        mode=event.mode,
        lines=[(line.location_id, line.variant_id, line.quantity, line.unit_price) for line in event.lines],
        fallback_location_id=locations[0],
        selling_store_id=event.placed_at_location_id,
        amount=event.amount,
        discount=event.discount_total,
        facts=facts,
        store_share=store_share,
    )
    if await uow.reports.open_paid_order(order):
        await uow.reports.apply(rollups.payment_delta(order), order_id=order.order_id)


async def order_cancelled(uow: UnitOfWork, event: OrderCancelled) -> None:
    order = await uow.reports.paid_order_for_update(event.order_id)
    if order is not None and not order.cancelled:
        await uow.reports.apply(rollups.cancellation_delta(order), order_id=order.order_id)
        await uow.reports.save_paid_order(rollups.as_cancelled(order))
    locations = _locations(event, [line.location_id for line in event.lines])
    await uow.reports.count_closed(chain_day(event.at), locations, expired=False)


async def order_expired(uow: UnitOfWork, event: OrderExpired) -> None:
    locations = _locations(event, [line.location_id for line in event.lines])
    await uow.reports.count_closed(chain_day(event.at), locations, expired=True)


async def refund_succeeded(uow: UnitOfWork, event: RefundSucceeded) -> None:
    order = await uow.reports.paid_order_for_update(event.order_id)
    if order is None or order.cancelled:
        return
    by_variant = {v.variant_id: v.amount for v in event.refunded_by_variant}
    changed, delta = rollups.after_refunds(order, event.refunded_total, by_variant)
    if changed != order:
        await uow.reports.apply(delta, order_id=order.order_id)
        await uow.reports.save_paid_order(changed)


async def pickup_ready(uow: UnitOfWork, event: PickupReady) -> None:
    paid = await uow.reports.pickup_ready(
        order_id=event.order_id, fulfillment_id=event.fulfillment_id, location_id=event.location_id, at=event.at
    )
    if paid is not None:
        day, paid_at = paid
        await uow.reports.add_wait(day, event.location_id, READY, wait_bucket(minutes_between(paid_at, event.at)))


async def pickup_collected(uow: UnitOfWork, event: FulfillmentAdvanced) -> None:
    if (
        event.mode is not FulfillmentMode.PICKUP
        or event.fulfillment_status is not FulfillmentStatus.COMPLETED
        or event.previous_status is not FulfillmentStatus.READY_FOR_PICKUP
    ):
        return
    noted = await uow.reports.pickup_collected(event.fulfillment_id, event.at)
    if noted is not None:
        day, location_id, ready_at = noted
        await uow.reports.add_wait(day, location_id, COLLECT, wait_bucket(minutes_between(ready_at, event.at)))
