"""A coupon redeemed at the till against an open order lowers that order's price.

Which orders: one waiting for payment, placed or picked up at the till's store. Once paid the price
is settled; an order that ended (or whose hold is over) can take nothing.

How: the order is priced again by domain.pricing, the one pricing function, keeping what it got
when it was placed: its lines as placed (the fulfilment lines, at the prices then), the promotions
it was priced with (whether or not they still run), its coupons (already used on it, so not checked
again) and its points. The new coupon comes after its coupons and is checked as placeOrder would
have checked it for this order: in the order's channel, for the stores making the sale, by the
order's member (a guest order: the code is the proof).

Points: the order's points stay exactly as the ledger spent them. When the new coupon lowers what is
due so far that those points would pay more than the rules' share of it, the coupon is refused (the
points are not silently shrunk): the clerk can place the order again with fewer points.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from datetime import datetime

from .errors import DomainError, ErrorCode
from .loyalty import LoyaltyRules, Tier
from .money import Money
from .orders import Order, OrderStatus
from .pricing import MAX_COUPONS, CartLine, CouponOffer, DiscountLine, PricedCart, price_cart
from .promotions import Promotion

FIELD = ["code"]
ORDER = ["orderId"]


def check_order(order: Order | None, store_id: int, now: datetime) -> Order:
    """The order a till may add a coupon to: this store's, and still waiting for payment."""
    if order is None or store_id not in (order.placed_at_location_id, order.pickup_location_id):
        raise DomainError(ErrorCode.NOT_FOUND, "No such order at this store.", ORDER)
    if order.status is OrderStatus.CANCELLED:
        raise DomainError(ErrorCode.ORDER_CANCELLED, "This order was cancelled; coupons cannot be used on it.", ORDER)
    if order.status is OrderStatus.EXPIRED or order.hold_is_over(now):
        raise DomainError(ErrorCode.ORDER_EXPIRED, "This order's hold is over; coupons cannot be used on it.", ORDER)
    if order.status is not OrderStatus.PENDING_PAYMENT:
        raise DomainError(ErrorCode.ORDER_ALREADY_PAID, "This order is paid; coupons apply only before payment.", ORDER)
    return order


def selling_stores(order: Order, fulfilment_location_ids: Collection[int]) -> tuple[int, ...]:
    """The locations making the order's sale, as placeOrder saw them: the pickup store, or every
    location a delivery ships from (what store-exclusive coupons are checked against)."""
    if order.pickup_location_id is not None:
        return (order.pickup_location_id,)
    return tuple(sorted(set(fulfilment_location_ids)))


def reprice_with_coupon(
    order: Order,
    lines: Sequence[CartLine],
    kept: Sequence[DiscountLine],
    *,
    kept_promotions: Sequence[Promotion],
    kept_coupons: Sequence[CouponOffer],
    new: CouponOffer,
    store_ids: Collection[int],
    now: datetime,
    rules: LoyaltyRules,
    tier: Tier,
) -> PricedCart:
    """The order's price with one more coupon. kept: its discount lines as stored; kept_coupons: the
    coupons of those lines, in their order. Raises DomainError (field ["code"]) when the coupon may not
    be added; nothing about the order changes then."""
    if any(o.coupon.id == new.coupon.id for o in kept_coupons):
        raise DomainError(ErrorCode.COUPON_ALREADY_USED, "This coupon is already used on this order.", FIELD)
    if any(o.template.id == new.template.id for o in kept_coupons):
        raise DomainError(ErrorCode.COUPON_NOT_APPLICABLE, "This order already has a coupon of this kind.", FIELD)
    if len(kept_coupons) >= MAX_COUPONS:
        raise DomainError(ErrorCode.COUPON_NOT_APPLICABLE, f"An order takes at most {MAX_COUPONS} coupons.", FIELD)
    offers = [*(dataclasses.replace(o, applied=True) for o in kept_coupons), new]

    def price(points: int) -> PricedCart:
        try:
            return price_cart(
                lines,
                channel=order.channel,
                store_ids=store_ids,
                now=now,
                rules=rules,
                tier=tier,
                coupons=offers,
                member_id=order.member_id,
                points_balance=points,  # the ledger already spent exactly these for the order
                points_to_redeem=points,
                kept_promotions=kept_promotions,
            )
        except DomainError as error:
            raise DomainError(error.code, error.message, FIELD) from None

    points = order.points_redeemed
    if points:
        limit = rules.max_points_for(price(0).total)
        if points > limit:
            raise DomainError(
                ErrorCode.POINTS_LIMIT_EXCEEDED,
                f"This order already uses {points} points; with this coupon points may pay at most "
                f"{rules.max_redeem_share * 100:g}% of it ({limit} points). To use this coupon, place the order "
                "again with fewer points.",
                FIELD,
            )
    priced = price(points)
    _check_kept(order, kept, priced, new.coupon.id)
    return priced


def _check_kept(order: Order, kept: Sequence[DiscountLine], priced: PricedCart, new_coupon_id: int) -> None:
    """Priced again, everything the order already had comes out as it was (only the coupon is new)."""

    def key(d: DiscountLine) -> tuple[object, ...]:
        return (d.kind, d.amount, d.promotion_id, d.coupon_id, d.points)

    again = [key(d) for d in priced.discounts if d.coupon_id != new_coupon_id]
    if (
        again != [key(d) for d in kept]
        or priced.subtotal != order.subtotal.amount
        or priced.points_redeemed != order.points_redeemed
    ):
        raise DomainError(
            ErrorCode.NOT_SUPPORTED,
            "This order's price cannot be worked out again; cancel it and place it again with the coupon.",
            ["orderId"],
        )


def repriced(order: Order, priced: PricedCart, now: datetime) -> Order:
    """The order at its new price (its lines, points and status unchanged)."""
    currency = order.total.currency
    return dataclasses.replace(
        order,
        discount_total=Money(priced.discount_total, currency),
        total=Money(priced.total, currency),
        updated_at=now,
    )
