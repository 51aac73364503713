"""Head office's catalogue checks and the sync's row checks, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnichannel.domain.catalogue import check_price, check_title, check_variant
from omnichannel.domain.errors import DomainError, DomainErrors, ErrorCode
from omnichannel.domain.sync import ProductRow, StockRow, check_product_rows, check_stock_rows


@pytest.mark.parametrize("amount", ["0", "-0.01", "0.001", "1.005", "10000000000.00", "NaN", "Infinity"])
def test_prices_out_of_bounds_are_refused(amount):
    with pytest.raises(DomainError) as refused:
        check_price(Decimal(amount), ["listPrice"])
    assert refused.value.field == ["listPrice"]


@given(st.integers(1, 999_999_999_999))
def test_every_whole_cent_amount_is_a_price(cents):
    amount = Decimal(cents) / 100
    assert check_price(amount, ["p"]) == amount.quantize(Decimal("0.01"))


def test_titles_are_trimmed_and_bounded():
    assert check_title("  Tee  ", ["title"]) == "Tee"
    for bad in ("", "   ", "x" * 201):
        with pytest.raises(DomainError):
            check_title(bad, ["title"])


def test_a_variant_reports_every_bad_field_at_once():
    with pytest.raises(DomainErrors) as refused:
        check_variant("", None, "", Decimal("0"), ["variants", "2"])
    assert [e.field for e in refused.value.errors] == [
        ["variants", "2", "sku"],
        ["variants", "2", "title"],
        ["variants", "2", "listPrice"],
    ]


def test_stock_rows_first_of_a_pair_counts_and_negatives_are_refused():
    rows = [StockRow("S01", "A", 3), StockRow("S01", "A", 4), StockRow("S02", "A", -1), StockRow("S02", "B", 0)]
    good, errors = check_stock_rows(rows)
    assert good == [0, 3]
    assert [(e.row, e.code) for e in errors] == [(1, ErrorCode.DUPLICATE_ROW), (2, ErrorCode.NEGATIVE_QUANTITY)]


def test_product_rows_of_one_code_must_agree_and_skus_come_once():
    base = ProductRow("P1", "Tee", "Tops", "P1-S", "Small", None, Decimal("10"))
    rows = [
        base,
        ProductRow("P1", "Tee", "Tops", "P1-M", "Medium", None, Decimal("10")),
        ProductRow("P1", "Other title", "Tops", "P1-L", "Large", None, Decimal("10")),
        ProductRow("P2", "Cap", None, "P1-S", "One", None, Decimal("5")),
        ProductRow("P3", "", None, "P3-1", "One", None, Decimal("5")),
    ]
    cleaned, errors = check_product_rows(rows)
    assert [c is not None for c in cleaned] == [True, True, False, False, False]
    assert [(e.row, e.code) for e in errors] == [
        (2, ErrorCode.INVALID_INPUT),
        (3, ErrorCode.DUPLICATE_ROW),
        (4, ErrorCode.INVALID_INPUT),
    ]
