"""Pricing a cart for any channel through domain.pricing: the quote, and the price placeOrder pays.

`quote` prices without holding anything (front ends show it before ordering); placeOrder prices
its shipments with `price` and uses the coupons and points in its own transaction
(resolvers/orders/benefits.py). Reads go through the unit of work (the request's loaders).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..domain import coupon_codes, order_requests
from ..domain.access import AccessDenied, Role
from ..domain.catalog import SalesChannel, effective_price
from ..domain.coupons import unknown_code
from ..domain.errors import DomainError, ErrorCode
from ..domain.orders import Order
from ..domain.people import Member
from ..domain.ports import UnitOfWork
from ..domain.pricing import CartLine, CouponOffer, DiscountLine, PricedCart, price_cart
from ..domain.promotions import Promotion
from . import coupon_guard
from .context import Context
from .members import may_see_member

MAX_LINES = order_requests.MAX_LINES  # one limit for a quote and an order (a quote is an order to be)
MAX_QUANTITY = order_requests.MAX_QUANTITY


@dataclass(frozen=True, slots=True)
class CheckoutLine:
    variant_id: int
    quantity: int


async def cart_lines(
    uow: UnitOfWork, lines: Sequence[CheckoutLine], channel: SalesChannel, store_id: int | None, now: datetime
) -> list[CartLine]:
    """The lines at the price this channel and store pay at `now`."""
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
    variants = await uow.catalog.variants(ids)
    for n, variant_id in enumerate(ids):
        variant = variants.get(variant_id)
        if variant is None or not variant.active:
            raise DomainError(ErrorCode.NOT_FOUND, "No such variant on sale.", ["lines", str(n), "variantId"])
        if not variant.product_active:
            raise DomainError(
                ErrorCode.PRODUCT_INACTIVE, "This product is not on sale.", ["lines", str(n), "variantId"]
            )
    categories = await uow.catalog.categories(ids)
    overrides = await uow.catalog.price_overrides(ids)
    cart = []
    for line in lines:
        variant = variants[line.variant_id]
        unit_price = effective_price(variant, overrides.get(variant.id, ()), channel, store_id, now=now).amount
        cart.append(CartLine(variant.id, variant.product_id, categories[variant.id], line.quantity, unit_price))
    return cart


def canonical_codes(codes: Sequence[str]) -> list[str]:
    found = []
    for n, code in enumerate(codes):
        canonical = coupon_codes.canonical(code)
        if canonical is None:
            raise unknown_code(["couponCodes", str(n)])
        found.append(canonical)
    return found


async def cart_of_priced(uow: UnitOfWork, lines: Sequence[tuple[int, int, Decimal]]) -> list[CartLine]:
    """Lines the order centre already priced (variant, quantity, unit price) as a cart."""
    ids = [variant_id for variant_id, _, _ in lines]
    variants = await uow.catalog.variants(ids)
    categories = await uow.catalog.categories(ids)
    return [
        CartLine(variant_id, variants[variant_id].product_id, categories[variant_id], quantity, unit_price)
        for variant_id, quantity, unit_price in lines
    ]


async def price(
    ctx: Context,
    uow: UnitOfWork,
    *,
    channel: SalesChannel,
    cart: Sequence[CartLine],
    store_ids: Sequence[int],
    member: Member | None,
    coupon_codes: Sequence[str] = (),
    points: int = 0,
    promotions: Sequence[Promotion] | None = None,
) -> PricedCart:
    """Price a cart sold by these stores (none: online), nothing locked. `promotions`: the live ones,
    when the caller has them."""
    now, rules = ctx.now(), ctx.services.loyalty
    if points and member is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Points need a member: sign in or name one.", ["pointsToRedeem"])
    if coupon_codes and member is None and not ctx.principal.is_store_staff:
        raise DomainError(ErrorCode.INVALID_INPUT, "Sign in to use coupons.", ["couponCodes"])
    codes = canonical_codes(coupon_codes)
    found = await uow.coupons.by_codes(codes) if codes else []
    by_code = {c.code: c for c in found}
    templates = await uow.coupons.templates(sorted({c.template_id for c in found}))
    offers = []
    for n, code in enumerate(codes):
        coupon = by_code.get(code)
        if coupon is None:
            raise unknown_code(["couponCodes", str(n)])
        offers.append(CouponOffer(coupon, templates[coupon.template_id]))
    tier = rules.tiers[0]
    if member is not None:
        tier = rules.tier_for(await uow.points.spend_since(member.id, rules.tier_window_start(now)))
    return price_cart(
        cart,
        channel=channel,
        store_ids=store_ids,
        now=now,
        rules=rules,
        tier=tier,
        promotions=await uow.promotions.live(now) if promotions is None else promotions,
        coupons=offers,
        member_id=member.id if member is not None else None,
        points_balance=member.points_balance if member is not None else None,
        points_to_redeem=points,
    )


async def checkout_member(ctx: Context, uow: UnitOfWork, member_id: int | None) -> Member | None:
    """Whose cart this is: the signed-in member, or the member staff name (None: a guest)."""
    principal = ctx.principal
    if member_id is None:
        if principal.role is Role.MEMBER and principal.member_id is not None:
            return await uow.members.current(principal.member_id)
        return None
    if principal.role is Role.MEMBER and principal.member_id != member_id:
        raise AccessDenied()
    member = await uow.members.current(member_id)
    if member is None or not may_see_member(principal, member.id):
        raise DomainError(ErrorCode.NOT_FOUND, "No such member.", ["memberId"])
    return member


async def quote(
    ctx: Context,
    uow: UnitOfWork,
    *,
    channel: SalesChannel,
    lines: Sequence[CheckoutLine],
    store_id: int | None,
    member_id: int | None,
    coupon_codes: Sequence[str],
    points: int,
) -> PricedCart:
    """What this cart costs now in this channel: lines, every discount, points, the total."""
    if store_id is not None and await uow.locations.get(store_id) is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such store.", ["storeId"])
    keys = coupon_guard.guess_keys(ctx.principal, store_id)
    async with coupon_guard.guessing(ctx, uow, keys, with_codes=bool(coupon_codes)):
        member = await checkout_member(ctx, uow, member_id)
        return await price(
            ctx,
            uow,
            channel=channel,
            cart=await cart_lines(uow, lines, channel, store_id, ctx.now()),
            store_ids=() if store_id is None else (store_id,),
            member=member,
            coupon_codes=coupon_codes,
            points=points,
        )


async def discounts_of(ctx: Context, order: Order) -> tuple[list[DiscountLine], bool]:
    """An order's discount lines, and whether the caller may see its coupon codes in full."""
    lines: list[DiscountLine] = await ctx.loaders.discounts_of_order.load(order.id)
    principal = ctx.principal
    show = principal.role is Role.HQ_ADMIN or (principal.role is Role.MEMBER and principal.member_id == order.member_id)
    return lines, show
