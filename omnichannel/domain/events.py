"""Domain events: the business facts a change recorded, named as facts (OrderPlaced, OrderPaid ...).

The domain records them as it decides (domain.order_aggregate, domain.reservations); a use case
never builds one. They travel three ways, always after the decision and never before its commit:
- in the same transaction, to the in-transaction handlers registered for their type
  (resolvers/in_transaction.py: loyalty on payment and cancellation, sales rollups, commission,
  stock aggregates); a handler's writes commit or roll back with the change; the durable event log
  (domain.event_log says which facts it keeps) is written by the unit of work before COMMIT too;
- after COMMIT, to the live feeds through the broker (subscriptions/topics.py says which topic
  hears which fact; subscriptions/codec.py writes them as JSON: Decimal as a string, enums as
  their value, datetimes in ISO 8601);
- to whoever reads the unit of work's `committed` list (tests, jobs).

Every fact about an order (`OrderEvent`) carries what consumers need without reading the order:
its id and number, member, channel, mode, status after the change, the store that took it and the
clerk credited with it, every location involved, and the moment. Money is Decimal to the cent.
Fields are keyword-only: add new ones with a default so older messages still decode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from .catalog import SalesChannel
from .inventory import StockLevel, StockMovement
from .locations import FulfillmentMode
from .orders import Canceller, FulfillmentStatus, OrderStatus


class DomainEvent:
    """The base of every event (in-transaction handlers may be registered for a base class)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class StockChanged(DomainEvent):
    """One stock row changed: its levels after the change, and the change itself."""

    location_id: int
    variant_id: int
    on_hand: int
    reserved: int
    safety_stock: int
    reason: str  # domain.inventory.MovementReason value
    at: datetime
    on_hand_delta: int = 0
    reserved_delta: int = 0
    reference: str | None = None  # the order number when an order moved it

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.reserved - self.safety_stock)


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogueChanged(DomainEvent):
    """Head office or the ERP changed what the catalogue shows: products, variants, categories or
    prices (readers of cached catalogue answers drop them)."""

    what: str  # PRODUCT, VARIANT, CATEGORY, PRICE or SYNC
    ids: tuple[int, ...] = ()
    at: datetime


