"""Every business fact crosses processes as JSON and comes back equal: Decimal exact, enums, nested lines."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import orjson

from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.events import EventLine, OrderCancelled, OrderPlaced, StockChanged
from omnichannel.domain.locations import FulfillmentMode
from omnichannel.domain.orders import Canceller, OrderStatus
from omnichannel.subscriptions import codec, topics

AT = datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=UTC)
FACTS = {
    "order_id": 41,
    "number": "SO00000041",
    "channel": SalesChannel.CLERK_PAD,
    "mode": FulfillmentMode.PICKUP,
    "status": OrderStatus.PENDING_PAYMENT,
    "member_id": None,
    "placed_at_location_id": 3,
    "attributed_staff_id": 12,
    "location_ids": (3, 5),
    "at": AT,
}


def test_an_order_placed_round_trips_with_exact_money_and_its_lines():
    event = OrderPlaced(
        **FACTS,
        lines=(EventLine(5, 7, 2, Decimal("19.90")), EventLine(3, 8, 1, Decimal("0.10"))),
        subtotal=Decimal("39.90"),
        discount_total=Decimal("5.00"),
        total=Decimal("34.90"),
        currency="CNY",
        points_redeemed=0,
        coupon_ids=(4,),
        placed_by_staff_id=12,
        pickup_location_id=5,
        reservation_expires_at=None,
    )
    data = codec.dumps(event)
    assert orjson.loads(data)["total"] == "34.90" and orjson.loads(data)["type"] == "OrderPlaced"
    decoded = codec.loads(data)
    assert decoded == event and isinstance(decoded.lines[0].unit_price, Decimal)
    assert decoded.channel is SalesChannel.CLERK_PAD and decoded.feed is not None
    assert topics.for_event(decoded) == [topics.orders_at(3), topics.orders_at(5)]


def test_cancellations_and_stock_changes_round_trip():
    cancelled = OrderCancelled(
        **FACTS,
        lines=(),
        total=Decimal("34.90"),
        amount_paid=Decimal("0.00"),
        currency="CNY",
        cancelled_by=Canceller.STORE,
        reason=None,
    )
    assert codec.loads(codec.dumps(cancelled)) == cancelled
    moved = StockChanged(1, 2, 10, 3, 1, "SALE", AT, on_hand_delta=-1, reserved_delta=-1, reference="SO00000041")
    assert codec.loads(codec.dumps(moved)) == moved
