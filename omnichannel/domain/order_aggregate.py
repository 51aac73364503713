"""An order as one consistency boundary: its row, its fulfilments and their lines, changed only here.

Every change of an existing order goes through one method of `OrderAggregate`, which applies the
rule of domain.orders and records the facts of the change (domain.events) in `events`; the use case
loads the aggregate (uow.orders.get_for_update: the order row is locked before anything else, the
lock order every order change follows), calls one method, saves it and commits. Methods that free or
sell held stock return those holds (in lock order): the stock rows are the stock repository's, and
domain.reservations.moved turns what it did to them into ledger entries and StockChanged facts.

`placed_facts` are the facts of a new order (placing has no aggregate to load: it is written whole).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TypedDict

from . import order_repricing, reservations
from . import orders as rules
from .catalog import SalesChannel
from .events import (
    DomainEvent,
    EventLine,
    FulfillmentAdvanced,
    OrderCancelled,
    OrderCompleted,
    OrderEvent,
    OrderExpired,
    OrderPaid,
    OrderPlaced,
    OrderRepriced,
    PickupReady,
)
from .inventory import MovementReason, StockLevel
from .locations import FulfillmentMode
from .order_requests import OrderDraft
from .orders import Canceller, Fulfillment, FulfillmentLine, FulfillmentStatus, Order, OrderStatus
from .pricing import PricedCart
from .reservations import Hold, lock_order


class _Facts(TypedDict):
    """The fields every OrderEvent carries."""

    order_id: int
    number: str
    channel: SalesChannel
    mode: FulfillmentMode
    status: OrderStatus
    member_id: int | None
    placed_at_location_id: int | None
    attributed_staff_id: int | None
    location_ids: tuple[int, ...]
    at: datetime


def _facts(order: Order, fulfillments: Iterable[Fulfillment], at: datetime) -> _Facts:
    locations = {f.location_id for f in fulfillments}
    if order.placed_at_location_id is not None:
        locations.add(order.placed_at_location_id)
    return _Facts(
        order_id=order.id,
        number=order.number,
        channel=order.channel,
        mode=order.mode,
        status=order.status,
        member_id=order.member_id,
        placed_at_location_id=order.placed_at_location_id,
        attributed_staff_id=order.attributed_staff_id,
        location_ids=tuple(sorted(locations)),
        at=at,
    )


def facts_of(order: Order, fulfillments: Iterable[Fulfillment], at: datetime) -> _Facts:
    """What every fact about this order carries, for facts recorded beside the aggregate (refunds)."""
    return _facts(order, fulfillments, at)


def placed_facts(
    draft: OrderDraft,
    order: Order,
    fulfillments: Sequence[Fulfillment],
    levels_after: Sequence[StockLevel],
    holds: Sequence[Hold] | None = None,
) -> list[DomainEvent]:
    """What placing the order recorded: its holds reserved (levels_after[i] is the row of holds[i],
    by default draft.holds[i], after it), then the order itself."""
    moves = reservations.moved(
        MovementReason.RESERVATION,
        draft.holds if holds is None else holds,
        levels_after,
        reference=order.number,
        at=draft.created_at,
    )
    return [*moves.events, placed(draft, order, fulfillments)]


def placed(draft: OrderDraft, order: Order, fulfillments: Sequence[Fulfillment]) -> OrderPlaced:
    """The fact of a new order just written from its draft."""
    pricing = draft.pricing
    coupons = tuple(d.coupon_id for d in pricing.discounts if d.coupon_id is not None) if pricing else ()
    return OrderPlaced(
        **_facts(order, fulfillments, draft.created_at),
        lines=tuple(
            EventLine(s.location_id, line.variant_id, line.quantity, line.unit_price.amount)
            for s in draft.shipments
            for line in s.lines
        ),
        subtotal=order.subtotal.amount,
        discount_total=order.discount_total.amount,
        total=order.total.amount,
        currency=order.total.currency,
        points_redeemed=order.points_redeemed,
        coupon_ids=coupons,
        placed_by_staff_id=order.placed_by_staff_id,
        pickup_location_id=order.pickup_location_id,
        reservation_expires_at=order.reservation_expires_at,
    )


class OrderAggregate:
    """An existing order with its fulfilments and their lines; `events` holds what its changes recorded."""

    __slots__ = ("_loaded", "_moved", "events", "fulfillments", "lines", "order")

    def __init__(self, order: Order, fulfillments: Sequence[Fulfillment], lines: Sequence[FulfillmentLine]) -> None:
        self.order = order
        self.fulfillments = list(fulfillments)
        self.lines = list(lines)
        self.events: list[OrderEvent] = []
        self._loaded = order
        self._moved: set[int] = set()

    @property
    def order_changed(self) -> bool:
        return self.order is not self._loaded

    @property
    def changed_fulfillments(self) -> list[Fulfillment]:
        return [f for f in self.fulfillments if f.id in self._moved]

    def holds(self, fulfillments: Iterable[Fulfillment] | None = None) -> list[Hold]:
        """What these fulfilments (default: all) still hold, in lock order."""
        chosen = self.fulfillments if fulfillments is None else fulfillments
        location_of = {f.id: f.location_id for f in chosen if f.holds_stock}
        return lock_order(
            Hold(location_of[line.fulfillment_id], line.variant_id, line.quantity)
            for line in self.lines
            if line.fulfillment_id in location_of
        )

    # ---- decisions: each applies one rule and records its facts ------------------------------------

    def pay(self, *, amount: Decimal, reference: str, now: datetime, pickup_code: str | None) -> None:
        """The whole total is paid: CONFIRMED, the hold no longer expires, a pickup order gets its code."""
        self.order = rules.pay(self.order, amount, now, pickup_code)
        order = self.order
        self.events.append(
            OrderPaid(
                **self._facts(now),
                lines=self._lines(),
                subtotal=order.subtotal.amount,
                discount_total=order.discount_total.amount,
                total=order.total.amount,
                amount=amount,
                currency=order.total.currency,
                reference=reference,
            )
        )

    def sell_at_till(self, *, reference: str, now: datetime) -> None:
        """A till sale: paid in full and handed over at the counter at once (COMPLETED). Its units
        left the shelf when it was written (no hold to sell here)."""
        self.pay(amount=self.order.total.amount, reference=reference, now=now, pickup_code=None)
        before = self.fulfillments
        self.fulfillments = [rules.hand_over_at_till(f, self.order, now) for f in before]
        self._moved.update(f.id for f in self.fulfillments)
        self.order = rules.follow_fulfillments(self.order, self.fulfillments, now)
        for previous, handed in zip(before, self.fulfillments, strict=True):
            self.events.append(
                FulfillmentAdvanced(
                    **self._facts(now),
                    fulfillment_id=handed.id,
                    fulfillment_location_id=handed.location_id,
                    fulfillment_status=handed.status,
                    previous_status=previous.status,
                    lines=self._lines([handed]),
                )
            )
        self.events.append(
            OrderCompleted(
                **self._facts(now),
                lines=self._lines(),
                total=self.order.total.amount,
                currency=self.order.total.currency,
            )
        )

    def cancel(self, *, by: Canceller, now: datetime, reason: str | None) -> list[Hold]:
        """Cancelled before anything left: returns the holds to release."""
        was_paid = self.order.paid_at is not None
        self.order = rules.cancel(self.order, self.fulfillments, by, now, reason)
        released = self._close_fulfillments(now)
        order = self.order
        self.events.append(
            OrderCancelled(
                **self._facts(now),
                lines=self._lines(),
                total=order.total.amount,
                amount_paid=order.total.amount if was_paid else Decimal("0.00"),
                currency=order.total.currency,
                cancelled_by=by,
                reason=order.cancel_reason,
            )
        )
        return released

    def expire(self, now: datetime) -> list[Hold]:
        """Unpaid past its hold: EXPIRED; returns the holds to release."""
        self.order = rules.expire(self.order, now)
        released = self._close_fulfillments(now)
        self.events.append(
            OrderExpired(
                **self._facts(now),
                lines=self._lines(),
                total=self.order.total.amount,
                currency=self.order.total.currency,
            )
        )
        return released

    def advance(self, fulfillment_id: int, wanted: FulfillmentStatus, now: datetime) -> list[Hold]:
        """A fulfilment moves on and the order follows; returns the holds sold by the move (shipping,
        handing over)."""
        target = next(f for f in self.fulfillments if f.id == fulfillment_id)
        moved = rules.move_fulfillment(target, self.order, wanted, now)
        sold = self.holds([target]) if not moved.holds_stock else []
        self.fulfillments = [moved if f.id == fulfillment_id else f for f in self.fulfillments]
        self._moved.add(fulfillment_id)
        was_completed = self.order.status is OrderStatus.COMPLETED
        self.order = rules.follow_fulfillments(self.order, self.fulfillments, now)
        self.events.append(
            FulfillmentAdvanced(
                **self._facts(now),
                fulfillment_id=moved.id,
                fulfillment_location_id=moved.location_id,
                fulfillment_status=moved.status,
                previous_status=target.status,
                lines=self._lines([moved]),
            )
        )
        if wanted is FulfillmentStatus.READY_FOR_PICKUP:
            self.events.append(PickupReady(**self._facts(now), fulfillment_id=moved.id, location_id=moved.location_id))
        if self.order.status is OrderStatus.COMPLETED and not was_completed:
            self.events.append(
                OrderCompleted(
                    **self._facts(now),
                    lines=self._lines(),
                    total=self.order.total.amount,
                    currency=self.order.total.currency,
                )
            )
        return sold

    def hand_over(self, location_id: int, now: datetime) -> list[Hold]:
        """The member collects the order at this store (completePickup); returns the holds sold."""
        target = next(f for f in self.fulfillments if f.mode is FulfillmentMode.PICKUP and f.location_id == location_id)
        return self.advance(target.id, FulfillmentStatus.COMPLETED, now)

    def reprice(self, priced: PricedCart, *, coupon_id: int, now: datetime) -> None:
        """A coupon redeemed at the till: the order costs what `priced` says now."""
        self.order = order_repricing.repriced(self.order, priced, now)
        self.events.append(
            OrderRepriced(
                **self._facts(now),
                coupon_id=coupon_id,
                discount_total=self.order.discount_total.amount,
                total=self.order.total.amount,
                currency=self.order.total.currency,
            )
        )

    # ---- helpers -------------------------------------------------------------------------------------

    def _close_fulfillments(self, now: datetime) -> list[Hold]:
        released = self.holds()
        closed = rules.cancel_fulfillments(self.fulfillments, now)
        self._moved.update(after.id for before, after in zip(self.fulfillments, closed, strict=True) if after != before)
        self.fulfillments = closed
        return released

    def _facts(self, now: datetime) -> _Facts:
        return _facts(self.order, self.fulfillments, now)

    def _lines(self, fulfillments: Iterable[Fulfillment] | None = None) -> tuple[EventLine, ...]:
        chosen = self.fulfillments if fulfillments is None else fulfillments
        location_of = {f.id: f.location_id for f in chosen}
        return tuple(
            EventLine(location_of[line.fulfillment_id], line.variant_id, line.quantity, line.unit_price.amount)
            for line in self.lines
            if line.fulfillment_id in location_of
        )
