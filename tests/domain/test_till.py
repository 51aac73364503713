"""A sale at the till, without a database: who rings it up, which places have a till, a sale paid
and handed over at once, and its stock movements straight off the shelf."""

from __future__ import annotations

import dataclasses

import pytest

from omnichannel.domain.access import Principal, Role
from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.errors import AccessDenied, DomainError, ErrorCode
from omnichannel.domain.events import FulfillmentAdvanced, OrderCompleted, OrderPaid
from omnichannel.domain.geo import GeoPoint
from omnichannel.domain.inventory import MovementReason, StockLevel
from omnichannel.domain.locations import Location, LocationKind
from omnichannel.domain.money import Money
from omnichannel.domain.order_access import till_placement
from omnichannel.domain.order_aggregate import OrderAggregate
from omnichannel.domain.orders import FulfillmentLine, FulfillmentStatus, OrderStatus
from omnichannel.domain.reservations import Hold, sold_from_shelf
from omnichannel.domain.till import check_till, shelf_available
from tests.domain.test_orders import NOW, fulfillment, order

CLERK = Principal(Role.CLERK, subject="clerk.s01", staff_id=11, store_code="S01")


def test_a_till_sale_is_rung_up_by_the_stores_own_staff_and_attributed_to_them():
    placed = till_placement(CLERK, 7, "S01")
    assert (placed.placed_by_staff_id, placed.attributed_staff_id, placed.placed_at_store_code) == (11, 11, "S01")
    manager = Principal(Role.STORE_MANAGER, subject="manager.s01", staff_id=12, store_code="S01")
    assert till_placement(manager, None, "S01").attributed_staff_id == 12
    for principal, store in (
        (CLERK, "S02"),
        (Principal(Role.HQ_ADMIN, subject="hq", staff_id=1), "S01"),
        (Principal(Role.MEMBER, subject="M0007", member_id=7), "S01"),
        (Principal(Role.SERVICE, subject="erp"), "S01"),
    ):
        with pytest.raises(AccessDenied):
            till_placement(principal, None, store)


def test_only_an_open_store_has_a_till():
    store = Location(1, "S01", "Jing'an", LocationKind.STORE, GeoPoint(31.2, 121.4), frozenset())
    assert check_till(store) is store  # a store without pickup still sells at its counter
    for location, code in (
        (None, ErrorCode.NOT_FOUND),
        (dataclasses.replace(store, kind=LocationKind.REGIONAL_WAREHOUSE), ErrorCode.INVALID_INPUT),
        (dataclasses.replace(store, active=False), ErrorCode.LOCATION_INACTIVE),
    ):
        with pytest.raises(DomainError) as refused:
            check_till(location)
        assert refused.value.code is code and refused.value.field == ["storeId"]


def test_the_shelf_is_what_is_on_hand_and_not_promised():
    assert shelf_available(5, 2) == 3 and shelf_available(2, 2) == 0 and shelf_available(1, 3) == 0


def _till_order(channel: SalesChannel = SalesChannel.STORE_POS) -> OrderAggregate:
    unpaid = dataclasses.replace(order(), channel=channel, placed_at_location_id=3, attributed_staff_id=11)
    line = FulfillmentLine(1, 42, 2, Money.of("49.90"))
    return OrderAggregate(unpaid, [fulfillment()], [line])


def test_a_till_sale_is_paid_and_handed_over_at_once():
    sale = _till_order()
    sale.sell_at_till(reference="card-0042", now=NOW)
    assert sale.order.status is OrderStatus.COMPLETED and sale.order.completed_at == NOW
    assert sale.order.paid_at == NOW and sale.order.pickup_code is None and sale.order.reservation_expires_at is None
    assert [f.status for f in sale.fulfillments] == [FulfillmentStatus.COMPLETED]
    assert [type(e) for e in sale.events] == [OrderPaid, FulfillmentAdvanced, OrderCompleted]
    paid = sale.events[0]
    assert isinstance(paid, OrderPaid) and paid.amount == sale.order.total.amount and paid.reference == "card-0042"
    assert paid.attributed_staff_id == 11
    assert sale.changed_fulfillments == sale.fulfillments
    with pytest.raises(DomainError):  # a clerk-pad order is collected, not sold over the counter
        _till_order(SalesChannel.CLERK_PAD).sell_at_till(reference="x", now=NOW)


def test_units_sold_off_the_shelf_move_on_hand_only():
    holds = [Hold(3, 42, 2), Hold(3, 43, 1)]
    levels = [StockLevel(3, 42, 8, 1, 0), StockLevel(3, 43, 4, 0, 1)]
    moves = sold_from_shelf(holds, levels, reference="SO00000001", at=NOW)
    assert [(m.reason, m.on_hand_delta, m.reserved_delta, m.on_hand_after) for m in moves.movements] == [
        (MovementReason.SALE, -2, 0, 8),
        (MovementReason.SALE, -1, 0, 4),
    ]
    assert [(e.variant_id, e.on_hand_delta, e.reason, e.reference) for e in moves.events] == [
        (42, -2, "SALE", "SO00000001"),
        (43, -1, "SALE", "SO00000001"),
    ]
