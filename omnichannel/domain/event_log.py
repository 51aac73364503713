"""Which domain events go into the durable event log, under which type, with which payload.

The log is what other systems follow (the `events` query, webhooks) and what subscriptions replay
after a reconnect. Each mapped domain event becomes one entry:
- `type`: the stable external name (order.paid, stock.changed, ...); clients filter on it;
- `data`: the event's own facts, JSON-ready (amounts as strings, IDs as global IDs);
- `refs`: the objects it is about. The log writer adds their business keys to the payload in the
  same statement, from the rows as they are in the event's transaction:
  order -> "order": {id, number, status, channel, mode, total, currency};
  member -> "member": {id, number}; store -> "store": {id, code}; stores -> "stores": [{id, code}];
  variant -> "variant": {id, sku}. A key in `data` with the same name is replaced by the lookup.

To log a new kind of event, add its class to MAPPERS with a function returning its LogEntry (and
its type to EVENT_TYPES). An event class not in MAPPERS is published live only, never logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .events import (
    FulfillmentAdvanced,
    LowStockRaised,
    MemberMerged,
    OrderCancelled,
    OrderCompleted,
    OrderEvent,
    OrderExpired,
    OrderPaid,
    OrderPlaced,
    OrderRepriced,
    OrderStockArrived,
    PickupReady,
    RefundedLine,
    RefundFailed,
    RefundRequested,
    RefundSucceeded,
    StockChanged,
    TransferEvent,
    TransferReceived,
    TransferShipped,
)
from .global_ids import global_id

# every type the log may carry (some are written by other areas once they exist)
EVENT_TYPES: tuple[str, ...] = (
    "order.created",
    "order.paid",
    "order.status_changed",
    "order.ready_for_pickup",
    "order.stock_arrived",
    "order.completed",
    "order.cancelled",
    "order.expired",
    "order.repriced",
    "refund.requested",
    "refund.succeeded",
    "refund.failed",
    "stock.changed",
    "stock.low",
    "transfer.shipped",
    "transfer.received",
    "member.merged",
)
MAX_TYPE_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Refs:
    """The objects an entry is about; the writer adds their global IDs and business keys."""

    order_id: int | None = None
    member_id: int | None = None
    store_id: int | None = None
    store_ids: tuple[int, ...] | None = None
    variant_id: int | None = None

    @property
    def all_store_ids(self) -> tuple[int, ...]:
        """Every store the entry concerns (what replay filters on)."""
        if self.store_ids is not None:
            return self.store_ids
        return (self.store_id,) if self.store_id is not None else ()


@dataclass(frozen=True, slots=True)
class LogEntry:
    type: str
    at: datetime
    data: dict[str, Any]
    refs: Refs


def _about_order(event: OrderEvent, store_id: int | None = None) -> Refs:
    return Refs(order_id=event.order_id, member_id=event.member_id, store_ids=event.location_ids, store_id=store_id)


def _order_entry(log_type: str, extra: Callable[[Any], dict[str, Any]] | None = None) -> Callable[[Any], LogEntry]:
    """An order fact as an entry: the order, its member and its stores, and what `extra` adds."""

    def mapper(event: OrderEvent) -> LogEntry:
        data: dict[str, Any] = {"member": None}
        if extra is not None:
            data.update(extra(event))
        return LogEntry(log_type, event.at, data, _about_order(event))

    return mapper


def _paid(event: OrderPaid) -> dict[str, Any]:
    return {"payment": {"amount": str(event.amount), "currency": event.currency, "reference": event.reference}}


def _cancelled(event: OrderCancelled) -> dict[str, Any]:
    return {"cancelledBy": event.cancelled_by.value, "reason": event.reason, "amountPaid": str(event.amount_paid)}


def _repriced(event: OrderRepriced) -> dict[str, Any]:
    return {
        "coupon": {"id": global_id("Coupon", event.coupon_id)},
        "discountTotal": str(event.discount_total),
        "total": str(event.total),
    }


def _fulfillment_advanced(event: FulfillmentAdvanced) -> LogEntry:
    data = {
        "member": None,
        "fulfillment": {
            "id": global_id("Fulfillment", event.fulfillment_id),
            "status": event.fulfillment_status.value,
            "previousStatus": event.previous_status.value,
        },
    }
    return LogEntry("order.status_changed", event.at, data, _about_order(event, event.fulfillment_location_id))


def _pickup_ready(event: PickupReady) -> LogEntry:
    data = {"fulfillment": {"id": global_id("Fulfillment", event.fulfillment_id)}, "member": None}
    return LogEntry("order.ready_for_pickup", event.at, data, _about_order(event, event.location_id))


def _stock_arrived(event: OrderStockArrived) -> LogEntry:
    data = {
        "member": None,
        "transfer": {"id": global_id("Transfer", event.transfer_id), "number": event.transfer_number},
    }
    return LogEntry("order.stock_arrived", event.at, data, _about_order(event, event.location_id))


def _stock_changed(event: StockChanged) -> LogEntry:
    return LogEntry(
        "stock.changed",
        event.at,
        {
            "onHand": event.on_hand,
            "reserved": event.reserved,
            "safetyStock": event.safety_stock,
            "available": event.available,
            "reason": event.reason,
            "reference": event.reference,
        },
        Refs(store_id=event.location_id, variant_id=event.variant_id),
    )


def _low_stock(event: LowStockRaised) -> LogEntry:
    return LogEntry(
        "stock.low",
        event.at,
        {
            "alert": {"id": global_id("LowStockAlert", event.alert_id)},
            "onHand": event.on_hand,
            "reserved": event.reserved,
            "safetyStock": event.safety_stock,
        },
        Refs(store_id=event.location_id, variant_id=event.variant_id),
    )


def _member_merged(event: MemberMerged) -> LogEntry:
    return LogEntry(
        "member.merged",
        event.at,
        {"merged": {"id": global_id("Member", event.merged_id), "number": event.merged_number}},
        Refs(member_id=event.survivor_id),
    )


def _transfer(log_type: str) -> Callable[[Any], LogEntry]:
    """A transfer step: the transfer, its lines, both locations (each one's replay hears it)."""

    def mapper(event: TransferEvent) -> LogEntry:
        data = {
            "transfer": {
                "id": global_id("Transfer", event.transfer_id),
                "number": event.number,
                "status": event.status,
                "from": {"id": global_id("Store", event.from_location_id)},
                "to": {"id": global_id("Store", event.to_location_id)},
                "reference": event.reference,
                "lines": [
                    {"variant": {"id": global_id("Variant", line.variant_id)}, "quantity": line.quantity,
                     "receivedQuantity": line.received_quantity}
                    for line in event.lines
                ],
            }
        }  # fmt: skip
        return LogEntry(log_type, event.at, data, Refs(store_ids=(event.from_location_id, event.to_location_id)))

    return mapper


def _lines(lines: tuple[RefundedLine, ...]) -> list[dict[str, Any]]:
    return [
        {"variant": {"id": global_id("Variant", line.variant_id), "sku": line.sku}, "quantity": line.quantity,
         "amount": str(line.amount)}
        for line in lines
    ]  # fmt: skip


def _refund(event: RefundRequested | RefundSucceeded | RefundFailed, status: str) -> dict[str, Any]:
    refund: dict[str, Any] = {
        "id": global_id("Refund", event.refund_id),
        "status": status,
        "amount": str(event.amount),
        "currency": event.currency,
        "lines": _lines(event.lines),
    }
    if isinstance(event, RefundRequested | RefundSucceeded):
        refund["reason"] = event.reason
        refund["pointsReturned"] = event.points_returned
        refund["pointsReversed"] = event.points_reversed
        refund["restockStore"] = global_id("Store", event.restock_location_id) if event.restock_location_id else None
    if isinstance(event, RefundSucceeded):
        refund["pointsShortfall"] = event.points_shortfall
        refund["refundedTotal"] = str(event.refunded_total)
        refund["fullyRefunded"] = event.fully_refunded
    if isinstance(event, RefundSucceeded | RefundFailed):
        refund["reference"] = event.reference
    return {"refund": refund, "member": None}


def _refund_entry(log_type: str, status: str) -> Callable[[Any], LogEntry]:
    def mapper(event: RefundRequested | RefundSucceeded | RefundFailed) -> LogEntry:
        return LogEntry(log_type, event.at, _refund(event, status), _about_order(event))

    return mapper


# The table: which domain event becomes which entry. One line per logged event class.
MAPPERS: dict[type, Callable[[Any], LogEntry]] = {
    OrderPlaced: _order_entry("order.created"),
    OrderPaid: _order_entry("order.paid", _paid),
    FulfillmentAdvanced: _fulfillment_advanced,
    PickupReady: _pickup_ready,
    OrderStockArrived: _stock_arrived,
    OrderCompleted: _order_entry("order.completed"),
    OrderCancelled: _order_entry("order.cancelled", _cancelled),
    OrderExpired: _order_entry("order.expired"),
    OrderRepriced: _order_entry("order.repriced", _repriced),
    StockChanged: _stock_changed,
    LowStockRaised: _low_stock,
    MemberMerged: _member_merged,
    RefundRequested: _refund_entry("refund.requested", "PENDING"),
    RefundSucceeded: _refund_entry("refund.succeeded", "SUCCEEDED"),
    RefundFailed: _refund_entry("refund.failed", "FAILED"),
    TransferShipped: _transfer("transfer.shipped"),
    TransferReceived: _transfer("transfer.received"),
}


def is_logged(event: Any) -> bool:
    return type(event) in MAPPERS


def log_entry(event: Any) -> LogEntry | None:
    """The log entry of a domain event, or None for events that are not logged."""
    mapper = MAPPERS.get(type(event))
    return mapper(event) if mapper is not None else None


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """An entry as readers see it: `payload` is the JSON object as text, exactly as stored."""

    id: int
    position: int
    type: str
    at: datetime
    payload: str


@dataclass(frozen=True, slots=True)
class EventPage:
    events: list[LoggedEvent]
    position: int  # where the next page starts: the last event's, or the head when nothing more is there
    has_more: bool
