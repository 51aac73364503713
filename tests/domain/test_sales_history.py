"""Slow movers and transfer proposals without a database: the counting rule, the order, the quantities."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnichannel.domain import sales_history as rules
from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.errors import DomainError
from omnichannel.domain.events import EventLine, FulfillmentAdvanced
from omnichannel.domain.locations import FulfillmentMode
from omnichannel.domain.orders import FulfillmentStatus as F
from omnichannel.domain.orders import OrderStatus
from omnichannel.domain.sales_history import LevelSales

AT = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # already 2 December in Shanghai


def moved(previous: F, now: F) -> FulfillmentAdvanced:
    return FulfillmentAdvanced(
        order_id=1, number="SO1", channel=SalesChannel.APP, mode=FulfillmentMode.EXPRESS,
        status=OrderStatus.SHIPPED, member_id=None, placed_at_location_id=None, attributed_staff_id=None,
        location_ids=(2,), at=AT, fulfillment_id=5, fulfillment_location_id=2, fulfillment_status=now,
        previous_status=previous, lines=(EventLine(2, 7, 3, Decimal("1.00")),),
    )  # fmt: skip


def test_a_sale_counts_once_when_the_stock_leaves():
    assert [(s.location_id, s.variant_id, s.units) for s in rules.sales_of(moved(F.PICKING, F.SHIPPED))] == [(2, 7, 3)]
    assert rules.sales_of(moved(F.READY_FOR_PICKUP, F.COMPLETED))[0].day.isoformat() == "2026-12-02"
    assert rules.sales_of(moved(F.SHIPPED, F.COMPLETED)) == []  # delivered: counted when it shipped
    assert rules.sales_of(moved(F.PENDING, F.PICKING)) == []
    assert rules.sales_of(moved(F.PENDING, F.CANCELLED)) == []


def test_slowest_first_and_the_figures():
    levels = [
        LevelSales(1, 10, 5, 0, 30),
        LevelSales(1, 11, 50, 0, 30),
        LevelSales(1, 12, 60, 3, 30),  # 600 days
        LevelSales(1, 13, 60, 30, 30),  # 60 days
    ]
    assert [x.variant_id for x in rules.slowest_first(levels)] == [11, 10, 12, 13]
    assert levels[2].days_of_cover == pytest.approx(600) and levels[0].days_of_cover is None
    assert levels[3].is_slow(60) and not levels[3].is_slow(61)
    with pytest.raises(DomainError):
        rules.check_window(0, None)
    with pytest.raises(DomainError):
        rules.check_window(None, float("nan"))


def test_a_proposal_fills_the_nearest_needy_store_first_and_keeps_the_sources_month():
    source = LevelSales(1, 7, 20, 3, 30)  # 0.1 a day: keeps 3 for its month, 17 spare
    near = LevelSales(2, 7, 1, 30, 30)  # 1 a day, 1 day of cover: needs 29
    far = LevelSales(3, 7, 0, 6, 30)  # 0.2 a day: needs 6
    plenty = LevelSales(4, 7, 100, 30, 30)  # 100 days of cover: needs nothing
    made = rules.propose(source, [(far, 9.0), (plenty, 1.0), (near, 3.0)], {1: "S01", 2: "S02", 3: "S03", 4: "S04"})
    assert [(p.to_location_id, p.quantity) for p in made] == [(2, 17)]  # nothing left for S03
    assert made[0].reason == "S02 sold 30 in 30 days and holds 1; S01 holds 20 and sold 3 in 30 days"


@given(st.integers(0, 500), st.integers(0, 200), st.integers(0, 500), st.integers(1, 200), st.sampled_from([7, 30, 60]))
def test_quantities_never_take_the_sources_month_nor_overfill(src_on_hand, src_sold, dst_on_hand, dst_sold, window):
    source = LevelSales(1, 7, src_on_hand, src_sold, window)
    destination = LevelSales(2, 7, dst_on_hand, dst_sold, window)
    quantity = rules.proposed_quantity(source, destination)
    assert quantity >= 0
    if quantity:  # the source keeps its month; the destination gets no more than tops up its own
        assert src_on_hand - quantity >= rules.TARGET_DAYS * source.daily_sales - 1e-9
        assert dst_on_hand + quantity < rules.TARGET_DAYS * destination.daily_sales + 1
