"""The order and fulfilment state machines, without a database."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnichannel.domain import orders as rules
from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.errors import DomainError, ErrorCode
from omnichannel.domain.locations import FulfillmentMode
from omnichannel.domain.money import Money
from omnichannel.domain.order_totals import PricedLine, order_lines, totals
from omnichannel.domain.orders import Canceller, Fulfillment, FulfillmentStatus, Order, OrderStatus

F, S = FulfillmentStatus, OrderStatus
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def order(status: OrderStatus = S.PENDING_PAYMENT, mode: FulfillmentMode = FulfillmentMode.PICKUP) -> Order:
    return Order(
        id=1,
        number="SO00000001",
        channel=SalesChannel.APP,
        status=status,
        mode=mode,
        member_id=7,
        placed_by="MEMBER:M0007",
        placed_by_staff_id=None,
        placed_at_location_id=None,
        attributed_staff_id=None,
        pickup_location_id=3 if mode is FulfillmentMode.PICKUP else None,
        subtotal=Money.of("99.80"),
        discount_total=Money.of(0),
        total=Money.of("99.80"),
        points_redeemed=0,
        points_earned=0,
        reservation_expires_at=NOW + timedelta(minutes=15) if status is S.PENDING_PAYMENT else None,
        pickup_code=None,
        created_at=NOW,
        updated_at=NOW,
    )


def fulfillment(status: FulfillmentStatus = F.PENDING, mode: FulfillmentMode = FulfillmentMode.PICKUP, fid: int = 1):
    return Fulfillment(fid, 1, 3, mode, status, NOW, NOW)


def test_payment_confirms_stops_the_clock_and_issues_the_code():
    paid = rules.pay(order(), Decimal("99.80"), NOW, "ABCD2345")
    assert paid.status is S.CONFIRMED
    assert paid.reservation_expires_at is None
    assert paid.pickup_code == "ABCD2345" and paid.paid_at == NOW


def test_payment_refusals():
    with pytest.raises(DomainError) as wrong:
        rules.pay(order(), Decimal("99.79"), NOW, "ABCD2345")
    assert wrong.value.code is ErrorCode.AMOUNT_MISMATCH and wrong.value.field == ["amount"]
    late = NOW + timedelta(minutes=15)
    with pytest.raises(DomainError) as expired:
        rules.pay(order(), Decimal("99.80"), late, "ABCD2345")
    assert expired.value.code is ErrorCode.ORDER_EXPIRED
    for status, code in (
        (S.CANCELLED, ErrorCode.ORDER_CANCELLED),
        (S.EXPIRED, ErrorCode.ORDER_EXPIRED),
        (S.CONFIRMED, ErrorCode.ORDER_ALREADY_PAID),
    ):
        with pytest.raises(DomainError) as refused:
            rules.pay(order(status), Decimal("99.80"), NOW, None)
        assert refused.value.code is code


def test_delivery_orders_get_no_pickup_code():
    paid = rules.pay(order(mode=FulfillmentMode.EXPRESS), Decimal("99.80"), NOW, "ABCD2345")
    assert paid.pickup_code is None


def test_the_hold_is_over_exactly_at_reservation_expires_at():
    pending = order()
    assert not pending.hold_is_over(NOW + timedelta(minutes=15) - timedelta(microseconds=1))
    assert pending.hold_is_over(NOW + timedelta(minutes=15))
    assert rules.expire(pending, NOW + timedelta(minutes=15)).status is S.EXPIRED
    with pytest.raises(DomainError):
        rules.expire(pending, NOW)
    with pytest.raises(DomainError):
        rules.expire(order(S.CONFIRMED), NOW + timedelta(days=1))


@pytest.mark.parametrize(
    ("status", "by", "allowed"),
    [
        (S.PENDING_PAYMENT, Canceller.MEMBER, True),
        (S.CONFIRMED, Canceller.MEMBER, True),
        (S.PICKING, Canceller.MEMBER, False),
        (S.READY_FOR_PICKUP, Canceller.MEMBER, False),
        (S.PICKING, Canceller.STORE, True),
        (S.READY_FOR_PICKUP, Canceller.HEAD_OFFICE, True),
        (S.SHIPPED, Canceller.HEAD_OFFICE, False),
        (S.COMPLETED, Canceller.STORE, False),
        (S.EXPIRED, Canceller.HEAD_OFFICE, False),
        (S.CANCELLED, Canceller.MEMBER, False),
    ],
)
def test_who_may_cancel_when(status, by, allowed):
    if allowed:
        cancelled = rules.cancel(order(status), [fulfillment()], by, NOW, " reason ")
        assert cancelled.status is S.CANCELLED and cancelled.cancel_reason == "reason"
    else:
        with pytest.raises(DomainError) as refused:
            rules.cancel(order(status), [fulfillment()], by, NOW, None)
        assert refused.value.code is ErrorCode.ORDER_NOT_CANCELLABLE


def test_an_order_with_a_shipped_parcel_cannot_be_cancelled():
    parcels = [fulfillment(F.SHIPPED, FulfillmentMode.EXPRESS), fulfillment(F.PENDING, FulfillmentMode.EXPRESS, 2)]
    with pytest.raises(DomainError):
        rules.cancel(order(S.PICKING, FulfillmentMode.EXPRESS), parcels, Canceller.HEAD_OFFICE, NOW, None)


def test_ready_from_pending_or_picking_and_only_for_pickup():
    paid = order(S.CONFIRMED)
    assert rules.move_fulfillment(fulfillment(F.PENDING), paid, F.READY_FOR_PICKUP, NOW).status is F.READY_FOR_PICKUP
    assert rules.move_fulfillment(fulfillment(F.PICKING), paid, F.READY_FOR_PICKUP, NOW).status is F.READY_FOR_PICKUP
    with pytest.raises(DomainError):
        rules.move_fulfillment(fulfillment(F.PENDING, FulfillmentMode.EXPRESS), paid, F.READY_FOR_PICKUP, NOW)
    with pytest.raises(DomainError):
        rules.move_fulfillment(fulfillment(F.PENDING), paid, F.SHIPPED, NOW)
    with pytest.raises(DomainError) as unpaid:
        rules.move_fulfillment(fulfillment(F.PENDING), order(), F.PICKING, NOW)
    assert unpaid.value.code is ErrorCode.ORDER_NOT_PAID


def test_the_order_follows_its_least_advanced_parcel():
    def parcels(*statuses: FulfillmentStatus) -> list[Fulfillment]:
        return [fulfillment(s, FulfillmentMode.EXPRESS, i) for i, s in enumerate(statuses)]

    assert rules.status_from(parcels(F.PENDING, F.PENDING)) is S.CONFIRMED
    assert rules.status_from(parcels(F.PICKING, F.PENDING)) is S.PICKING
    assert rules.status_from(parcels(F.SHIPPED, F.PENDING)) is S.PICKING
    assert rules.status_from(parcels(F.SHIPPED, F.COMPLETED)) is S.SHIPPED
    assert rules.status_from(parcels(F.COMPLETED, F.COMPLETED)) is S.COMPLETED
    assert rules.status_from(parcels(F.COMPLETED, F.CANCELLED)) is S.COMPLETED
    assert rules.status_from([fulfillment(F.READY_FOR_PICKUP)]) is S.READY_FOR_PICKUP


@st.composite
def journeys(draw: st.DrawFn) -> list[tuple[int, FulfillmentStatus]]:
    return draw(st.lists(st.tuples(st.integers(0, 2), st.sampled_from(list(F))), max_size=12))


@given(mode=st.sampled_from([FulfillmentMode.EXPRESS, FulfillmentMode.SAME_CITY]), steps=journeys())
def test_any_sequence_of_moves_keeps_the_order_on_its_state_machine(mode, steps):
    """Whatever staff try, every accepted move is an allowed transition, and so is the order's."""
    current = order(S.CONFIRMED, mode)
    parcels = [fulfillment(F.PENDING, mode, i) for i in range(3)]
    for index, wanted in steps:
        try:
            moved = rules.move_fulfillment(parcels[index], current, wanted, NOW)
        except DomainError:
            continue
        assert wanted in rules.FULFILLMENT_TRANSITIONS[parcels[index].status]
        parcels[index] = moved
        followed = rules.follow_fulfillments(current, parcels, NOW)
        assert followed.status is current.status or followed.status in rules.ORDER_TRANSITIONS[current.status]
        current = followed


