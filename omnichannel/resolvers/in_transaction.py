"""In-transaction event handlers: work that must commit or roll back with the change that caused it.

A use case records the facts of its change (domain.events) on its unit of work; before COMMIT the
unit of work runs every handler registered here for those facts' types (a handler registered for a
base class, e.g. OrderEvent or DomainEvent, hears every subclass), in registration order, on the
same transaction. A handler that raises rolls the whole change back (a DomainError becomes the
mutation's userError). Facts a handler records are handled in turn and published with the rest.

A handler is `async def handler(uow: UnitOfWork, event: TheEvent) -> None`; settings it needs are
bound here (app.py calls handlers_for with them). To add one, write it in your area's module and add
one line:

    async def add_to_sales_rollup(uow: UnitOfWork, event: OrderPaid) -> None:   # resolvers/reports.py
        await uow.sales.add(event.channel, event.placed_at_location_id, event.total, event.at)

    registry.add(OrderPaid, reports.add_to_sales_rollup)                           # below

Handlers run wherever the fact is recorded: a mutation, the expiry sweeper, a job. Keep them
short (they hold the change's row locks) and idempotent where the fact can repeat. Note: placing a
one-line order without an idempotency key is a single SQL statement with no transaction around it;
registering a handler for OrderPlaced or StockChanged sends every order through the transactional
path instead (see resolvers/orders/place.py for its measured cost) - unless it is added
`quiet_above_safety_stock` (nothing to do for a reservation that leaves its level above its safety
stock, like the low-stock alerts): the one statement reserves only while that holds.

The last handler (`add_last`) is the durable event log's writer (resolvers/events/outbox.py): it
gets all the facts of the change at once. It does not count as a handler of OrderPlaced: the
one-statement placement writes its log entries in its own statement.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from ..domain.credit import DEFAULT_STORE_SHARE
from ..domain.events import (
    FulfillmentAdvanced,
    OrderCancelled,
    OrderExpired,
    OrderPaid,
    PickupReady,
    RefundSucceeded,
    StockChanged,
)
from ..domain.loyalty import LoyaltyRules
from ..domain.ports import EventHandlers
from . import floor_bookkeeping, loyalty, report_rollups, sales_history, stock_alerts
from .events import outbox


def handlers_for(
    *,
    loyalty_rules: LoyaltyRules,
    store_credit_share: Decimal = DEFAULT_STORE_SHARE,
    books: bool = True,
    with_report_rollups: bool = True,
) -> EventHandlers:
    """Every in-transaction handler of this process, bound to its settings (app.py passes them to Services).

    books=False leaves out the store floor's books (the baseline of bench.floor.books, never served);
    with_report_rollups=False leaves the dashboards' rollups out (only bench/reports does, to measure
    their cost)."""
    registry = EventHandlers()
    registry.add(OrderPaid, partial(loyalty.earn_points, rules=loyalty_rules))
    registry.add(OrderCancelled, partial(loyalty.give_back, rules=loyalty_rules))
    registry.add(OrderExpired, partial(loyalty.give_back, rules=loyalty_rules))
    if books:  # the store floor's books: credit split, commission, recommendation aggregates
        registry.add(OrderPaid, partial(floor_bookkeeping.book_payment, store_share=store_credit_share))
        registry.add(OrderCancelled, floor_bookkeeping.book_cancellation)
        registry.add(RefundSucceeded, floor_bookkeeping.book_refund)
    # low-stock alerts, whatever moved the stock (quiet above the safety stock: the one-statement
    # placement stays available for the reservations that leave a level above it)
    registry.add(StockChanged, stock_alerts.watch_level, quiet_above_safety_stock=True)
    registry.add(FulfillmentAdvanced, sales_history.count_sales)  # units sold per level and day, as they leave
    if with_report_rollups:  # the dashboards' rollups (after loyalty: a coupon given back is back when they count)
        _add_report_rollups(registry, store_credit_share)
    registry.add_last(outbox.append)  # last: the durable event log gets every fact, handlers' too
    return registry


def _add_report_rollups(registry: EventHandlers, store_credit_share: Decimal) -> None:
    registry.add(OrderPaid, partial(report_rollups.order_paid, store_share=store_credit_share))
    registry.add(OrderCancelled, report_rollups.order_cancelled)
    registry.add(OrderExpired, report_rollups.order_expired)
    registry.add(RefundSucceeded, report_rollups.refund_succeeded)
    registry.add(PickupReady, report_rollups.pickup_ready)
    registry.add(FulfillmentAdvanced, report_rollups.pickup_collected)
