"""Pricing a cart for any channel through domain.pricing, and committing its coupons and points.

`quote` prices without holding anything (front ends show it before ordering). Checkout (placeOrder)
calls `price` inside its own unit of work with `uow`, which locks the member's balance row and the
coupons, then `commit_discounts` in the same transaction: a coupon is used by one order, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..domain import coupon_codes, order_requests
from ..domain.access import AccessDenied, Role
from ..domain.catalog import SalesChannel, Variant, effective_price
from ..domain.coupons import AuditEvent, AuditKind, unknown_code
from ..domain.errors import DomainError, ErrorCode
from ..domain.orders import Order, order_number
from ..domain.people import Member
from ..domain.pricing import CartLine, CouponOffer, DiscountLine, PricedCart, price_cart
from ..domain.promotions import Promotion
from ..persistence.repositories import coupons as coupon_repo
from ..persistence.repositories import order_discounts
from ..persistence.repositories import promotions as promotion_repo
from ..persistence.repositories.coupons import CouponStore
from ..persistence.repositories.points import PointsStore
from ..persistence.uow import UnitOfWork
from . import coupon_guard
from . import points as points_use_cases
from .context import Context
from .members import current_member, may_see_member, tier_of
from .results import Result

MAX_LINES = order_requests.MAX_LINES  # one limit for a quote and an order (a quote is an order to be)
MAX_QUANTITY = order_requests.MAX_QUANTITY


@dataclass(frozen=True, slots=True)
class CheckoutLine:
    variant_id: int
    quantity: int


async def cart_lines(
    ctx: Context, lines: Sequence[CheckoutLine], channel: SalesChannel, store_id: int | None
) -> list[CartLine]:
    """The lines at the price this channel and store pay now."""
    if not lines:
        raise DomainError(ErrorCode.INVALID_INPUT, "A cart needs at least one line.", ["lines"])
    if len(lines) > MAX_LINES:
        raise DomainError(ErrorCode.INVALID_INPUT, f"An order has at most {MAX_LINES} lines.", ["lines"])
    for n, line in enumerate(lines):
        if not (1 <= line.quantity <= MAX_QUANTITY):
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"Quantity must be 1 to {MAX_QUANTITY}.", ["lines", str(n), "quantity"]
            )
    ids = [line.variant_id for line in lines]
    variants: list[Variant] = []
    for n, variant in enumerate(await ctx.loaders.variant.load_many(ids)):
        if variant is None or not variant.active:
            raise DomainError(ErrorCode.NOT_FOUND, "No such variant on sale.", ["lines", str(n), "variantId"])
        variants.append(variant)
    products = await ctx.loaders.product.load_many([v.product_id for v in variants])
    overrides = await ctx.loaders.price_overrides.load_many(ids)
    return [
        CartLine(
            variant.id,
            variant.product_id,
            product.category_id if product else None,
            line.quantity,
            effective_price(variant, found, channel, store_id).amount,
        )
        for line, variant, product, found in zip(lines, variants, products, overrides, strict=True)
    ]


def canonical_codes(codes: Sequence[str]) -> list[str]:
    found = []
    for n, code in enumerate(codes):
        canonical = coupon_codes.canonical(code)
        if canonical is None:
            raise unknown_code(["couponCodes", str(n)])
        found.append(canonical)
    return found


async def cart_of_priced(ctx: Context, lines: Sequence[tuple[int, int, Decimal]]) -> list[CartLine]:
    """Lines the order centre already priced (variant, quantity, unit price) as a cart."""
    found = await ctx.loaders.variant.load_many([variant_id for variant_id, _, _ in lines])
    variants = [v for v in found if v is not None]
    if len(variants) != len(found):  # order lines reference their variants
        raise LookupError("a variant of a priced order line is missing")
    products = await ctx.loaders.product.load_many([v.product_id for v in variants])
    return [
        CartLine(variant.id, variant.product_id, product.category_id if product else None, quantity, unit_price)
        for (_, quantity, unit_price), variant, product in zip(lines, variants, products, strict=True)
    ]


async def price(
    ctx: Context,
    *,
    channel: SalesChannel,
    cart: Sequence[CartLine],
    store_ids: Sequence[int],
    member: Member | None,
    coupon_codes: Sequence[str] = (),
    points: int = 0,
    uow: UnitOfWork | None = None,
    promotions: Sequence[Promotion] | None = None,
) -> PricedCart:
    """Price a cart sold by these stores (none: online). With uow: inside that transaction, the
    member's balance and the coupons locked. `promotions`: the live ones, when the caller has them."""
    now, rules = ctx.now(), ctx.services.loyalty
    if points and member is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Points need a member: sign in or name one.", ["pointsToRedeem"])
    if coupon_codes and member is None and not ctx.principal.is_store_staff:
        raise DomainError(ErrorCode.INVALID_INPUT, "Sign in to use coupons.", ["couponCodes"])
    codes = canonical_codes(coupon_codes)
    if uow is not None:
        found = await CouponStore(uow.conn).lock_by_codes(codes) if codes else []
        account = await PointsStore(uow.conn).lock_account(member.id) if member is not None else None
        balance = account.balance if account is not None else None
    else:
        found = await coupon_repo.coupons_by_codes(codes) if codes else []
        balance = member.points_balance if member is not None else None
    by_code = {c.code: c for c in found}
    templates = await ctx.loaders.coupon_template.load_many(sorted({c.template_id for c in found}))
    template_by_id = {t.id: t for t in templates if t is not None}
    offers = []
    for n, code in enumerate(codes):
        coupon = by_code.get(code)
        if coupon is None:
            raise unknown_code(["couponCodes", str(n)])
        offers.append(CouponOffer(coupon, template_by_id[coupon.template_id]))
    tier = (await tier_of(ctx, member))[0] if member is not None else rules.tiers[0]
    return price_cart(
        cart,
        channel=channel,
        store_ids=store_ids,
        now=now,
        rules=rules,
        tier=tier,
        promotions=await promotion_repo.live(now) if promotions is None else promotions,
        coupons=offers,
        member_id=member.id if member is not None else None,
        points_balance=balance,
        points_to_redeem=points,
    )