def test_totals_and_order_lines():
    lines = [
        PricedLine(1, 2, Money.of("10.00")),
        PricedLine(2, 1, Money.of("5.50")),
        PricedLine(1, 1, Money.of("10.00")),
    ]
    merged = order_lines(lines)
    assert [(line.variant_id, line.quantity) for line in merged] == [(1, 3), (2, 1)]
    summed = totals(merged, Money.of("3.00"))
    assert (summed.subtotal, summed.discount_total, summed.total) == (
        Money.of("35.50"),
        Money.of("3.00"),
        Money.of("32.50"),
    )
    with pytest.raises(ValueError):
        totals(merged, Money.of("40.00"))
    split_prices = order_lines([PricedLine(1, 1, Money.of("10.00")), PricedLine(1, 1, Money.of("9.00"))])
    assert len(split_prices) == 2  # one variant from two stores at two prices stays two lines


def test_every_contract_status_exists():
    assert [s.value for s in S] == [
        "PENDING_PAYMENT", "CONFIRMED", "PICKING", "READY_FOR_PICKUP", "SHIPPED", "COMPLETED", "CANCELLED", "EXPIRED",
    ]  # fmt: skip
    assert [s.value for s in F] == ["PENDING", "PICKING", "READY_FOR_PICKUP", "SHIPPED", "COMPLETED", "CANCELLED"]
    assert set(rules.ORDER_TRANSITIONS) == set(S) and set(rules.FULFILLMENT_TRANSITIONS) == set(F)
    assert dataclasses.is_dataclass(order())
