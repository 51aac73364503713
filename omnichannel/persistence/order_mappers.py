"""Order, fulfilment and payment rows to domain objects (the only place that knows their columns)."""

from __future__ import annotations

import json
from typing import Any

from ..domain.catalog import SalesChannel
from ..domain.geo import GeoPoint
from ..domain.locations import FulfillmentMode
from ..domain.money import Money
from ..domain.order_totals import PricedLine
from ..domain.orders import (
    Address,
    Fulfillment,
    FulfillmentLine,
    FulfillmentStatus,
    Order,
    OrderStatus,
)
from .mappers import Row

ORDER_COLUMNS = (
    "id, number, channel, status, mode, member_id, placed_by, placed_by_staff_id, placed_at_location_id, "
    "attributed_staff_id, pickup_location_id, shipping_address, subtotal, discount_total, total, currency, "
    "points_redeemed, points_earned, reservation_expires_at, pickup_code, cancel_reason, created_at, updated_at, "
    "paid_at, cancelled_at, completed_at"
)
FULFILLMENT_COLUMNS = "id, order_id, location_id, mode, status, ships_with_id, created_at, updated_at"


def address_to_json(address: Address | None) -> str | None:
    if address is None:
        return None
    return json.dumps(
        {
            "recipient": address.recipient,
            "phone": address.phone,
            "line1": address.line1,
            "city": address.city,
            "lat": address.point.lat,
            "lng": address.point.lng,
        }
    )


def _address(raw: Any) -> Address | None:
    if raw is None:
        return None
    data = json.loads(raw) if isinstance(raw, str) else raw
    return Address(data["recipient"], data["phone"], data["line1"], data["city"], GeoPoint(data["lat"], data["lng"]))


def to_order(row: Row) -> Order:
    currency = row["currency"]
    return Order(
        id=row["id"],
        number=row["number"],
        channel=SalesChannel(row["channel"]),
        status=OrderStatus(row["status"]),
        mode=FulfillmentMode(row["mode"]),
        member_id=row["member_id"],
        placed_by=row["placed_by"],
        placed_by_staff_id=row["placed_by_staff_id"],
        placed_at_location_id=row["placed_at_location_id"],
        attributed_staff_id=row["attributed_staff_id"],
        pickup_location_id=row["pickup_location_id"],
        subtotal=Money(row["subtotal"], currency),
        discount_total=Money(row["discount_total"], currency),
        total=Money(row["total"], currency),
        points_redeemed=row["points_redeemed"],
        points_earned=row["points_earned"],
        reservation_expires_at=row["reservation_expires_at"],
        pickup_code=row["pickup_code"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        paid_at=row["paid_at"],
        cancelled_at=row["cancelled_at"],
        completed_at=row["completed_at"],
        cancel_reason=row["cancel_reason"],
        shipping_address=_address(row["shipping_address"]),
    )


def to_order_line(row: Row) -> tuple[int, PricedLine]:
    """(order id, line)"""
    return row["order_id"], PricedLine(row["variant_id"], row["quantity"], Money(row["unit_price"]))


def to_fulfillment(row: Row) -> Fulfillment:
    return Fulfillment(
        id=row["id"],
        order_id=row["order_id"],
        location_id=row["location_id"],
        mode=FulfillmentMode(row["mode"]),
        status=FulfillmentStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        ships_with_id=row["ships_with_id"],
    )


def to_fulfillment_line(row: Row) -> FulfillmentLine:
    return FulfillmentLine(row["fulfillment_id"], row["variant_id"], row["quantity"], Money(row["unit_price"]))
