"""Domain events: facts that happened, published after the transaction that made them commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class StockChanged:
    location_id: int
    variant_id: int
    on_hand: int
    reserved: int
    safety_stock: int
    reason: str  # domain.inventory.MovementReason value
    at: datetime

    @property
    def available(self) -> int:
        return max(0, self.on_hand - self.reserved - self.safety_stock)


class OrderEventKind(StrEnum):
    """What a store's live order feed says happened (StoreOrderEvent.kind)."""

    CREATED = "CREATED"
    PAID = "PAID"
    STATUS_CHANGED = "STATUS_CHANGED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class OrderChanged:
    order_id: int
    kind: str  # OrderEventKind
    status: str  # domain.orders.OrderStatus value after the change
    location_ids: tuple[int, ...]  # stores that fulfil the order or took it: their feeds hear it
    member_id: int | None
    at: datetime


@dataclass(frozen=True, slots=True)
class PickupReady:
    order_id: int
    fulfillment_id: int
    location_id: int
    member_id: int | None
    at: datetime


@dataclass(frozen=True, slots=True)
class MemberMerged:
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
class RefundRequested:
    """A refund of some lines (or all that was left) of a paid order; PENDING until the provider answers."""

    refund_id: int
    order_id: int
    number: str
    member_id: int | None
    location_ids: tuple[int, ...]  # the stores that fulfil the order or took it
    placed_at_location_id: int | None
    attributed_staff_id: int | None
    amount: Decimal
    currency: str
    lines: tuple[RefundedLine, ...]
    points_returned: int  # planned: given back when it succeeds
    points_reversed: int  # planned: taken back when it succeeds, as far as the balance allows
    reason: str
    restock_location_id: int | None
    whole: bool  # after it, nothing of the order is left to refund
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundSucceeded:
    """The money is back with the customer: points, coupons and returned stock moved in the same change."""

    refund_id: int
    order_id: int
    number: str
    member_id: int | None
    location_ids: tuple[int, ...]
    placed_at_location_id: int | None
    attributed_staff_id: int | None
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
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RefundFailed:
    """The provider could not pay it back: its units may be refunded again."""

    refund_id: int
    order_id: int
    number: str
    member_id: int | None
    location_ids: tuple[int, ...]
    amount: Decimal
    currency: str
    lines: tuple[RefundedLine, ...]
    reference: str
    at: datetime


Event = StockChanged | OrderChanged | PickupReady
