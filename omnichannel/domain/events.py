"""Domain events: facts that happened, published after the transaction that made them commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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


Event = StockChanged | OrderChanged | PickupReady
