"""Orders and their fulfilments: the one order state machine for every channel.

An order is PENDING_PAYMENT while its stock is held, CONFIRMED once paid, then follows its
fulfilments (PICKING, READY_FOR_PICKUP or SHIPPED, COMPLETED); CANCELLED and EXPIRED end it.
Every transition goes through this module; an illegal one is a DomainError (a userError).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from .catalog import SalesChannel
from .errors import DomainError, ErrorCode
from .geo import GeoPoint
from .locations import FulfillmentMode
from .money import Money


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    CONFIRMED = "CONFIRMED"
    PICKING = "PICKING"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    SHIPPED = "SHIPPED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"


class FulfillmentStatus(StrEnum):
    PENDING = "PENDING"
    PICKING = "PICKING"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    SHIPPED = "SHIPPED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


S, F = OrderStatus, FulfillmentStatus

ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.CONFIRMED, S.CANCELLED, S.EXPIRED}),
    S.CONFIRMED: frozenset({S.PICKING, S.READY_FOR_PICKUP, S.SHIPPED, S.COMPLETED, S.CANCELLED}),
    S.PICKING: frozenset({S.READY_FOR_PICKUP, S.SHIPPED, S.COMPLETED, S.CANCELLED}),
    S.READY_FOR_PICKUP: frozenset({S.COMPLETED, S.CANCELLED}),
    S.SHIPPED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}

FULFILLMENT_TRANSITIONS: dict[FulfillmentStatus, frozenset[FulfillmentStatus]] = {
    # a fulfilment can be marked ready (or shipped) straight from PENDING: picking is implied
    F.PENDING: frozenset({F.PICKING, F.READY_FOR_PICKUP, F.SHIPPED, F.CANCELLED}),
    F.PICKING: frozenset({F.READY_FOR_PICKUP, F.SHIPPED, F.CANCELLED}),
    F.READY_FOR_PICKUP: frozenset({F.COMPLETED, F.CANCELLED}),
    F.SHIPPED: frozenset({F.COMPLETED}),
    F.COMPLETED: frozenset(),
    F.CANCELLED: frozenset(),
}

OPEN_STATUSES = frozenset({S.PENDING_PAYMENT, S.CONFIRMED, S.PICKING, S.READY_FOR_PICKUP})
PAID_OPEN_STATUSES = frozenset({S.CONFIRMED, S.PICKING, S.READY_FOR_PICKUP})
FINAL_STATUSES = frozenset({S.COMPLETED, S.CANCELLED, S.EXPIRED})
# fulfilments whose stock is still reserved (not yet sold, not released)
HOLDING_STATUSES = frozenset({F.PENDING, F.PICKING, F.READY_FOR_PICKUP})


@dataclass(frozen=True, slots=True)
class Address:
    recipient: str
    phone: str
    line1: str
    city: str
    point: GeoPoint


@dataclass(frozen=True, slots=True)
class FulfillmentLine:
    fulfillment_id: int
    variant_id: int
    quantity: int
    unit_price: Money


@dataclass(frozen=True, slots=True)
class Fulfillment:
    id: int
    order_id: int
    location_id: int
    mode: FulfillmentMode
    status: FulfillmentStatus
    created_at: datetime
    updated_at: datetime
    ships_with_id: int | None = None

    @property
    def holds_stock(self) -> bool:
        return self.status in HOLDING_STATUSES


@dataclass(frozen=True, slots=True)
class Order:
    id: int
    number: str
    channel: SalesChannel
    status: OrderStatus
    mode: FulfillmentMode
    member_id: int | None
    placed_by: str
    placed_by_staff_id: int | None
    placed_at_location_id: int | None
    attributed_staff_id: int | None
    pickup_location_id: int | None
    subtotal: Money
    discount_total: Money
    total: Money
    points_redeemed: int
    points_earned: int
    reservation_expires_at: datetime | None
    pickup_code: str | None
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None = None
    cancelled_at: datetime | None = None
    completed_at: datetime | None = None
    cancel_reason: str | None = None
    shipping_address: Address | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def hold_is_over(self, now: datetime) -> bool:
        """An unpaid order whose hold has passed: it can only expire now, whoever sweeps."""
        return (
            self.status is S.PENDING_PAYMENT
            and self.reservation_expires_at is not None
            and now >= self.reservation_expires_at
        )


def hold_until(now: datetime, ttl_seconds: int) -> datetime:
    """When an unpaid order's stock is released: fixed once, when the order is placed."""
    return now + timedelta(seconds=ttl_seconds)


