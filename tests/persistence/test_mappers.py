"""Mappers build the same domain objects by every route."""

from __future__ import annotations

import dataclasses

import pytest

from omnichannel.domain.inventory import StockLevel
from omnichannel.persistence.mappers import frozen_builder, to_stock_level, to_stock_levels


def test_stock_levels_read_by_position_equal_levels_read_by_name():
    rows = [(3, 7, 10, 2, 1, 1), (4, 7, 0, 0, 0, 0)]
    names = ("location_id", "variant_id", "on_hand", "reserved", "safety_stock", "online_reserved")
    named = [to_stock_level(dict(zip(names, r, strict=True))) for r in rows]
    fast = to_stock_levels(rows)
    assert fast == named == [StockLevel(*r) for r in rows]
    assert all(type(level) is StockLevel for level in fast)
    with pytest.raises(AttributeError):  # immutable
        fast[0].on_hand = 5  # type: ignore[misc]
    assert [level.available for level in fast] == [7, 0]


def test_page_rows_build_the_products_and_variants_their_constructors_build():
    from datetime import UTC, datetime
    from decimal import Decimal

    from omnichannel.domain.catalog import PriceOverride, Product, SalesChannel, Variant
    from omnichannel.persistence.mappers import to_page_with_variants

    page = (1, "Tea", None, 4, True)
    start = datetime(2026, 12, 1, tzinfo=UTC)
    tea = (10, 1, "T-1", "690001", "Tea 250 g", Decimal("19.90"), True, True)
    rows = [
        (*page, *tea, 10, "APP", None, Decimal("17.90"), None, None),
        (*page, *tea, 10, None, 5, Decimal("18.50"), start, None),
        (*page, 11, 1, "T-2", None, "Tea 500 g", Decimal("35.00"), True, True, None, None, None, None, None, None),
        (2, "Cups", "Glass", None, True, *([None] * 14)),
    ]
    products, variants, overrides = to_page_with_variants(rows)
    assert products == [Product(1, "Tea", None, 4, True), Product(2, "Cups", "Glass", None, True)]
    assert variants == [
        Variant(10, 1, "T-1", "690001", "Tea 250 g", Decimal("19.90"), True),
        Variant(11, 1, "T-2", None, "Tea 500 g", Decimal("35.00"), True),
    ]
    assert overrides == [
        PriceOverride(variant_id=10, amount=Decimal("17.90"), channel=SalesChannel.APP, location_id=None),
        PriceOverride(variant_id=10, amount=Decimal("18.50"), channel=None, location_id=5, valid_from=start),
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        variants[0].sku = "X"  # type: ignore[misc]


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
