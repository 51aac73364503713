from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from omnichannel.domain.catalog import PriceOverride, SalesChannel, Variant, effective_price

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)

VARIANT = Variant(id=1, product_id=1, sku="X", barcode=None, title="X", list_price=Decimal("100.00"))
OVERRIDES = [
    PriceOverride(1, Decimal("90.00"), channel=SalesChannel.APP),
    PriceOverride(1, Decimal("80.00"), location_id=7),
    PriceOverride(1, Decimal("70.00"), channel=SalesChannel.APP, location_id=7),
]


def test_list_price_without_overrides():
    assert effective_price(VARIANT, [], SalesChannel.APP, 7, now=NOW).amount == Decimal("100.00")


def test_most_specific_override_wins():
    assert effective_price(VARIANT, OVERRIDES, SalesChannel.APP, None, now=NOW).amount == Decimal("90.00")
    assert effective_price(VARIANT, OVERRIDES, SalesChannel.STORE_POS, 7, now=NOW).amount == Decimal("80.00")
    assert effective_price(VARIANT, OVERRIDES, SalesChannel.APP, 7, now=NOW).amount == Decimal("70.00")
    assert effective_price(VARIANT, OVERRIDES, SalesChannel.MINI_PROGRAM, 8, now=NOW).amount == Decimal("100.00")
    assert effective_price(VARIANT, OVERRIDES, None, None, now=NOW).amount == Decimal("100.00")


def test_shared_money_never_hands_a_zero_the_sign_of_another():
    from decimal import Decimal

    from omnichannel.domain.money import Money

    assert str(Money.of(Decimal("-0.00")).amount) == "-0.00"
    assert str(Money.of(Decimal("0")).amount) == "0.00"
    assert Money.of(Decimal("12.5")) is Money.of(Decimal("12.50"))  # shared per amount
    assert str(Money.of(Decimal("12.5")).amount) == "12.50"


def test_only_overrides_in_force_count_from_inclusive_until_exclusive():
    hour = timedelta(hours=1)
    window = [PriceOverride(1, Decimal("60.00"), channel=SalesChannel.APP, valid_from=NOW, valid_until=NOW + hour)]
    assert effective_price(VARIANT, window, SalesChannel.APP, None, now=NOW - timedelta(microseconds=1)).amount == 100
    assert effective_price(VARIANT, window, SalesChannel.APP, None, now=NOW).amount == Decimal("60.00")
    assert effective_price(VARIANT, window, SalesChannel.APP, None, now=NOW + hour).amount == 100
    # a store price that has ended gives way to the channel price still running
    mixed = [*OVERRIDES[:1], PriceOverride(1, Decimal("50.00"), location_id=7, valid_until=NOW)]
    assert effective_price(VARIANT, mixed, SalesChannel.APP, 7, now=NOW).amount == Decimal("90.00")


def test_overlapping_windows_of_one_scope_the_latest_start_wins():
    standing = PriceOverride(1, Decimal("95.00"), channel=SalesChannel.APP)
    campaign = PriceOverride(1, Decimal("99.00"), channel=SalesChannel.APP, valid_from=NOW - timedelta(days=1))
    for order in ([standing, campaign], [campaign, standing]):
        assert effective_price(VARIANT, order, SalesChannel.APP, None, now=NOW).amount == Decimal("99.00")


CHANNELS = st.sampled_from([None, *SalesChannel])
STORES = st.sampled_from([None, 7, 8])
INSTANTS = st.one_of(st.none(), st.integers(-5, 5).map(lambda h: NOW + timedelta(hours=h)))
OVERRIDE = st.builds(
    PriceOverride,
    variant_id=st.just(1),
    amount=st.integers(1, 20_000).map(lambda c: Decimal(c) / 100),
    channel=CHANNELS,
    location_id=STORES,
    valid_from=INSTANTS,
    valid_until=INSTANTS,
)


def _oracle(overrides: list[PriceOverride], channel: SalesChannel | None, store: int | None, now: datetime) -> Decimal:
    """Brute force, written from the rule: try the scopes in order of precedence."""
    live = [
        o
        for o in overrides
        if (o.valid_from is None or o.valid_from <= now) and (o.valid_until is None or now < o.valid_until)
    ]
    for want_store, want_channel in ((True, True), (True, False), (False, True), (False, False)):
        scoped = [
            o
            for o in live
            if (o.location_id is not None) == want_store
            and (o.channel is not None) == want_channel
            and (o.location_id is None or o.location_id == store)
            and (o.channel is None or o.channel == channel)
        ]
        if scoped:
            latest = max((o.valid_from or datetime.min.replace(tzinfo=UTC)) for o in scoped)
            return min(o.amount for o in scoped if (o.valid_from or datetime.min.replace(tzinfo=UTC)) == latest)
    return VARIANT.list_price


@given(
    overrides=st.lists(OVERRIDE, max_size=8),
    channel=CHANNELS,
    store=STORES,
    hours=st.integers(-6, 6),
)
def test_the_price_is_the_most_specific_override_in_force(overrides, channel, store, hours):
    now = NOW + timedelta(hours=hours, minutes=30)
    assert effective_price(VARIANT, overrides, channel, store, now=now).amount == _oracle(
        overrides, channel, store, now
    )
    assert effective_price(VARIANT, list(reversed(overrides)), channel, store, now=now).amount == _oracle(
        overrides, channel, store, now
    )
