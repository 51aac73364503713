import pytest

from omnichannel.domain.errors import DomainError, ErrorCode
from omnichannel.domain.inventory import StockLevel, adjusted, check_adjustment


def test_available_never_counts_reserved_or_safety_stock_and_never_goes_below_zero():
    assert StockLevel(1, 1, on_hand=10, reserved=3, safety_stock=2).available == 5
    assert StockLevel(1, 1, on_hand=3, reserved=2, safety_stock=5).available == 0


def test_adjustment_refuses_negative_on_hand():
    with pytest.raises(DomainError) as refused:
        adjusted(StockLevel(1, 1, on_hand=2), -3)
    assert refused.value.code is ErrorCode.NEGATIVE_STOCK


def test_adjustment_refuses_to_drop_below_reserved_units():
    with pytest.raises(DomainError) as refused:
        adjusted(StockLevel(1, 1, on_hand=5, reserved=4), -2)
    assert refused.value.code is ErrorCode.NEGATIVE_STOCK
    assert adjusted(StockLevel(1, 1, on_hand=5, reserved=4), -1).on_hand == 4


@pytest.mark.parametrize(("delta", "reason", "field"), [(0, "x", "delta"), (5, "  ", "reason"), (10**7, "x", "delta")])
def test_adjustment_input_is_checked(delta, reason, field):
    with pytest.raises(DomainError) as refused:
        check_adjustment(delta, reason)
    assert refused.value.code is ErrorCode.INVALID_INPUT and refused.value.field == [field]