async def commit_discounts(
    uow: UnitOfWork,
    priced: PricedCart,
    *,
    member_id: int | None,
    order_id: int,
    store_id: int | None,
    staff_id: int | None,
    now: datetime,
    actor: str,
) -> None:
    """Use the priced cart's coupons and points for an order, in the order's own transaction, and keep
    its discount lines. A coupon used meanwhile (or points spent meanwhile) refuses the whole order."""
    await order_discounts.add(uow.conn, order_id, priced.discounts)
    store = CouponStore(uow.conn)
    events = []
    for discount in priced.discounts:
        if discount.coupon_id is None:
            continue
        if not await store.mark_used(
            discount.coupon_id, now=now, store_id=store_id, staff_id=staff_id, order_id=order_id
        ):
            raise DomainError(ErrorCode.COUPON_ALREADY_USED, "This coupon has already been used.", ["couponCodes"])
        events.append(
            AuditEvent(
                AuditKind.USED,
                now,
                template_id=discount.template_id,
                coupon_id=discount.coupon_id,
                member_id=member_id,
                channel=priced.channel,
                store_id=store_id,
                staff_id=staff_id,
                order_id=order_id,
                code=discount.code,
                actor=actor,
            )
        )
    await coupon_repo.record(events, conn=uow.conn)
    if priced.points_redeemed and member_id is not None:
        await points_use_cases.redeem(
            uow,
            member_id=member_id,
            points=priced.points_redeemed,
            order_id=order_id,
            reason=f"paid part of order {order_number(order_id)}",
            now=now,
            actor=actor,
        )


async def checkout_member(ctx: Context, member_id: int | None) -> Member | None:
    """Whose cart this is: the signed-in member, or the member staff name (None: a guest)."""
    principal = ctx.principal
    if member_id is None:
        if principal.role is Role.MEMBER and principal.member_id is not None:
            return await current_member(ctx, principal.member_id)
        return None
    if principal.role is Role.MEMBER and principal.member_id != member_id:
        raise AccessDenied()
    member = await current_member(ctx, member_id)
    if member is None or not may_see_member(principal, member.id):
        raise DomainError(ErrorCode.NOT_FOUND, "No such member.", ["memberId"])
    return member


async def quote(
    ctx: Context,
    *,
    channel: SalesChannel,
    lines: Sequence[CheckoutLine],
    store_id: int | None,
    member_id: int | None,
    coupon_codes: Sequence[str],
    points: int,
) -> Result[PricedCart]:
    """What this cart costs now in this channel: lines, every discount, points, the total."""
    if store_id is not None and await ctx.loaders.location.load(store_id) is None:
        return Result.fail(DomainError(ErrorCode.NOT_FOUND, "No such store.", ["storeId"]))
    keys = coupon_guard.guess_keys(ctx.principal, store_id)
    try:
        async with coupon_guard.guessing(ctx, keys, with_codes=bool(coupon_codes)):
            member = await checkout_member(ctx, member_id)
            priced = await price(
                ctx,
                channel=channel,
                cart=await cart_lines(ctx, lines, channel, store_id),
                store_ids=() if store_id is None else (store_id,),
                member=member,
                coupon_codes=coupon_codes,
                points=points,
            )
    except DomainError as error:
        return Result.fail(error)
    return Result.ok(priced)


async def discounts_of(ctx: Context, order: Order) -> tuple[list[DiscountLine], bool]:
    """An order's discount lines, and whether the caller may see its coupon codes in full."""
    lines: list[DiscountLine] = await ctx.loaders.discounts_of_order.load(order.id)
    principal = ctx.principal
    show = principal.role is Role.HQ_ADMIN or (principal.role is Role.MEMBER and principal.member_id == order.member_id)
    return lines, show
