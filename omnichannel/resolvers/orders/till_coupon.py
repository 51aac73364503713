"""A coupon redeemed at the till lowers the price of the order waiting for payment it is used on.

Two steps inside redeemCoupon's one transaction (resolvers/coupon_redemption.py), in the lock order
every order change follows: `lock_open_order` first (the order row, as cancelling locks it; placeOrder
locks no order row, so no cycle), then, once the coupon's row is locked and its status checked,
`reprice`: the order is priced again with the coupon through domain.pricing (domain.order_repricing
keeps what it already had), then its discount lines and its new total are written and OrderRepriced
is recorded. Payment, cancellation, expiry and other redemptions on the order wait for its row lock,
so they see the new total. The store feeds hear nothing (its status does not change; its updatedAt
moves, so a feed catching up with updatedSince sees it).
"""

from __future__ import annotations

from datetime import datetime

from ...domain import order_repricing
from ...domain.coupons import Coupon
from ...domain.errors import DomainError
from ...domain.order_aggregate import OrderAggregate
from ...domain.ports import UnitOfWork
from ...domain.pricing import CouponOffer
from .. import checkout
from ..context import Context


async def lock_open_order(tx: UnitOfWork, order_id: int, *, store_id: int, now: datetime) -> OrderAggregate:
    """The order, row-locked, when a till of this store may add a coupon to it (else DomainError)."""
    found = await tx.orders.get_for_update(order_id)
    order_repricing.check_order(found.order if found else None, store_id, now)
    assert found is not None
    return found


async def reprice(
    ctx: Context, tx: UnitOfWork, order: OrderAggregate, coupon: Coupon, now: datetime
) -> DomainError | None:
    """Write the locked order's price with the locked coupon; the refusal instead when the coupon may
    not be added (then nothing is written)."""
    kept = await tx.orders.discounts(order.order.id)
    kept_ids = [d.coupon_id for d in kept if d.coupon_id is not None]
    # the order's own coupons: only its cancellation or expiry (which wait for its row) moves them
    own = {c.id: c for c in await tx.coupons.lock_by_ids(kept_ids)} if kept_ids else {}
    templates = await tx.coupons.templates(sorted({c.template_id for c in [coupon, *own.values()]}))
    promotion_ids = [d.promotion_id for d in kept if d.promotion_id is not None]
    promotions = await tx.promotions.by_ids(promotion_ids)
    lines = [(li.variant_id, li.quantity, li.unit_price.amount) for li in order.lines]  # as they were priced
    rules = ctx.services.loyalty
    try:
        priced = order_repricing.reprice_with_coupon(
            order.order,
            await checkout.cart_of_priced(tx, lines),
            kept,
            kept_promotions=[promotions[i] for i in promotion_ids if i in promotions],
            kept_coupons=[CouponOffer(own[i], templates[own[i].template_id]) for i in kept_ids if i in own],
            new=CouponOffer(coupon, templates[coupon.template_id]),
            store_ids=order_repricing.selling_stores(order.order, [f.location_id for f in order.fulfillments]),
            now=now,
            rules=rules,
            tier=rules.tiers[0],  # the tier only sets the points to earn, worked out when the order is paid
        )
    except DomainError as error:
        return error
    await tx.orders.replace_discounts(order.order.id, priced.discounts)
    order.reprice(priced, coupon_id=coupon.id, now=now)
    await tx.orders.save(order)
    tx.record(*order.events)
    return None