# ---- transitions --------------------------------------------------------------------------------


def _refuse_transition(what: str, current: StrEnum, wanted: StrEnum) -> DomainError:
    return DomainError(
        ErrorCode.INVALID_TRANSITION,
        f"The {what} is {current.value.replace('_', ' ').lower()}; it cannot become "
        f"{wanted.value.replace('_', ' ').lower()}.",
    )


def _check_order_move(order: Order, wanted: OrderStatus) -> None:
    if wanted is not order.status and wanted not in ORDER_TRANSITIONS[order.status]:
        raise _refuse_transition("order", order.status, wanted)


def pay(order: Order, amount: Decimal, now: datetime, pickup_code: str | None) -> Order:
    """A payment for the whole total: the order is confirmed and its stock no longer expires."""
    if order.status is S.EXPIRED or order.hold_is_over(now):
        raise DomainError(ErrorCode.ORDER_EXPIRED, "The order's hold has expired; it can no longer be paid.")
    if order.status is S.CANCELLED:
        raise DomainError(ErrorCode.ORDER_CANCELLED, "The order was cancelled; it can no longer be paid.")
    if order.status is not S.PENDING_PAYMENT:
        raise DomainError(ErrorCode.ORDER_ALREADY_PAID, "The order is already paid.")
    if amount != order.total.amount:
        raise DomainError(
            ErrorCode.AMOUNT_MISMATCH,
            f"The amount {amount} does not equal the order total {order.total.amount}.",
            ["amount"],
        )
    return dataclasses.replace(
        order,
        status=S.CONFIRMED,
        reservation_expires_at=None,
        pickup_code=pickup_code if order.mode is FulfillmentMode.PICKUP else None,
        paid_at=now,
        updated_at=now,
    )


def expire(order: Order, now: datetime) -> Order:
    if not order.hold_is_over(now):
        raise _refuse_transition("order", order.status, S.EXPIRED)
    return dataclasses.replace(order, status=S.EXPIRED, updated_at=now)


class Canceller(StrEnum):
    MEMBER = "MEMBER"  # the ordering member: only before picking starts
    STORE = "STORE"  # staff of a fulfilling store
    HEAD_OFFICE = "HEAD_OFFICE"


MEMBER_CANCELLABLE = frozenset({S.PENDING_PAYMENT, S.CONFIRMED})
STAFF_CANCELLABLE = frozenset({S.PENDING_PAYMENT, S.CONFIRMED, S.PICKING, S.READY_FOR_PICKUP})
MAX_REASON = 200


def cancel(
    order: Order, fulfillments: Sequence[Fulfillment], by: Canceller, now: datetime, reason: str | None
) -> Order:
    """Cancel an open order: members before picking starts, stores and head office until it leaves."""
    allowed = MEMBER_CANCELLABLE if by is Canceller.MEMBER else STAFF_CANCELLABLE
    if any(f.status in (F.SHIPPED, F.COMPLETED) for f in fulfillments):
        raise DomainError(ErrorCode.ORDER_NOT_CANCELLABLE, "Part of this order has already left the store.")
    if order.status not in allowed:
        if by is Canceller.MEMBER and order.status in STAFF_CANCELLABLE:
            message = "The store has started preparing this order; ask the store to cancel it."
        else:
            message = f"The order is {order.status.value.replace('_', ' ').lower()}; it can no longer be cancelled."
        raise DomainError(ErrorCode.ORDER_NOT_CANCELLABLE, message)
    cleaned = (reason or "").strip() or None
    if cleaned is not None and len(cleaned) > MAX_REASON:
        raise DomainError(ErrorCode.INVALID_INPUT, f"A reason is at most {MAX_REASON} characters.", ["reason"])
    return dataclasses.replace(order, status=S.CANCELLED, cancelled_at=now, updated_at=now, cancel_reason=cleaned)


