from decimal import Decimal

from omnichannel.domain.catalog import PriceOverride, SalesChannel, Variant, effective_price

VARIANT = Variant(id=1, product_id=1, sku="X", barcode=None, title="X", list_price=Decimal("100.00"))
OVERRIDES = [
    PriceOverride(1, Decimal("90.00"), channel=SalesChannel.APP),
    PriceOverride(1, Decimal("80.00"), location_id=7),
    PriceOverride(1, Decimal("70.00"), channel=SalesChannel.APP, location_id=7),
]


def test_list_price_without_overrides():
    assert effective_price(VARIANT, [], SalesChannel.APP, 7).amount == Decimal("100.00")


def test_most_specific_override_wins():
    assert effective_price(VARIANT, OVERRIDES, SalesChannel.APP, None).amount == Decimal("90.00")
    assert effective_price(VARIANT, OVERRIDES, SalesChannel.STORE_POS, 7).amount == Decimal("80.00")
    assert effective_price(VARIANT, OVERRIDES, SalesChannel.APP, 7).amount == Decimal("70.00")
    assert effective_price(VARIANT, OVERRIDES, SalesChannel.MINI_PROGRAM, 8).amount == Decimal("100.00")
    assert effective_price(VARIANT, OVERRIDES, None, None).amount == Decimal("100.00")


def test_shared_money_never_hands_a_zero_the_sign_of_another():
    from decimal import Decimal

    from omnichannel.domain.money import Money

    assert str(Money.of(Decimal("-0.00")).amount) == "-0.00"
    assert str(Money.of(Decimal("0")).amount) == "0.00"
    assert Money.of(Decimal("12.5")) is Money.of(Decimal("12.50"))  # shared per amount
    assert str(Money.of(Decimal("12.5")).amount) == "12.50"
