"""Safety-stock alerts and the online allocation share: the rules, without a database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnichannel.domain import online_allocation as rules
from omnichannel.domain.errors import DomainError
from omnichannel.domain.inventory import StockLevel
from omnichannel.domain.online_allocation import AllocationPolicy, automatic_share, available_online, changed
from omnichannel.domain.stock_alerts import AlertAction, action, check_safety_stock, is_low


def test_a_level_is_low_at_its_safety_stock_and_below_never_without_one():
    assert is_low(on_hand=5, reserved=2, safety_stock=3)
    assert not is_low(on_hand=5, reserved=1, safety_stock=3)
    assert not is_low(on_hand=0, reserved=0, safety_stock=0)


def test_only_changes_that_free_stock_or_move_the_safety_stock_look_for_an_alert_to_resolve():
    assert action(10, 0, 3, free_delta=-1, safety_changed=False) is None  # a reservation above the line
    assert action(10, 0, 3, free_delta=0, safety_changed=False) is None  # a sale (on hand and reserved)
    assert action(10, 0, 3, free_delta=2, safety_changed=False) is AlertAction.RESOLVE
    assert action(10, 0, 3, free_delta=0, safety_changed=True) is AlertAction.RESOLVE
    assert action(4, 1, 3, free_delta=-1, safety_changed=False) is AlertAction.RAISE
    assert action(4, 1, 3, free_delta=5, safety_changed=False) is AlertAction.RAISE


def test_negative_safety_stock_is_refused():
    with pytest.raises(DomainError) as refused:
        check_safety_stock(-1)
    assert refused.value.field == ["safetyStock"]
    assert check_safety_stock(0) == 0


def test_the_worked_example_of_the_readme():
    level = StockLevel(1, 1, on_hand=20, reserved=4, safety_stock=2, online_reserved=3)
    assert level.available == 14
    assert available_online(level, 0.5) == 6  # floor(0.5 x 18) = 9, less the 3 online orders hold
    assert available_online(level, 1.0) == 14  # never more than available
    assert available_online(level._replace(online_reserved=9), 0.5) == 0


@given(
    on_hand=st.integers(0, 500),
    reserved=st.integers(0, 500),
    safety=st.integers(0, 100),
    online=st.integers(0, 500),
    share=st.integers(0, 10_000).map(lambda n: n / 10_000),
)
def test_available_online_is_never_negative_nor_above_available_and_is_exact_on_shares(
    on_hand, reserved, safety, online, share
):
    reserved = min(reserved, on_hand)
    online = min(online, reserved)
    level = StockLevel(1, 1, on_hand, reserved, safety, online)
    got = available_online(level, share)
    assert 0 <= got <= level.available
    cap = (round(share * 10_000) * (on_hand - safety)) // 10_000  # exact integer floor
    assert got == max(0, min(cap - online, level.available))


def test_shares_outside_0_1_and_min_above_max_are_refused():
    base = AllocationPolicy(1)
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(DomainError):
            changed(base, online_share=bad, automatic=None, min_share=None, max_share=None)
    with pytest.raises(DomainError) as refused:
        changed(base, online_share=None, automatic=True, min_share=0.8, max_share=0.2)
    assert refused.value.field == ["minShare"]
    kept = changed(base, online_share=0.3, automatic=None, min_share=None, max_share=None)
    assert (kept.online_share, kept.automatic, kept.min_share, kept.max_share) == (0.3, False, 0.0, 1.0)


def test_the_daily_share_follows_the_channel_mix_within_its_bounds():
    policy = AllocationPolicy(1, online_share=0.5, automatic=True, min_share=0.2, max_share=0.6)
    assert automatic_share(policy, online_units=30, store_units=70).share == 0.3
    assert automatic_share(policy, online_units=90, store_units=10).share == 0.6  # clamped
    assert automatic_share(policy, online_units=1, store_units=99).share == 0.2
    quiet = automatic_share(policy, online_units=0, store_units=0)
    assert quiet.share == 0.5 and "no sales" in quiet.reason
    assert rules.WINDOW_DAYS == 28
