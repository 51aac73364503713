"""The report rules without a database: splits that sum to the whole, the chain's day, periods,
wait buckets and percentiles, and what a cancellation or refund takes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnichannel.domain import report_rollups as rollups
from omnichannel.domain.access import Principal, Role
from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.errors import AccessDenied, DomainError
from omnichannel.domain.locations import FulfillmentMode
from omnichannel.domain.reports import (
    CHAIN_ZONE,
    PaidLine,
    chain_day,
    percentile,
    period,
    reader_stores,
    refund_parts,
    sales_parts,
    wait_bucket,
)

money = st.decimals("0", "5000", places=2)
lines = st.lists(
    st.builds(PaidLine, st.integers(1, 5), st.integers(1, 4), st.decimals("0", "999", places=2)), max_size=6
)


@given(lines=lines, revenue=money, discount=money, points=st.integers(0, 10_000))
def test_every_figure_splits_over_the_locations_to_its_whole(lines, revenue, discount, points):
    parts = sales_parts(lines, fallback_location_id=9, revenue=revenue, discount=discount, points_redeemed=points)
    assert sum(p.revenue for p in parts) == revenue and sum(p.discount for p in parts) == discount
    assert sum(p.points_redeemed for p in parts) == points
    assert sum(p.orders_once for p in parts) == 1
    assert sum(p.units for p in parts) == sum(line.quantity for line in lines)
    assert [p.location_id for p in parts] == sorted({line.location_id for line in lines} or {9})
    refunded = min(revenue, Decimal("123.45"))
    assert sum(refund_parts(parts, refunded)) == refunded


def test_the_chain_day_is_shanghai_midnight_to_midnight():
    late = datetime(2026, 3, 10, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    assert chain_day(late).isoformat() == "2026-03-10"
    assert chain_day(late + timedelta(minutes=2)).isoformat() == "2026-03-11"


def test_periods_are_whole_shanghai_days():
    start = datetime(2026, 3, 1, tzinfo=CHAIN_ZONE)
    days = period(start, start + timedelta(days=7))
    assert (days.first_day.isoformat(), days.last_day.isoformat()) == ("2026-03-01", "2026-03-07")
    for bad in (start + timedelta(hours=1), start):
        with pytest.raises(DomainError):
            period(start, bad)
    with pytest.raises(DomainError):
        period(start, start + timedelta(days=401))


def test_store_managers_read_their_own_store_only():
    manager = Principal(Role.STORE_MANAGER, "m", staff_id=1, store_code="S01")
    assert reader_stores(manager, None, 7) == [7] == reader_stores(manager, [7], 7)
    with pytest.raises(AccessDenied):
        reader_stores(manager, [8], 7)
    assert reader_stores(Principal(Role.ANALYST, "a"), None, None) is None
    assert reader_stores(Principal(Role.HQ_ADMIN, "h"), [3, 2, 3], None) == [2, 3]
    for role in (Role.CLERK, Role.MEMBER, Role.SERVICE):
        with pytest.raises(AccessDenied):
            reader_stores(Principal(role, "x", store_code="S01"), None, 7)


def test_wait_buckets_and_nearest_rank_percentiles():
    assert [wait_bucket(m) for m in (-3, 0.5, 119.9, 125, 1439, 1530, 10**7)] == [0, 0, 119, 120, 1430, 1500, 43200]
    assert percentile([], 0.5) is None
    histogram = [(5, 1), (10, 2), (60, 1)]  # 5, 10, 10, 60
    assert (percentile(histogram, 0.5), percentile(histogram, 0.9), percentile(histogram, 0.25)) == (10.0, 60.0, 5.0)


@given(
    quantities=st.lists(st.tuples(st.integers(1, 3), st.decimals("1", "300", places=2)), min_size=1, max_size=4),
    channel=st.sampled_from(list(SalesChannel)),
)
def test_a_cancellation_takes_back_exactly_what_payment_and_refunds_left(quantities, channel):
    event_lines = [(1 + n % 2, 100 + n, q, price) for n, (q, price) in enumerate(quantities)]
    total = sum((price * q for _, _, q, price in event_lines), Decimal(0))
    order = rollups.paid_order(
        order_id=1, paid_at=datetime(2026, 3, 1, 4, tzinfo=UTC), channel=channel, mode=FulfillmentMode.EXPRESS,
        lines=event_lines, fallback_location_id=1, selling_store_id=1, amount=total, discount=Decimal(0),
        facts=rollups.PaidOrderFacts(0, frozenset({1}), ()), store_share=Decimal("0.3"),
    )  # fmt: skip
    paid = rollups.payment_delta(order)
    assert sum(a for _, a in paid.credit) == total
    refunded, refund = rollups.after_refunds(order, total / 2, {100: total / 2})
    again, nothing = rollups.after_refunds(refunded, total / 2, {100: total / 2})
    assert again == refunded and nothing.sales == () and nothing.credit == ()  # handled twice: no change
    back = rollups.cancellation_delta(refunded)
    for field in ("revenue", "refunded", "units", "orders"):
        net = sum(getattr(d, field) for d in paid.sales + refund.sales + back.sales)
        assert net == 0, field
    credit: dict[int, Decimal] = {}
    for party, amount in paid.credit + refund.credit + back.credit:
        credit[party] = credit.get(party, Decimal(0)) + amount
    assert set(credit.values()) <= {Decimal(0)}
