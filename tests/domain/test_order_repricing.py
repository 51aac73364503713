"""domain.order_repricing: a coupon added at the till reprices an open order through domain.pricing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

import pytest

from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.coupons import CouponStatus
from omnichannel.domain.errors import DomainError, ErrorCode
from omnichannel.domain.locations import FulfillmentMode
from omnichannel.domain.money import Money
from omnichannel.domain.order_repricing import check_order, reprice_with_coupon, repriced, selling_stores
from omnichannel.domain.orders import Order, OrderStatus
from omnichannel.domain.pricing import CouponOffer, DiscountKind, PricedCart, price_cart
from tests.domain.test_cart_pricing import BASIC, LINES, NOW, RULES, SPEND_300, TEN_OFF_TOPS, coupon, template

S = OrderStatus
FIRST = CouponOffer(coupon(cid=3), template())  # 20 off 200, already on the order
TILL = CouponOffer(coupon(cid=4, template_id=8), template(id=8, title="15 off", value=Decimal(15), min_spend=None))


def placed(points: int = 0, offers: tuple[CouponOffer, ...] = (FIRST,)) -> tuple[Order, PricedCart]:
    """An order as placeOrder priced it (promotions, a coupon, points) and what it kept."""
    priced = price_cart(
        LINES,
        channel=SalesChannel.APP,
        store_ids=(3,),
        now=NOW,
        rules=RULES,
        tier=BASIC,
        promotions=[TEN_OFF_TOPS, SPEND_300],
        coupons=offers,
        member_id=5,
        points_balance=points,
        points_to_redeem=points,
    )
    order = Order(
        id=1,
        number="SO00000001",
        channel=SalesChannel.APP,
        status=S.PENDING_PAYMENT,
        mode=FulfillmentMode.PICKUP,
        member_id=5,
        placed_by="MEMBER:M0005",
        placed_by_staff_id=None,
        placed_at_location_id=None,
        attributed_staff_id=None,
        pickup_location_id=3,
        subtotal=Money.of(priced.subtotal),
        discount_total=Money.of(priced.discount_total),
        total=Money.of(priced.total),
        points_redeemed=points,
        points_earned=0,
        reservation_expires_at=NOW + timedelta(minutes=15),
        pickup_code=None,
        created_at=NOW,
        updated_at=NOW,
    )
    return order, priced


def add(order: Order, kept: PricedCart, new: CouponOffer = TILL, **kwargs: object) -> PricedCart:
    used = [
        dataclasses.replace(o, coupon=dataclasses.replace(o.coupon, status=CouponStatus.REDEEMED)) for o in (FIRST,)
    ]
    values: dict[str, object] = {
        "kept_promotions": [TEN_OFF_TOPS, SPEND_300],
        "kept_coupons": used,
        "new": new,
        "store_ids": (3,),
        "now": NOW + timedelta(minutes=5),
        "rules": RULES,
        "tier": BASIC,
    }
    values.update(kwargs)
    return reprice_with_coupon(order, LINES, kept.discounts, **values)  # type: ignore[arg-type]


def test_the_new_coupon_comes_after_what_the_order_kept_and_lowers_the_total_by_its_value():
    order, kept = placed(points=1000)
    priced = add(order, kept)
    assert [d.kind for d in priced.discounts] == [
        DiscountKind.PROMOTION,
        DiscountKind.PROMOTION,
        DiscountKind.COUPON,
        DiscountKind.COUPON,
        DiscountKind.POINTS,
    ]
    assert priced.discounts[3].coupon_id == 4 and priced.discounts[3].amount == Decimal("15.00")
    assert priced.total == kept.total - Decimal("15.00") and priced.points_redeemed == 1000
    after = repriced(order, priced, NOW + timedelta(minutes=5))
    assert (after.total.amount, after.discount_total.amount) == (priced.total, kept.discount_total + 15)
    assert after.status is S.PENDING_PAYMENT and after.subtotal == order.subtotal


def test_promotions_the_order_was_placed_with_still_apply_after_they_ended():
    order, kept = placed()
    ended = [dataclasses.replace(p, active=False) for p in (TEN_OFF_TOPS, SPEND_300)]
    assert add(order, kept, kept_promotions=ended).total == kept.total - Decimal("15.00")


def test_points_beyond_the_share_of_what_is_left_due_refuse_the_coupon():
    order, kept = placed(points=15000)  # 332.70 due before points: 150 yuan of points is within half of it
    with pytest.raises(DomainError) as refused:
        add(order, kept, new=dataclasses.replace(TILL, template=dataclasses.replace(TILL.template, value=Decimal(50))))
    assert refused.value.code is ErrorCode.POINTS_LIMIT_EXCEEDED and refused.value.field == ["code"]
    assert "15000 points" in refused.value.message


@pytest.mark.parametrize(
    ("new", "code"),
    [
        (CouponOffer(coupon(cid=4, template_id=7), template()), ErrorCode.COUPON_NOT_APPLICABLE),  # same kind
        (dataclasses.replace(TILL, coupon=dataclasses.replace(TILL.coupon, member_id=6)), ErrorCode.COUPON_NOT_YOURS),
        (
            dataclasses.replace(
                TILL, template=dataclasses.replace(TILL.template, channels=frozenset({SalesChannel.STORE_POS}))
            ),
            ErrorCode.COUPON_NOT_APPLICABLE,  # checked in the order's channel, as placeOrder would have
        ),
        (
            dataclasses.replace(TILL, template=dataclasses.replace(TILL.template, min_spend=Decimal(1000))),
            ErrorCode.COUPON_MIN_SPEND_NOT_MET,
        ),
    ],
)
def test_the_new_coupon_is_checked_as_placing_the_order_would_have(new, code):
    order, kept = placed()
    with pytest.raises(DomainError) as refused:
        add(order, kept, new=new)
    assert refused.value.code is code and refused.value.field == ["code"]


def test_an_order_whose_kept_discounts_no_longer_price_the_same_is_refused():
    order, kept = placed()
    with pytest.raises(DomainError) as refused:
        add(order, kept, kept_promotions=[TEN_OFF_TOPS])
    assert refused.value.code is ErrorCode.NOT_SUPPORTED


@pytest.mark.parametrize(
    ("changes", "store", "code"),
    [
        ({}, 9, ErrorCode.NOT_FOUND),
        ({"status": S.CONFIRMED}, 3, ErrorCode.ORDER_ALREADY_PAID),
        ({"status": S.READY_FOR_PICKUP}, 3, ErrorCode.ORDER_ALREADY_PAID),
        ({"status": S.CANCELLED}, 3, ErrorCode.ORDER_CANCELLED),
        ({"reservation_expires_at": NOW}, 3, ErrorCode.ORDER_EXPIRED),
    ],
)
def test_only_an_order_of_this_store_waiting_for_payment_takes_a_coupon(changes, store, code):
    order = dataclasses.replace(placed()[0], **changes)
    with pytest.raises(DomainError) as refused:
        check_order(order, store, NOW + timedelta(minutes=1))
    assert refused.value.code is code and refused.value.field == ["orderId"]
    assert check_order(placed()[0], 3, NOW) is not None


def test_a_delivery_is_sold_by_every_location_it_ships_from():
    delivery = dataclasses.replace(placed()[0], pickup_location_id=None, placed_at_location_id=3)
    assert selling_stores(delivery, [5, 2, 5]) == (2, 5)
    assert selling_stores(placed()[0], [3]) == (3,)