def closed_order(order: Order) -> DomainError:
    """The refusal for acting on an order that has ended."""
    code = ErrorCode.ORDER_EXPIRED if order.status is S.EXPIRED else ErrorCode.ORDER_CANCELLED
    return DomainError(code, f"The order is {order.status.value.lower()}.")


def move_fulfillment(fulfillment: Fulfillment, order: Order, wanted: FulfillmentStatus, now: datetime) -> Fulfillment:
    """Advance a fulfilment (picking, ready, shipped, completed); the order must be paid and open."""
    if order.status in (S.CANCELLED, S.EXPIRED):
        raise closed_order(order)
    if wanted is F.CANCELLED:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "Fulfilments are cancelled with their order (cancelOrder).")
    if order.status is S.PENDING_PAYMENT:
        raise DomainError(ErrorCode.ORDER_NOT_PAID, "The order is not paid yet; it cannot be prepared.")
    if wanted is F.READY_FOR_PICKUP and fulfillment.mode is not FulfillmentMode.PICKUP:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "Only pickup orders are made ready for pickup.")
    if wanted is F.SHIPPED and fulfillment.mode is FulfillmentMode.PICKUP:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "Pickup orders are collected, not shipped.")
    if wanted not in FULFILLMENT_TRANSITIONS[fulfillment.status]:
        raise _refuse_transition("fulfillment", fulfillment.status, wanted)
    return dataclasses.replace(fulfillment, status=wanted, updated_at=now)


def hand_over_at_till(fulfillment: Fulfillment, order: Order, now: datetime) -> Fulfillment:
    """A till sale's fulfilment: the customer took the goods at the counter when they paid."""
    if order.channel is not SalesChannel.STORE_POS or order.paid_at is None or fulfillment.status is not F.PENDING:
        raise _refuse_transition("fulfillment", fulfillment.status, F.COMPLETED)
    return dataclasses.replace(fulfillment, status=F.COMPLETED, updated_at=now)


def cancel_fulfillments(fulfillments: Sequence[Fulfillment], now: datetime) -> list[Fulfillment]:
    """Every fulfilment that has not left the building is cancelled with its order."""
    return [
        dataclasses.replace(f, status=F.CANCELLED, updated_at=now) if f.status in HOLDING_STATUSES else f
        for f in fulfillments
    ]


def status_from(fulfillments: Sequence[Fulfillment]) -> OrderStatus:
    """A paid order's status follows its fulfilments (the least advanced one sets the pace)."""
    active = [f.status for f in fulfillments if f.status is not F.CANCELLED]
    if not active:
        return S.CANCELLED
    if all(s is F.COMPLETED for s in active):
        return S.COMPLETED
    if all(s in (F.SHIPPED, F.COMPLETED) for s in active):
        return S.SHIPPED
    if all(s in (F.READY_FOR_PICKUP, F.COMPLETED) for s in active):
        return S.READY_FOR_PICKUP
    if all(s is F.PENDING for s in active):
        return S.CONFIRMED
    return S.PICKING


def follow_fulfillments(order: Order, fulfillments: Sequence[Fulfillment], now: datetime) -> Order:
    """The order after one of its fulfilments moved."""
    wanted = status_from(fulfillments)
    _check_order_move(order, wanted)
    if wanted is order.status:
        return order
    completed_at = now if wanted is S.COMPLETED else order.completed_at
    return dataclasses.replace(order, status=wanted, updated_at=now, completed_at=completed_at)


def order_number(order_id: int) -> str:
    """The number members know an order by (the database assigns it the same way: SO + 8 digits)."""
    return f"SO{order_id:08d}"
