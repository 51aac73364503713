"""Commission arithmetic: the best rule per line, entries to the cent, reversals back to exactly zero."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnichannel.domain.allocation import round_cent
from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.commission import (
    CommissionRule,
    SaleLine,
    best_rule,
    earn,
    new_rule,
    owed_after_refunds,
    refunded_by_line,
    reversal,
)
from omnichannel.domain.errors import DomainError

NOW = datetime(2026, 12, 3, 10, tzinfo=UTC)


def rule(id_: int, rate: str, channels=(), categories=(), valid_from=None, valid_until=None, ended_at=None):
    return CommissionRule(
        id_,
        f"rule {id_}",
        Decimal(rate),
        frozenset(channels),
        frozenset(categories),
        valid_from,
        valid_until,
        ended_at,
        NOW - timedelta(days=30),
    )


def test_each_line_earns_at_its_best_matching_rule_on_its_share_of_what_was_paid():
    rules = [
        rule(1, "2"),  # everything
        rule(2, "5", categories={10}),  # shoes
        rule(3, "8", channels={SalesChannel.APP}),  # not this channel
        rule(4, "9", categories={10}, ended_at=NOW - timedelta(hours=1)),  # ended
        rule(5, "7", categories={11}, valid_from=NOW + timedelta(days=1)),  # not yet
    ]
    lines = [SaleLine(0, Decimal("300.00"), frozenset({10})), SaleLine(1, Decimal("100.00"), frozenset({11}))]
    # 360 paid of a 400 value: 270 on the shoes, 90 on the other line
    earning = earn(channel=SalesChannel.CLERK_PAD, lines=lines, paid=Decimal("360.00"), rules=rules, at=NOW)
    assert [(c.base, c.rule_id, c.rate_percent) for c in earning.lines] == [
        (Decimal("270.00"), 2, Decimal("5")),
        (Decimal("90.00"), 1, Decimal("2")),
    ]
    assert earning.amount == Decimal("15.30")  # 13.50 + 1.80
    assert earning.rule_id == 2


def test_an_order_no_rule_matches_earns_a_zero_entry():
    earning = earn(
        channel=SalesChannel.STORE_POS,
        lines=[SaleLine(0, Decimal("50"), frozenset())],
        paid=Decimal("50.00"),
        rules=[rule(1, "3", categories={99})],
        at=NOW,
    )
    assert earning.amount == Decimal("0.00") and earning.rule_id is None


def test_a_tie_goes_to_the_older_rule():
    assert best_rule([rule(7, "4"), rule(3, "4")], SalesChannel.CLERK_PAD, frozenset(), NOW).id == 3


def test_the_sum_is_rounded_once_not_per_line():
    # three lines each earning 0.333..: per-line rounding would give 0.99, the rule gives 1.00
    lines = [SaleLine(i, Decimal("10.00"), frozenset()) for i in range(3)]
    earning = earn(
        channel=SalesChannel.CLERK_PAD, lines=lines, paid=Decimal("30.00"), rules=[rule(1, "3.3333")], at=NOW
    )
    assert earning.amount == Decimal("1.00")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": " "}, "name"),
        ({"rate_percent": Decimal(0)}, "ratePercent"),
        ({"rate_percent": Decimal("100.01")}, "ratePercent"),
        ({"rate_percent": Decimal("NaN")}, "ratePercent"),
        ({"rate_percent": Decimal("1.00001")}, "ratePercent"),
        ({"valid_from": NOW, "valid_until": NOW}, "validUntil"),
        ({"category_ids": list(range(101))}, "categoryIds"),
    ],
)
def test_bad_rules_are_refused_with_the_field(kwargs, field):
    base = {
        "name": "Shoes",
        "rate_percent": Decimal("5"),
        "channels": [],
        "category_ids": [],
        "valid_from": None,
        "valid_until": None,
    }
    with pytest.raises(DomainError) as refused:
        new_rule(**{**base, **kwargs})
    assert refused.value.field == [field]


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100"), places=4)


@st.composite
def orders(draw):
    values = draw(st.lists(money, min_size=1, max_size=6))
    lines = [SaleLine(i, v, frozenset(draw(st.sets(st.integers(1, 4), max_size=2)))) for i, v in enumerate(values)]
    paid = draw(st.decimals(min_value=Decimal("0"), max_value=sum(values), places=2))
    rules = [
        rule(i + 1, str(draw(rates)), categories=draw(st.sets(st.integers(1, 4), max_size=2)))
        for i in range(draw(st.integers(0, 4)))
    ]
    return lines, paid, rules


@settings(max_examples=150, deadline=None)
@given(orders())
def test_an_entry_is_the_exact_sum_of_its_lines_rounded_once(order):
    lines, paid, rules = order
    earning = earn(channel=SalesChannel.CLERK_PAD, lines=lines, paid=paid, rules=rules, at=NOW)
    assert sum(c.base for c in earning.lines) == paid
    assert earning.amount == round_cent(sum((c.base * c.rate_percent / 100 for c in earning.lines), Decimal(0)))
    for line, computed in zip(lines, earning.lines, strict=True):
        matching = [r.rate_percent for r in rules if not r.category_ids or r.category_ids & line.category_ids]
        assert computed.rate_percent == max(matching, default=Decimal(0))


@settings(max_examples=150, deadline=None)
@given(orders(), st.data())
def test_entries_sum_to_zero_after_a_full_refund_whatever_the_refunds_before_it(order, data):
    lines, paid, rules = order
    earning = earn(channel=SalesChannel.CLERK_PAD, lines=lines, paid=paid, rules=rules, at=NOW)
    entries = [earning.amount]
    refunded = {c.position: Decimal(0) for c in earning.lines}
    for _ in range(data.draw(st.integers(0, 4))):  # partial refunds, by line or as one amount
        if data.draw(st.booleans()):
            position = data.draw(st.sampled_from(sorted(refunded)))
            base = next(c.base for c in earning.lines if c.position == position)
            refunded[position] += data.draw(st.decimals(min_value=0, max_value=base - refunded[position], places=2))
        else:
            left = paid - sum(refunded.values())
            amount = data.draw(st.decimals(min_value=0, max_value=left, places=2))
            remaining = list(earning.lines)
            spread = refunded_by_line(remaining, amount)
            for position, part in spread.items():
                base = next(c.base for c in earning.lines if c.position == position)
                refunded[position] = min(base, refunded[position] + part)
        entry = reversal(earning.amount, sum(entries[1:], Decimal(0)), owed_after_refunds(earning.lines, refunded))
        assert entry <= 0
        entries.append(entry)
        assert 0 <= sum(entries) <= earning.amount
    full = {c.position: c.base for c in earning.lines}
    entries.append(reversal(earning.amount, sum(entries[1:], Decimal(0)), owed_after_refunds(earning.lines, full)))
    assert sum(entries) == 0
    assert all(e == e.quantize(Decimal("0.01")) for e in entries)
