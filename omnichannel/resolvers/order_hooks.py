"""Where promotions, coupons and points plug into the order flow.

- placing: the order is priced by domain.pricing (automatic promotions always; coupons and points
  when asked), checked before anything is held, then committed in the order's own transaction;
- payment: the paid total earns points (once per order) and counts towards the member's tier;
- cancellation and expiry: the order's coupons come back (once, if still valid), the points it used
  are given back and the points it earned are taken back (as far as the balance allows).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from ..domain.coupons import AuditEvent, AuditKind
from ..domain.errors import DomainError
from ..domain.loyalty import LoyaltyRules
from ..domain.money import Money
from ..domain.order_requests import (
    NO_BENEFITS,
    Benefits,
    OrderDraft,
    OrderRequest,
    ShipmentDraft,
    selling_stores,
    store_of_record,
)
from ..domain.orders import Order
from ..persistence.repositories import coupons as coupon_repo
from ..persistence.repositories import promotions as promotion_repo
from ..persistence.repositories.points import PointsStore
from ..persistence.uow import UnitOfWork
from . import checkout, coupon_guard
from . import coupons as coupon_use_cases
from . import points as points_use_cases
from .context import Context

SYSTEM = "system:orders"


async def apply_benefits(
    ctx: Context, request: OrderRequest, shipments: Sequence[ShipmentDraft], placed_at_location_id: int | None
) -> Benefits:
    """The order's price through domain.pricing: promotions, coupons, points (checked, not yet spent).

    Store-exclusive coupons are checked against the stores making the sale: the pickup store, or for
    a delivery every location the order ships from.
    """
    now = ctx.now()
    promotions = await promotion_repo.live(now)
    asks = bool(request.coupon_codes or request.points_to_redeem)
    if not asks and not promotions:
        return NO_BENEFITS  # nothing can come off: the lines' price is the order's price
    store = store_of_record(request, placed_at_location_id, shipments)
    keys = coupon_guard.guess_keys(ctx.principal, store)
    async with coupon_guard.guessing(ctx, keys, with_codes=bool(request.coupon_codes)):  # checked, counted at once
        # promotions alone need no member (they are the same for everyone); coupons and points do
        member = await checkout.checkout_member(ctx, request.member_id) if asks else None
        lines = [line for shipment in shipments for line in shipment.lines]
        cart = await checkout.cart_of_priced(ctx, [(li.variant_id, li.quantity, li.unit_price.amount) for li in lines])
        try:
            priced = await checkout.price(
                ctx,
                channel=request.channel,
                cart=cart,
                store_ids=selling_stores(request, shipments),
                member=member,
                coupon_codes=request.coupon_codes,
                points=request.points_to_redeem,
                promotions=promotions,
            )
        except DomainError as error:
            if error.field and error.field[0] == "couponCodes":
                await _record_refusal(ctx, request, member.id if member else None, store, error)
            raise
    return Benefits(Money.of(priced.discount_total), priced.points_redeemed, priced)


def writes_when_placed(draft: OrderDraft) -> bool:
    """Whether placing this order has loyalty rows to write (discount lines, coupons used, points spent)."""
    return draft.pricing is not None and bool(draft.pricing.discounts)


async def _record_refusal(
    ctx: Context, request: OrderRequest, member_id: int | None, store_id: int | None, error: DomainError
) -> None:
    assert error.field is not None
    index = int(error.field[1]) if len(error.field) > 1 and error.field[1].isdigit() else 0
    code = request.coupon_codes[index] if index < len(request.coupon_codes) else None
    await coupon_repo.record(
        [
            AuditEvent(
                AuditKind.USE_REFUSED,
                ctx.now(),
                member_id=member_id,
                channel=request.channel,
                store_id=store_id,
                staff_id=ctx.principal.staff_id,
                code=code[:40] if code else None,
                error_code=error.code.value,
                detail=error.message,
                actor=checkout_actor(ctx),
            )
        ]
    )


def checkout_actor(ctx: Context) -> str:
    principal = ctx.principal
    return f"{principal.role.value if principal.role else 'ANONYMOUS'}:{principal.subject}"


async def on_placed(uow: UnitOfWork, order: Order, draft: OrderDraft, actor: str) -> None:
    """In the placing transaction: use the coupons, spend the points, keep the discount lines."""
    if draft.pricing is None or not writes_when_placed(draft):
        return
    await checkout.commit_discounts(
        uow,
        draft.pricing,
        member_id=order.member_id,
        order_id=order.id,
        store_id=store_of_record(draft.request, draft.placed_at_location_id, draft.shipments),
        staff_id=draft.placement.placed_by_staff_id,
        now=draft.created_at,
        actor=actor,
    )


async def after_payment(uow: UnitOfWork, order: Order, now: datetime, rules: LoyaltyRules) -> Order:
    """In the payment's transaction: the paid total earns points (once) and counts for the tier."""
    if order.member_id is None:
        return order
    earned = await points_use_cases.earn_for_order(
        uow,
        member_id=order.member_id,
        order_id=order.id,
        amount_paid=order.total.amount,
        now=now,
        rules=rules,
        actor=SYSTEM,
    )
    if earned:
        await PointsStore(uow.conn).set_order_points_earned(order.id, earned)
        return dataclasses.replace(order, points_earned=earned)
    return order


async def after_cancellation(uow: UnitOfWork, order: Order, now: datetime, rules: LoyaltyRules) -> None:
    """In the cancellation's (or expiry's) transaction: coupons and points go back, each once.

    Points earned exist only for a paid order; those are taken back as far as the balance allows.
    """
    await coupon_use_cases.return_for_order(uow, order_id=order.id, now=now, actor=SYSTEM)
    if order.member_id is not None:
        await points_use_cases.reverse_for_order(
            uow, member_id=order.member_id, order_id=order.id, now=now, rules=rules, actor=SYSTEM
        )
