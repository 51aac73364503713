"""domain.pricing: one function prices every channel the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.coupons import Coupon, CouponKind, CouponStatus, CouponTemplate, Scope
from omnichannel.domain.errors import DomainError, ErrorCode
from omnichannel.domain.loyalty import LoyaltyRules
from omnichannel.domain.pricing import CartLine, CouponOffer, DiscountKind, price_cart
from omnichannel.domain.promotions import Promotion, PromotionKind

NOW = datetime(2026, 6, 1, tzinfo=UTC)
RULES = LoyaltyRules()
BASIC = RULES.tiers[0]
LINES = [
    CartLine(1, 10, frozenset({1}), 2, Decimal("99.00")),  # tops
    CartLine(2, 20, frozenset({2}), 1, Decimal("159.00")),  # bottoms
    CartLine(3, 30, frozenset({3}), 1, Decimal("45.50")),  # outerwear
]
TEN_OFF_TOPS = Promotion(1, "Tops 10% off", PromotionKind.PERCENT_OFF, Scope(frozenset({1})), percent=Decimal(10))
SPEND_300 = Promotion(2, "Spend 300 get 30 off", PromotionKind.SPEND_AMOUNT_OFF, Scope(), Decimal(300), Decimal(30))


def template(**overrides: object) -> CouponTemplate:
    values: dict[str, object] = {
        "id": 7,
        "title": "20 off 200",
        "kind": CouponKind.AMOUNT_OFF,
        "value": Decimal(20),
        "max_discount": None,
        "min_spend": Decimal(200),
        "scope": Scope(),
        "channels": frozenset(),
        "store_ids": frozenset(),
        "valid_from": NOW - timedelta(days=1),
        "valid_until": NOW + timedelta(days=30),
        "total_quantity": None,
        "per_member_limit": None,
    }
    values.update(overrides)
    return CouponTemplate(**values)  # type: ignore[arg-type]


def coupon(
    template_id: int = 7, member_id: int = 5, status: CouponStatus = CouponStatus.ACTIVE, cid: int = 3
) -> Coupon:
    return Coupon(
        cid, template_id, member_id, "C" * 15, status, "t", NOW, NOW - timedelta(days=1), NOW + timedelta(days=30)
    )


def price(channel: SalesChannel = SalesChannel.APP, **kwargs: object):
    defaults: dict[str, object] = {"channel": channel, "store_ids": (1,), "now": NOW, "rules": RULES, "tier": BASIC}
    defaults.update(kwargs)
    return price_cart(LINES, **defaults)  # type: ignore[arg-type]


def test_promotions_then_coupon_then_points_with_every_discount_line_kept():
    priced = price(
        promotions=[TEN_OFF_TOPS, SPEND_300],
        coupons=[CouponOffer(coupon(), template())],
        member_id=5,
        points_balance=5000,
        points_to_redeem=1000,
    )
    assert priced.subtotal == Decimal("402.50")
    kinds = [(d.kind, d.amount) for d in priced.discounts]
    assert kinds == [
        (DiscountKind.PROMOTION, Decimal("19.80")),  # 10% of 198
        (DiscountKind.PROMOTION, Decimal("30.00")),  # 382.70 >= 300
        (DiscountKind.COUPON, Decimal("20.00")),
        (DiscountKind.POINTS, Decimal("10.00")),
    ]
    assert priced.total == Decimal("322.70") == priced.subtotal - priced.discount_total
    assert sum(line.total for line in priced.lines) == priced.total
    assert priced.points_to_earn == 322


def test_the_same_cart_is_priced_identically_in_every_channel():
    results = {
        channel: price(
            channel, promotions=[TEN_OFF_TOPS, SPEND_300], coupons=[CouponOffer(coupon(), template())], member_id=5
        )
        for channel in SalesChannel
    }
    first = next(iter(results.values()))
    for priced in results.values():
        assert (priced.lines, priced.discounts, priced.total, priced.points_to_earn) == (
            first.lines,
            first.discounts,
            first.total,
            first.points_to_earn,
        )


def test_percent_coupon_is_capped_and_scoped():
    percent = template(
        kind=CouponKind.PERCENT_OFF,
        value=Decimal(50),
        max_discount=Decimal(60),
        min_spend=None,
        scope=Scope(frozenset({2})),
    )
    priced = price(coupons=[CouponOffer(coupon(), percent)], member_id=5)
    assert priced.discounts[0].amount == Decimal("60.00")  # 50% of 159 = 79.50, capped at 60
    bottoms = next(line for line in priced.lines if line.variant_id == 2)
    assert bottoms.discount == Decimal("60.00")


@pytest.mark.parametrize(
    ("offer", "kwargs", "code"),
    [
        (CouponOffer(coupon(status=CouponStatus.REDEEMED), template()), {}, ErrorCode.COUPON_ALREADY_USED),
        (CouponOffer(coupon(member_id=6), template()), {}, ErrorCode.COUPON_NOT_YOURS),
        (CouponOffer(coupon(), template(min_spend=Decimal(500))), {}, ErrorCode.COUPON_MIN_SPEND_NOT_MET),
        (
            CouponOffer(coupon(), template(channels=frozenset({SalesChannel.STORE_POS}))),
            {},
            ErrorCode.COUPON_NOT_APPLICABLE,
        ),
        (CouponOffer(coupon(), template(store_ids=frozenset({9}))), {}, ErrorCode.COUPON_NOT_APPLICABLE),
        (CouponOffer(coupon(), template()), {"now": NOW + timedelta(days=31)}, ErrorCode.COUPON_EXPIRED),
    ],
)
def test_coupon_refusals_have_their_own_codes(offer, kwargs, code):
    with pytest.raises(DomainError) as refused:
        price(coupons=[offer], member_id=5, **kwargs)
    assert refused.value.code is code
    assert refused.value.field == ["couponCodes", "0"]


@pytest.mark.parametrize(
    ("stores", "allowed"),
    [
        ((1,), True),  # the till's or pickup store
        ((1, 2), True),  # a delivery shipped from two of its stores
        ((1, 3), False),  # part of the delivery ships from elsewhere
        ((), False),  # no store makes this sale
    ],
)
def test_a_store_exclusive_coupon_needs_every_store_making_the_sale_to_be_one_of_its_own(stores, allowed):
    offer = CouponOffer(coupon(), template(store_ids=frozenset({1, 2})))
    if allowed:
        assert price(coupons=[offer], member_id=5, store_ids=stores).discounts[-1].kind is DiscountKind.COUPON
        return
    with pytest.raises(DomainError) as refused:
        price(coupons=[offer], member_id=5, store_ids=stores)
    assert refused.value.code is ErrorCode.COUPON_NOT_APPLICABLE


def test_points_are_limited_to_the_balance_and_to_a_share_of_the_total():
    with pytest.raises(DomainError) as short:
        price(member_id=5, points_balance=100, points_to_redeem=101)
    assert short.value.code is ErrorCode.INSUFFICIENT_POINTS
    with pytest.raises(DomainError) as too_many:
        price(member_id=5, points_balance=10**6, points_to_redeem=20126)  # half of 402.50 is 20125 points
    assert too_many.value.code is ErrorCode.POINTS_LIMIT_EXCEEDED
    assert price(member_id=5, points_balance=10**6, points_to_redeem=20125).total == Decimal("201.25")


def test_expired_and_future_promotions_do_not_apply():
    ended = Promotion(3, "old", PromotionKind.SPEND_AMOUNT_OFF, Scope(), Decimal(1), Decimal(1), valid_until=NOW)
    assert price(promotions=[ended]).discounts == ()


@given(
    st.lists(st.tuples(st.integers(1, 5), st.decimals("0.01", "999.99", places=2)), min_size=1, max_size=8),
    st.decimals("0.01", "5000", places=2),
)
def test_discounts_are_spread_over_lines_to_the_cent(items, amount_off):
    lines = [CartLine(i, i, frozenset({1}), q, p) for i, (q, p) in enumerate(items)]
    promo = Promotion(1, "p", PromotionKind.SPEND_AMOUNT_OFF, Scope(), Decimal("0.01"), amount_off)
    priced = price_cart(
        lines, channel=SalesChannel.APP, store_ids=(), now=NOW, rules=RULES, tier=BASIC, promotions=[promo]
    )
    assert sum(line.discount for line in priced.lines) == priced.discount_total
    assert all(Decimal(0) <= line.total <= line.subtotal for line in priced.lines)
    assert priced.total == max(Decimal(0), priced.subtotal - amount_off)
