"""Refund arithmetic (no database): shares to the cent, running rounding, points never negative."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnichannel.domain import order_access
from omnichannel.domain import refunds as rules
from omnichannel.domain.access import Principal, Role
from omnichannel.domain.errors import AccessDenied, AuthenticationRequired, DomainError, ErrorCode
from omnichannel.domain.orders import OrderStatus
from omnichannel.domain.refunds import PaidLine, PaidOrder, Refund, RefundStatus

AT = datetime(2026, 12, 1, tzinfo=UTC)


def order(lines: list[tuple[int, int, str]], total: str, redeemed: int = 0, earned: int = 0) -> PaidOrder:
    """lines: (variant, quantity, list amount of the line: unit price x quantity)."""
    return PaidOrder(
        1,
        True,
        Decimal(total),
        redeemed,
        earned,
        tuple(PaidLine(i + 1, v, q, Decimal(a)) for i, (v, q, a) in enumerate(lines)),
    )


def refund_of(plan: rules.RefundPlan, n: int, status: RefundStatus = RefundStatus.PENDING) -> Refund:
    return Refund(
        n, 1, status, plan.amount, "CNY", plan.points_returned, plan.points_reversed, 0, "test",
        plan.lines, None, None, AT, None,
    )  # fmt: skip


def test_a_line_refunded_unit_by_unit_gives_back_exactly_its_share():
    paid = order([(10, 3, "30.00"), (20, 1, "20.00")], "45.00")  # 50.00 list, 5.00 off
    assert rules.line_shares(paid) == {1: 2700, 2: 1800}
    done: list[Refund] = []
    amounts = []
    for n in range(3):
        plan = rules.plan(paid, done, [(10, 1)])
        amounts.append(plan.amount)
        done.append(refund_of(plan, n))
    assert amounts == [Decimal("9.00"), Decimal("9.00"), Decimal("9.00")]
    last = rules.plan(paid, done, None)  # what is left: the other line
    assert last.amount == Decimal("18.00") and last.whole
    assert sum(amounts) + last.amount == Decimal("45.00")


def test_odd_cents_go_to_the_last_unit_and_the_last_line():
    paid = order([(1, 3, "1.00"), (2, 3, "1.00"), (3, 3, "1.00")], "1.00")
    assert sum(rules.line_shares(paid).values()) == 100
    first = rules.plan(paid, [], [(1, 1)])
    assert first.amount == Decimal("0.11")  # floor(33 * 1 / 3)
    everything = rules.plan(paid, [], None)
    assert everything.amount == Decimal("1.00") and everything.whole


def test_more_than_is_left_and_unpaid_orders_are_refused():
    paid = order([(1, 2, "10.00")], "10.00")
    with pytest.raises(DomainError) as too_many:
        rules.plan(paid, [], [(1, 3)])
    assert too_many.value.code is ErrorCode.REFUND_EXCEEDS_ORDER
    first = refund_of(rules.plan(paid, [], [(1, 2)]), 1)
    with pytest.raises(DomainError) as nothing_left:
        rules.plan(paid, [first], None)
    assert nothing_left.value.code is ErrorCode.REFUND_EXCEEDS_ORDER
    failed_refund = refund_of(rules.plan(paid, [], [(1, 2)]), 2, RefundStatus.FAILED)
    assert rules.plan(paid, [failed_refund], None).amount == Decimal("10.00")  # a failed refund holds nothing
    with pytest.raises(DomainError) as unpaid:
        rules.plan(PaidOrder(1, False, Decimal("10.00"), 0, 0, paid.lines), [], None)
    assert unpaid.value.code is ErrorCode.ORDER_NOT_PAID
    for wanted, field in (([(9, 1)], "variantId"), ([(1, 0)], "quantity"), ([], None)):
        with pytest.raises(DomainError) as bad:
            rules.plan(paid, [], wanted)
        assert bad.value.code is ErrorCode.INVALID_INPUT
        assert field is None or bad.value.field[-1] == field


def test_the_same_variant_on_two_lines_is_taken_line_by_line():
    paid = order([(7, 1, "10.00"), (7, 2, "16.00")], "26.00")
    plan = rules.plan(paid, [], [(7, 2)])
    assert [(line.line_id, line.quantity) for line in plan.lines] == [(1, 1), (2, 1)]
    assert plan.amount == Decimal("18.00")


def test_points_are_returned_and_reversed_by_share():
    paid = order([(1, 1, "60.00"), (2, 1, "40.00")], "90.00", redeemed=1000, earned=90)
    first = rules.plan(paid, [], [(1, 1)])
    assert (first.points_returned, first.points_reversed) == (600, 54)
    rest = rules.plan(paid, [refund_of(first, 1)], None)
    assert (rest.points_returned, rest.points_reversed) == (400, 36)


def test_taking_points_back_never_goes_below_zero():
    assert rules.apply_points(returned=0, reversed_planned=50, balance=20) == rules.PointsOutcome(0, 20, 30)
    assert rules.apply_points(returned=100, reversed_planned=50, balance=0) == rules.PointsOutcome(100, 50, 0)
    assert rules.apply_points(returned=0, reversed_planned=10, balance=0) == rules.PointsOutcome(0, 0, 10)


def test_confirmation_is_idempotent_on_its_reference():
    plan = rules.plan(order([(1, 1, "5.00")], "5.00"), [], None)
    pending = refund_of(plan, 1)
    assert rules.confirm(pending, "R-1", True) == rules.Confirmation(RefundStatus.SUCCEEDED, True)
    done = Refund(1, 1, RefundStatus.SUCCEEDED, plan.amount, "CNY", 0, 0, 0, "test", plan.lines, None, "R-1", AT, AT)
    assert rules.confirm(done, "R-1", True) == rules.Confirmation(RefundStatus.SUCCEEDED, False)
    for reference, succeeded in (("R-2", True), ("R-1", False)):
        with pytest.raises(DomainError) as refused:
            rules.confirm(done, reference, succeeded)
        assert refused.value.code is ErrorCode.INVALID_TRANSITION


@pytest.mark.parametrize(
    ("principal", "restock", "allowed"),
    [
        (Principal(Role.HQ_ADMIN, "hq"), "S09", True),
        (Principal(Role.SERVICE, "psp"), None, True),
        (Principal(Role.STORE_MANAGER, "m1", staff_id=1, store_code="S01"), None, True),  # fulfils it
        (Principal(Role.STORE_MANAGER, "m1", staff_id=1, store_code="S01"), "S01", True),  # back at the counter
        (Principal(Role.STORE_MANAGER, "m1", staff_id=1, store_code="S01"), "S02", False),  # not their stock room
        (Principal(Role.STORE_MANAGER, "m3", staff_id=3, store_code="S03"), None, False),  # only took the order
        (Principal(Role.CLERK, "c1", staff_id=2, store_code="S01"), None, False),
        (Principal(Role.MEMBER, "M0001", member_id=1), None, False),
        (Principal(Role.ANALYST, "bi"), None, False),
    ],
)
def test_who_may_refund_and_where_goods_go_back(principal, restock, allowed):
    fulfilling = {"S01", "S02"}  # the order's fulfilments; S03 took it (a clerk-pad order)
    if allowed:
        order_access.check_may_refund(principal, fulfilling, restock)
    else:
        with pytest.raises(AccessDenied):
            order_access.check_may_refund(principal, fulfilling, restock)
    with pytest.raises(AuthenticationRequired):
        order_access.check_may_refund(Principal(None), fulfilling, None)


@pytest.mark.parametrize("status", list(OrderStatus))
def test_goods_go_back_on_hand_only_once_they_left_the_store(status):
    if status in (OrderStatus.SHIPPED, OrderStatus.COMPLETED):
        rules.check_restock(status)
    else:
        with pytest.raises(DomainError) as refused:
            rules.check_restock(status)
        assert refused.value.code is ErrorCode.INVALID_INPUT and refused.value.field == ["restockStoreId"]


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)
lines_strategy = st.lists(st.tuples(st.integers(1, 4), st.integers(1, 5), amounts), min_size=1, max_size=5)


@settings(max_examples=150, deadline=None)
@given(
    lines=lines_strategy,
    off=st.floats(min_value=0, max_value=1),
    redeemed=st.integers(0, 5000),
    earned=st.integers(0, 5000),
    balance=st.integers(0, 3000),
    picks=st.lists(st.tuples(st.integers(0, 4), st.integers(1, 5), st.booleans()), max_size=12),
)
def test_any_sequence_of_refunds_gives_back_at_most_what_was_paid_and_never_makes_points_negative(
    lines, off, redeemed, earned, balance, picks
):
    listed = sum((Decimal(a) for _, _, a in lines), Decimal(0))
    total = (listed * Decimal(str(round(1 - off, 4)))).quantize(Decimal("0.01"))
    paid = order([(v * 10 + i, q, str(a)) for i, (v, q, a) in enumerate(lines)], str(total), redeemed, earned)
    done: list[Refund] = []
    points = balance
    for n, (index, quantity, fails) in enumerate(picks):
        line = paid.lines[index % len(paid.lines)]
        try:
            plan = rules.plan(paid, done, [(line.variant_id, quantity)])
        except DomainError as error:
            assert error.code is ErrorCode.REFUND_EXCEEDS_ORDER
            continue
        assert plan.amount >= 0 and plan.points_returned >= 0 and plan.points_reversed >= 0
        held_before = sum((r.amount for r in done if r.status is not RefundStatus.FAILED), Decimal(0))
        assert plan.amount <= paid.total - held_before  # never more than is left
        status = RefundStatus.FAILED if fails else RefundStatus.SUCCEEDED
        if status is RefundStatus.SUCCEEDED:
            applied = rules.apply_points(plan.points_returned, plan.points_reversed, points)
            assert applied.reversed + applied.shortfall == plan.points_reversed  # what is not taken is recorded
            assert applied.shortfall == max(plan.points_reversed - (points + plan.points_returned), 0)
            points += applied.returned - applied.reversed
            assert points >= 0
        done.append(refund_of(plan, n, status))
        held = [r for r in done if r.status is not RefundStatus.FAILED]
        assert sum((r.amount for r in held), Decimal(0)) <= paid.total
        assert sum(r.points_returned for r in held) <= redeemed and sum(r.points_reversed for r in held) <= earned
    held = [r for r in done if r.status is not RefundStatus.FAILED]
    try:
        rest = rules.plan(paid, done, None)  # the last refund takes exactly the remainder
        assert rest.whole and rest.amount == paid.total - sum((r.amount for r in held), Decimal(0))
        assert rest.points_returned == redeemed - sum(r.points_returned for r in held)
        done.append(refund_of(rest, 99, RefundStatus.SUCCEEDED))
    except DomainError as error:
        assert error.code is ErrorCode.REFUND_EXCEEDS_ORDER  # the partial refunds took everything already
    held = [r for r in done if r.status is not RefundStatus.FAILED]
    assert sum((r.amount for r in held), Decimal(0)) == paid.total  # everything back: exactly what was paid
    assert sum(r.points_returned for r in held) == redeemed and sum(r.points_reversed for r in held) == earned
    assert rules.fully_refunded(paid, done)
