"""A coupon redeemed at the till lowers the price of the order waiting for payment it is used on.

Called by redeemCoupon inside its one transaction, with the order row and the coupon row locked
(in that order, as cancelling locks them; placeOrder locks no order row, so no cycle): the order is
priced again with the coupon through domain.pricing (domain.order_repricing keeps what it already
had), then its discount lines and its new total are written. Payment, cancellation, expiry and other
redemptions on the order wait for the row lock, so they see the new total.

No event is published: the store feed's kinds (CREATED, PAID, STATUS_CHANGED, CANCELLED) describe
status changes and the status does not change; the new total is read from the order (its updatedAt
moves, so a feed catching up with updatedSince sees it).
"""

from __future__ import annotations

from datetime import datetime

from ..domain import order_repricing
from ..domain.coupons import Coupon, CouponTemplate
from ..domain.errors import DomainError
from ..domain.orders import Order
from ..domain.pricing import CouponOffer
from ..domain.promotions import Promotion
from ..persistence.repositories import order_discounts
from ..persistence.repositories.coupons import CouponStore
from ..persistence.uow import UnitOfWork
from . import checkout
from .context import Context


async def reprice(ctx: Context, uow: UnitOfWork, order: Order, coupon: Coupon, now: datetime) -> DomainError | None:
    """Write the locked order's price with the locked coupon; the refusal instead when the coupon may
    not be added (then nothing is written)."""
    kept = await order_discounts.of_order(uow.conn, order.id)
    kept_ids = [d.coupon_id for d in kept if d.coupon_id is not None]
    # the order's own coupons: only its cancellation or expiry (which wait for its row) moves them
    own = {c.id: c for c in await CouponStore(uow.conn).lock_by_ids(kept_ids)} if kept_ids else {}
    templates = await _templates(ctx, [coupon, *own.values()])
    promotions: list[Promotion | None] = await ctx.loaders.promotion.load_many(
        [d.promotion_id for d in kept if d.promotion_id is not None]
    )
    fulfillments = await uow.orders.fulfillments(order.id)
    placed = await uow.orders.fulfillment_lines([f.id for f in fulfillments])  # the lines as they were priced
    cart = await checkout.cart_of_priced(ctx, [(li.variant_id, li.quantity, li.unit_price.amount) for li in placed])
    rules = ctx.services.loyalty
    try:
        priced = order_repricing.reprice_with_coupon(
            order,
            cart,
            kept,
            kept_promotions=[p for p in promotions if p is not None],
            kept_coupons=[CouponOffer(own[i], templates[own[i].template_id]) for i in kept_ids if i in own],
            new=CouponOffer(coupon, templates[coupon.template_id]),
            store_ids=order_repricing.selling_stores(order, [f.location_id for f in fulfillments]),
            now=now,
            rules=rules,
            tier=rules.tiers[0],  # the tier only sets the points to earn, worked out when the order is paid
        )
    except DomainError as error:
        return error
    await order_discounts.replace(uow.conn, order.id, priced.discounts)
    await uow.orders.save_price(order_repricing.repriced(order, priced, now))
    return None


async def _templates(ctx: Context, coupons: list[Coupon]) -> dict[int, CouponTemplate]:
    found: list[CouponTemplate | None] = await ctx.loaders.coupon_template.load_many(
        sorted({c.template_id for c in coupons})
    )
    return {t.id: t for t in found if t is not None}
