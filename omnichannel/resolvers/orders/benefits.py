"""What comes off an order being placed: promotions, coupons and points, priced by domain.pricing.

`price` runs before anything is held (automatic promotions always; coupons and points when asked):
an attempt with codes is checked and counted before the codes are tried (coupon_guard.guessing), and
a refused coupon is audited on its own, so a refusal is never lost with the refused order.
`use` runs in the placing transaction: the discount lines are kept, each coupon is marked used (only
an ACTIVE one moves, so a coupon used meanwhile by another order refuses this whole order) and the
points are spent (the member's row locked; spent meanwhile: refused).
"""

from __future__ import annotations

from collections.abc import Sequence

from ...domain.coupons import AuditEvent, AuditKind
from ...domain.errors import DomainError, ErrorCode
from ...domain.money import Money
from ...domain.order_access import actor
from ...domain.order_requests import (
    NO_BENEFITS,
    Benefits,
    OrderDraft,
    OrderRequest,
    ShipmentDraft,
    selling_stores,
    store_of_record,
)
from ...domain.orders import Order
from ...domain.ports import UnitOfWork
from .. import checkout, coupon_guard, points
from ..context import Context


async def price(
    ctx: Context,
    uow: UnitOfWork,
    request: OrderRequest,
    shipments: Sequence[ShipmentDraft],
    placed_at_location_id: int | None,
) -> Benefits:
    """The order's price through domain.pricing: promotions, coupons, points (checked, not yet used).

    Store-exclusive coupons are checked against the stores making the sale: the pickup store, or for
    a delivery every location the order ships from.
    """
    now = ctx.now()
    promotions = await uow.promotions.live(now)
    asks = bool(request.coupon_codes or request.points_to_redeem)
    if not asks and not promotions:
        return NO_BENEFITS  # nothing can come off: the lines' price is the order's price
    store = store_of_record(request, placed_at_location_id, shipments)
    keys = coupon_guard.guess_keys(ctx.principal, store)
    async with coupon_guard.guessing(ctx, uow, keys, with_codes=bool(request.coupon_codes)):  # checked, counted
        # promotions alone need no member (they are the same for everyone); coupons and points do
        member = await checkout.checkout_member(ctx, uow, request.member_id) if asks else None
        lines = [line for shipment in shipments for line in shipment.lines]
        cart = await checkout.cart_of_priced(uow, [(li.variant_id, li.quantity, li.unit_price.amount) for li in lines])
        try:
            priced = await checkout.price(
                ctx,
                uow,
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
                await uow.coupons.audit([_refusal(ctx, request, member.id if member else None, store, error)])
            raise
    return Benefits(Money.of(priced.discount_total), priced.points_redeemed, priced)


def writes_when_placed(draft: OrderDraft) -> bool:
    """Whether placing this order has loyalty rows to write (discount lines, coupons used, points spent)."""
    return draft.pricing is not None and bool(draft.pricing.discounts)


async def use(tx: UnitOfWork, order: Order, draft: OrderDraft, *, by: str) -> None:
    """In the placing transaction: keep the discount lines, use the coupons, spend the points."""
    pricing = draft.pricing
    if pricing is None or not writes_when_placed(draft):
        return
    await tx.orders.add_discounts(order.id, pricing.discounts)
    store_id = store_of_record(draft.request, draft.placed_at_location_id, draft.shipments)
    staff_id = draft.placement.placed_by_staff_id
    now = draft.created_at
    used = []
    for discount in pricing.discounts:
        if discount.coupon_id is None:
            continue
        if not await tx.coupons.mark_used(
            discount.coupon_id, now=now, store_id=store_id, staff_id=staff_id, order_id=order.id
        ):
            raise DomainError(ErrorCode.COUPON_ALREADY_USED, "This coupon has already been used.", ["couponCodes"])
        used.append(
            AuditEvent(
                AuditKind.USED,
                now,
                template_id=discount.template_id,
                coupon_id=discount.coupon_id,
                member_id=order.member_id,
                channel=pricing.channel,
                store_id=store_id,
                staff_id=staff_id,
                order_id=order.id,
                code=discount.code,
                actor=by,
            )
        )
    await tx.coupons.audit(used)
    if pricing.points_redeemed and order.member_id is not None:
        await points.redeem(
            tx,
            member_id=order.member_id,
            points=pricing.points_redeemed,
            order_id=order.id,
            reason=f"paid part of order {order.number}",
            now=now,
            actor=by,
        )


def _refusal(
    ctx: Context, request: OrderRequest, member_id: int | None, store_id: int | None, error: DomainError
) -> AuditEvent:
    assert error.field is not None
    index = int(error.field[1]) if len(error.field) > 1 and error.field[1].isdigit() else 0
    code = request.coupon_codes[index] if index < len(request.coupon_codes) else None
    return AuditEvent(
        AuditKind.USE_REFUSED,
        ctx.now(),
        member_id=member_id,
        channel=request.channel,
        store_id=store_id,
        staff_id=ctx.principal.staff_id,
        code=code[:40] if code else None,
        error_code=error.code.value,
        detail=error.message,
        actor=actor(ctx.principal),
    )
