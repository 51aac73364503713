"""Mappers build the same domain objects by every route."""

from __future__ import annotations

import dataclasses

import pytest

from omnichannel.domain.inventory import StockLevel
from omnichannel.persistence.mappers import frozen_builder, to_stock_level, to_stock_levels


def test_stock_levels_read_by_position_equal_levels_read_by_name():
    rows = [(3, 7, 10, 2, 1), (4, 7, 0, 0, 0)]
    named = [
        to_stock_level(dict(zip(("location_id", "variant_id", "on_hand", "reserved", "safety_stock"), r, strict=True)))
        for r in rows
    ]
    fast = to_stock_levels(rows)
    assert fast == named == [StockLevel(*r) for r in rows]
    assert all(type(level) is StockLevel for level in fast)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast[0].on_hand = 5  # type: ignore[misc]


def test_the_builder_falls_back_to_init_when_the_class_validates():
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        value: int

        def __post_init__(self) -> None:
            if self.value < 0:
                raise ValueError("negative")

    build = frozen_builder(Checked)
    assert build([1]) == Checked(1)
    with pytest.raises(ValueError, match="negative"):
        build([-1])
