"""The points ledger on PostgreSQL: concurrent spends, replays, expiry runners, the stateful invariant."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from omnichannel.domain.errors import DomainError, ErrorCode
from omnichannel.domain.loyalty import LoyaltyRules
from omnichannel.persistence.uow import TortoiseUnitOfWork, transactional
from omnichannel.resolvers import points
from tests.persistence.loyalty_db import ledger_state, new_member

RULES = LoyaltyRules()
NOW = datetime(2026, 5, 1, tzinfo=UTC)
ORDER_IDS = itertools.count(9_000_000)


async def earn(member_id: int, order_id: int, amount: str, now: datetime = NOW) -> int:
    async def work(uow: TortoiseUnitOfWork) -> int:
        return await points.earn_for_order(
            uow, member_id=member_id, order_id=order_id, amount_paid=Decimal(amount), now=now, rules=RULES, actor="t"
        )

    earned, _ = await transactional(work)
    return earned


async def redeem(member_id: int, amount: int, order_id: int, now: datetime = NOW) -> bool:
    async def work(uow: TortoiseUnitOfWork) -> bool:
        return await points.redeem(
            uow, member_id=member_id, points=amount, order_id=order_id, reason="test", now=now, actor="t"
        )

    done, _ = await transactional(work)
    return done


async def reverse(member_id: int, order_id: int, now: datetime = NOW) -> tuple[int, int]:
    async def work(uow: TortoiseUnitOfWork) -> tuple[int, int]:
        return await points.reverse_for_order(
            uow, member_id=member_id, order_id=order_id, now=now, rules=RULES, actor="t"
        )

    result, _ = await transactional(work)
    return result


async def test_50_concurrent_spends_of_10_from_100_points_exactly_10_succeed(app):
    member = await new_member()
    assert await earn(member, next(ORDER_IDS), "100.00") == 100

    async def spend() -> str:
        try:
            await redeem(member, 10, next(ORDER_IDS))
            return "ok"
        except DomainError as error:
            return error.code.value

    outcomes = await asyncio.gather(*(spend() for _ in range(50)))
    assert outcomes.count("ok") == 10
    assert set(outcomes) - {"ok"} == {ErrorCode.INSUFFICIENT_POINTS.value}
    assert await ledger_state(member) == (0, 0, 0, 11)


async def test_replaying_the_same_earn_posts_once_even_concurrently(app):
    member = await new_member()
    order = next(ORDER_IDS)
    results = await asyncio.gather(*(earn(member, order, "88.80") for _ in range(10)), return_exceptions=True)
    assert sorted(r for r in results if isinstance(r, int)) == [0] * 9 + [88]
    assert await ledger_state(member) == (88, 88, 88, 1)


async def test_cancelling_takes_back_earned_points_as_far_as_the_balance_goes_and_returns_used_points_once(app):
    member = await new_member()
    paid, spent_on = next(ORDER_IDS), next(ORDER_IDS)
    await earn(member, paid, "200.00")
    await redeem(member, 150, spent_on)
    assert await reverse(member, paid) == (50, 0)  # 150 of the 200 were already spent
    assert await reverse(member, paid) == (0, 0)
    assert await reverse(member, spent_on) == (0, 150)
    assert await reverse(member, spent_on) == (0, 0)
    balance, total, lots, _ = await ledger_state(member)
    assert balance == total == lots == 150


async def test_two_expiry_runners_expire_each_lot_once(app):
    members = [await new_member() for _ in range(5)]
    earned_at = datetime(2003, 6, 1, tzinfo=UTC)  # expires at the start of 2005 (Shanghai)
    for member in members:
        await earn(member, next(ORDER_IDS), "30.00", now=earned_at)
        await earn(member, next(ORDER_IDS), "5.00", now=datetime(2004, 6, 1, tzinfo=UTC))
    when = datetime(2005, 1, 2, tzinfo=UTC)
    await asyncio.gather(
        points.expire_points(TortoiseUnitOfWork(), when, batch=2),
        points.expire_points(TortoiseUnitOfWork(), when, batch=2),
    )
    for member in members:
        assert await ledger_state(member) == (5, 5, 5, 3)


class LedgerOnPostgres(RuleBasedStateMachine):
    """Random earn/redeem/reverse/expire/adjust sequences through the real use cases and SQL."""

    loop: asyncio.AbstractEventLoop

    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2001, 1, 1, tzinfo=UTC)  # fixed: every replay must draw the same way
        self.member = self.run(new_member())
        self.orders: list[int] = []

    def run(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    @initialize(amount=st.integers(1, 500))
    def first_purchase(self, amount: int) -> None:
        self.earn(amount)

    @rule(amount=st.integers(1, 500))
    def earn(self, amount: int) -> None:
        order = next(ORDER_IDS)
        self.orders.append(order)
        self.run(earn(self.member, order, f"{amount}.00", self.now))

    @rule(amount=st.integers(1, 400))
    def redeem(self, amount: int) -> None:
        order = next(ORDER_IDS)
        try:
            self.run(redeem(self.member, amount, order, self.now))
            self.orders.append(order)
        except DomainError as error:
            assert error.code is ErrorCode.INSUFFICIENT_POINTS

    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        if self.orders:
            self.run(reverse(self.member, data.draw(st.sampled_from(self.orders)), self.now))

    @rule(days=st.integers(1, 500))
    def time_passes_and_points_expire(self, days: int) -> None:
        self.now += timedelta(days=days)
        self.run(points.expire_points(TortoiseUnitOfWork(), self.now))

    @invariant()
    def balance_is_the_sum_of_entries_and_never_negative(self) -> None:
        balance, total, lots, _ = self.run(ledger_state(self.member))
        assert balance == total == lots >= 0


async def test_stateful_ledger_keeps_balance_equal_to_the_sum_and_never_negative(app):
    LedgerOnPostgres.loop = asyncio.get_running_loop()
    run = settings(max_examples=15, stateful_step_count=25, deadline=None)
    await asyncio.to_thread(run_state_machine_as_test, LedgerOnPostgres, settings=run)


@pytest.mark.parametrize("delta", [-1, 0])
async def test_adjusting_an_empty_balance_below_zero_or_by_nothing_is_refused(app, delta):
    member = await new_member()
    from omnichannel.domain import points as ledger

    async def work(uow: TortoiseUnitOfWork) -> None:
        account = await uow.points.lock_account(member)
        ledger.adjust(account, delta, "test", now=NOW, rules=RULES)

    with pytest.raises(DomainError):
        await transactional(work)


async def test_every_balance_in_the_database_is_the_sum_of_its_entries_and_of_its_open_lots(app):
    """Whatever the tests before this one did (merges included)."""
    from omnichannel.persistence import db

    rows = await db.fetch(
        "SELECT m.id, m.points_balance, COALESCE(SUM(e.points), 0) AS total, COALESCE(SUM(e.remaining), 0) AS lots "
        "FROM member m LEFT JOIN points_entry e ON e.member_id = m.id GROUP BY m.id, m.points_balance"
    )
    drift = [dict(r) for r in rows if not (r["points_balance"] == r["total"] == r["lots"] >= 0)]
    assert drift == []
    closed = await db.fetch("SELECT count(*) AS n FROM member WHERE merged_into_id IS NOT NULL AND points_balance <> 0")
    assert closed[0]["n"] == 0