def stock_changes(
    entries: Sequence[StockMovement], levels_after: Sequence[StockLevel], at: datetime
) -> list[StockChanged]:
    """One StockChanged per ledger entry, with its row's levels after it (levels_after[i] is entries[i]'s)."""
    return [
        StockChanged(
            level.location_id,
            level.variant_id,
            level.on_hand,
            level.reserved,
            level.safety_stock,
            entry.reason.value,
            at,
            on_hand_delta=entry.on_hand_delta,
            reserved_delta=entry.reserved_delta,
            reference=entry.reference,
        )
        for entry, level in zip(entries, levels_after, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class LowStockRaised(DomainEvent):
    """A level fell to its safety stock or below and had no open alert (domain.stock_alerts): one is open now."""

    alert_id: int
    location_id: int
    variant_id: int
    on_hand: int
    reserved: int
    safety_stock: int
    at: datetime


class OrderEventKind(StrEnum):
    """What a store's live order feed says happened (StoreOrderEvent.kind)."""

    CREATED = "CREATED"
    PAID = "PAID"
    STATUS_CHANGED = "STATUS_CHANGED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class EventLine:
    """A variant and quantity of an order, the location it is fulfilled from, and its unit price."""

    location_id: int
    variant_id: int
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderEvent(DomainEvent):
    """What every fact about an order carries."""

    order_id: int
    number: str
    channel: SalesChannel
    mode: FulfillmentMode
    status: OrderStatus  # the order's status right after the change
    member_id: int | None
    placed_at_location_id: int | None  # the store whose till or clerk pad took the order
    attributed_staff_id: int | None  # the clerk credited with a clerk-pad order
    location_ids: tuple[int, ...]  # every location that fulfils the order or took it (their feeds hear it)
    at: datetime

    # what the store feeds say; None: the feeds do not hear this fact (another fact of the same change does)
    feed: ClassVar[OrderEventKind | None] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPlaced(OrderEvent):
    """A new order holds its stock until it is paid or `reservation_expires_at`."""

    feed: ClassVar[OrderEventKind | None] = OrderEventKind.CREATED
    lines: tuple[EventLine, ...]
    subtotal: Decimal
    discount_total: Decimal
    total: Decimal
    currency: str
    points_redeemed: int
    coupon_ids: tuple[int, ...]
    placed_by_staff_id: int | None
    pickup_location_id: int | None
    reservation_expires_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderPaid(OrderEvent):
    """The whole total was paid (`amount` equals `total`; 0 for an order coupons made free)."""

    feed: ClassVar[OrderEventKind | None] = OrderEventKind.PAID
    lines: tuple[EventLine, ...]
    subtotal: Decimal
    discount_total: Decimal
    total: Decimal
    amount: Decimal
    currency: str
    reference: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCancelled(OrderEvent):
    """Cancelled before it left: its held stock was released; `amount_paid` is what a refund owes."""

    feed: ClassVar[OrderEventKind | None] = OrderEventKind.CANCELLED
    lines: tuple[EventLine, ...]
    total: Decimal
    amount_paid: Decimal  # 0 when it was never paid
    currency: str
    cancelled_by: Canceller
    reason: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderExpired(OrderEvent):
    """Not paid within its hold: its stock was released."""

    feed: ClassVar[OrderEventKind | None] = OrderEventKind.STATUS_CHANGED
    lines: tuple[EventLine, ...]
    total: Decimal
    currency: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FulfillmentAdvanced(OrderEvent):
    """A fulfilment moved on (picking, ready, shipped, delivered, handed over); `lines` are its lines."""

    feed: ClassVar[OrderEventKind | None] = OrderEventKind.STATUS_CHANGED
    fulfillment_id: int
    fulfillment_location_id: int
    fulfillment_status: FulfillmentStatus  # after the move
    previous_status: FulfillmentStatus
    lines: tuple[EventLine, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class PickupReady(OrderEvent):
    """A pickup fulfilment is ready at `location_id`: the member is told at once."""

    fulfillment_id: int
    location_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderStockArrived(OrderEvent):
    """A transfer the order asked for arrived at its pickup store (PICKUP by transfer): what came is
    held for the order there; once every such transfer is in, its fulfilment may be picked."""

    feed: ClassVar[OrderEventKind | None] = OrderEventKind.STATUS_CHANGED
    transfer_id: int
    transfer_number: str
    location_id: int  # the pickup store


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderCompleted(OrderEvent):
    """Every fulfilment of the order was handed over or delivered."""

    lines: tuple[EventLine, ...]
    total: Decimal
    currency: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRepriced(OrderEvent):
    """A coupon redeemed at the till lowered the price of the order waiting for payment."""

    coupon_id: int
    discount_total: Decimal
    total: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class MemberMerged(DomainEvent):
    """Head office folded a duplicate member into the survivor (numbers kept: the duplicate is closed)."""

    survivor_id: int
    survivor_number: str
    merged_id: int
    merged_number: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RefundedLine:
    """Units of one order line a refund gives back, and their share of what was paid."""

    order_line_id: int
    variant_id: int
    sku: str
    quantity: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class VariantAmount:
    variant_id: int
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundRequested(OrderEvent):
    """A refund of some lines (or all that was left) of a paid order; PENDING until the provider answers."""

    refund_id: int
    amount: Decimal
    currency: str
    lines: tuple[RefundedLine, ...]
    points_returned: int  # planned: given back when it succeeds
    points_reversed: int  # planned: taken back when it succeeds, as far as the balance allows
    reason: str
    restock_location_id: int | None
    whole: bool  # after it, nothing of the order is left to refund


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundSucceeded(OrderEvent):
    """The money is back with the customer: points, coupons and returned stock moved in the same change."""

    refund_id: int
    amount: Decimal
    currency: str
    lines: tuple[RefundedLine, ...]
    points_returned: int
    points_reversed: int
    points_shortfall: int  # earned points the member had already spent: not taken back
    reason: str
    restock_location_id: int | None
    reference: str
    refunded_total: Decimal  # every SUCCEEDED refund of the order, this one included
    refunded_by_variant: tuple[VariantAmount, ...]  # the same, by variant (what commission and credit recompute on)
    fully_refunded: bool  # every unit of the order is back


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundFailed(OrderEvent):
    """The provider could not pay it back: its units may be refunded again."""

    refund_id: int
    amount: Decimal
    currency: str
    lines: tuple[RefundedLine, ...]
    reference: str


@dataclass(frozen=True, slots=True)
class TransferredLine:
    """A variant of a transfer: units shipped, and units that arrived (None until received)."""

    variant_id: int
    quantity: int
    received_quantity: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferEvent(DomainEvent):
    """What every fact about a transfer carries (domain.transfers)."""

    transfer_id: int
    number: str
    from_location_id: int
    to_location_id: int
    status: str  # domain.transfers.TransferStatus value, after the change
    lines: tuple[TransferredLine, ...]
    reference: str | None  # what asked for it (an order number for a pickup by transfer)
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferRequested(TransferEvent):
    """Its quantities are held at the source."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferShipped(TransferEvent):
    """It left the source: the units are off the source's on hand."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferReceived(TransferEvent):
    """It arrived: what came (`received_quantity` per line) is on the destination's on hand."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferCancelled(TransferEvent):
    """Cancelled before it shipped: the hold at the source was released."""


Event = (
    StockChanged
    | LowStockRaised
    | OrderPlaced
    | OrderPaid
    | OrderCancelled
    | OrderExpired
    | FulfillmentAdvanced
    | PickupReady
    | OrderStockArrived
    | OrderCompleted
    | OrderRepriced
    | MemberMerged
    | RefundRequested
    | RefundSucceeded
    | RefundFailed
    | TransferRequested
    | TransferShipped
    | TransferReceived
    | TransferCancelled
)
