"""The points ledger as pure rules: balance == sum of entries == what the lots hold, never negative."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from omnichannel.domain import points as ledger
from omnichannel.domain.errors import DomainError, ErrorCode
from omnichannel.domain.loyalty import LoyaltyRules
from omnichannel.domain.points import EntryKind, PointsAccount

RULES = LoyaltyRules()
START = datetime(2025, 3, 1, 12, tzinfo=UTC)


def test_points_expire_at_the_end_of_the_year_after_they_were_earned_shanghai_time():
    assert RULES.expiry_for(datetime(2025, 3, 1, tzinfo=UTC)) == datetime(2026, 12, 31, 16, tzinfo=UTC)
    # 2025-12-31 17:00 UTC is already 2026 in Shanghai
    assert RULES.expiry_for(datetime(2025, 12, 31, 17, tzinfo=UTC)) == datetime(2027, 12, 31, 16, tzinfo=UTC)


def test_debits_consume_the_soonest_expiring_lots_first():
    account = PointsAccount(1, 0)
    first = ledger.credit(account, EntryKind.EARN, 50, "a", now=START, rules=RULES)
    account = account.after(first, 10)
    second = ledger.credit(account, EntryKind.EARN, 30, "b", now=START + timedelta(days=400), rules=RULES)
    account = account.after(second, 11)
    spend = ledger.debit(account, EntryKind.REDEEM, 60, "order")
    assert spend.lot_updates == ((10, 0), (11, 20))
    assert spend.balance_after == 20


def test_a_debit_beyond_the_balance_is_refused_and_a_clawback_takes_what_there_is():
    account = PointsAccount(1, 0).after(
        ledger.credit(PointsAccount(1, 0), EntryKind.EARN, 5, "a", now=START, rules=RULES), 1
    )
    with pytest.raises(DomainError) as refused:
        ledger.debit(account, EntryKind.REDEEM, 6, "order")
    assert refused.value.code is ErrorCode.INSUFFICIENT_POINTS
    clawback = ledger.debit(account, EntryKind.REVERSE, 6, "cancelled", partial=True)
    assert clawback.entry.points == -5 and clawback.balance_after == 0


def test_adjustments_never_take_the_balance_below_zero():
    account = PointsAccount(1, 0)
    with pytest.raises(DomainError) as refused:
        ledger.adjust(account, -1, "oops", now=START, rules=RULES)
    assert refused.value.code is ErrorCode.INSUFFICIENT_POINTS
    with pytest.raises(DomainError):
        ledger.adjust(account, 10, "   ", now=START, rules=RULES)


def test_earning_follows_the_tier_multiplier_and_rounds_down():
    gold = RULES.tier_for(Decimal(9000))
    assert gold.name == "GOLD"
    assert RULES.points_to_earn(Decimal("99.99"), gold) == 149
    assert RULES.points_to_earn(Decimal("99.99"), RULES.tier_for(Decimal(0))) == 99
    assert RULES.max_points_for(Decimal("100.00")) == 5000  # half of 100 yuan at 0.01 per point


class Ledger(RuleBasedStateMachine):
    """Random earn / redeem / reverse / adjust / expire sequences against a plain model."""

    def __init__(self) -> None:
        super().__init__()
        self.account = PointsAccount(1, 0)
        self.entries: list[int] = []
        self.now = START
        self.next_id = 1

    def _post(self, posting: ledger.Posting) -> None:
        self.account = self.account.after(posting, self.next_id)
        self.entries.append(posting.entry.points)
        self.next_id += 1

    @rule(points=st.integers(1, 500))
    def earn(self, points: int) -> None:
        self._post(ledger.credit(self.account, EntryKind.EARN, points, "earn", now=self.now, rules=RULES))

    @rule(points=st.integers(1, 600))
    def redeem(self, points: int) -> None:
        try:
            self._post(ledger.debit(self.account, EntryKind.REDEEM, points, "redeem"))
        except DomainError as error:
            assert error.code is ErrorCode.INSUFFICIENT_POINTS and points > self.account.balance

    @rule(points=st.integers(1, 600))
    def reverse(self, points: int) -> None:
        if self.account.balance:
            self._post(ledger.debit(self.account, EntryKind.REVERSE, points, "reverse", partial=True))

    @rule(days=st.integers(1, 400))
    def time_passes_and_points_expire(self, days: int) -> None:
        self.now += timedelta(days=days)
        posting = ledger.expire_due(self.account, self.now)
        if posting is not None:
            self._post(posting)
        assert all(lot.expires_at > self.now for lot in self.account.lots)

    @invariant()
    def balance_is_the_sum_and_never_negative(self) -> None:
        assert self.account.balance == sum(self.entries) >= 0
        assert self.account.balance == sum(lot.remaining for lot in self.account.lots)


TestLedger = Ledger.TestCase
TestLedger.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
