"""The price of a cart or an order: discount lines and the quote every channel shows before ordering."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.types import Info

from ..domain import coupon_codes
from ..domain.money import Money as DomainMoney
from ..domain.pricing import DiscountLine as DomainDiscountLine
from ..domain.pricing import PricedCart
from ..resolvers import checkout as checkout_use_cases
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from .catalog import Money, Variant
from .coupons import MASK
from .enums import DiscountKind, SalesChannel
from .errors import UserError
from .references import referenced
from .relay import decode_id


@strawberry.type(description="One discount on a cart or order: a promotion, a coupon, or points.")
class DiscountLine:
    kind: DiscountKind
    title: str
    amount: Money
    code: str | None = strawberry.field(description="COUPON: the coupon's code")
    points: int = strawberry.field(description="POINTS: how many points pay this amount")

    @staticmethod
    def from_domain(line: DomainDiscountLine, *, show_code: bool = True) -> DiscountLine:
        code = coupon_codes.display(line.code) if line.code else None
        return DiscountLine(
            kind=line.kind,
            title=line.title,
            amount=Money.from_domain(DomainMoney.of(line.amount)),
            code=code if show_code or code is None else MASK + code[-5:],
            points=line.points,
        )


@strawberry.type
class QuoteLine:
    quantity: int
    unit_price: Money
    subtotal: Money
    discount: Money = strawberry.field(description="this line's share of every discount")
    total: Money
    _variant_id: strawberry.Private[int]

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return Variant.from_domain(
            referenced(await info.context.loaders.variant.load(self._variant_id), "variant", self._variant_id)
        )


@strawberry.type(description="What a cart costs now in a channel; the same function prices every order.")
class PriceQuote:
    channel: SalesChannel
    lines: list[QuoteLine]
    discounts: list[DiscountLine]
    subtotal: Money
    discount_total: Money
    total: Money
    points_redeemed: int
    points_to_earn: int = strawberry.field(description="what paying this total will earn")
    tier: str

    @staticmethod
    def from_domain(priced: PricedCart) -> PriceQuote:
        def money(amount: Decimal) -> Money:
            return Money.from_domain(DomainMoney.of(amount))

        return PriceQuote(
            channel=priced.channel,
            lines=[
                QuoteLine(
                    quantity=line.quantity,
                    unit_price=money(line.unit_price),
                    subtotal=money(line.subtotal),
                    discount=money(line.discount),
                    total=money(line.total),
                    _variant_id=line.variant_id,
                )
                for line in priced.lines
            ],
            discounts=[DiscountLine.from_domain(d) for d in priced.discounts],
            subtotal=money(priced.subtotal),
            discount_total=money(priced.discount_total),
            total=money(priced.total),
            points_redeemed=priced.points_redeemed,
            points_to_earn=priced.points_to_earn,
            tier=priced.tier,
        )


@strawberry.input
class CartLineInput:
    variant_id: strawberry.ID
    quantity: int


@strawberry.input
class PriceQuoteInput:
    channel: SalesChannel
    lines: list[CartLineInput]
    store_id: strawberry.ID | None = strawberry.field(default=None, description="the store (pickup or till)")
    coupon_codes: list[str] | None = None
    points_to_redeem: int | None = None
    member_id: strawberry.ID | None = strawberry.field(default=None, description="staff quoting for a member")


@strawberry.type
class PriceQuotePayload:
    quote: PriceQuote | None
    user_errors: list[UserError]


@strawberry.type
class PricingQuery:
    @strawberry.field(description="Price a cart for a channel: lines, promotions, coupons, points, total.")
    async def price_quote(self, info: Info[Context, None], input: PriceQuoteInput) -> PriceQuotePayload:
        result = await mutate(
            info.context,
            checkout_use_cases.quote,
            channel=input.channel,
            lines=[
                checkout_use_cases.CheckoutLine(decode_id(line.variant_id, "Variant"), line.quantity)
                for line in input.lines
            ],
            store_id=decode_id(input.store_id, "Store") if input.store_id else None,
            member_id=decode_id(input.member_id, "Member") if input.member_id else None,
            coupon_codes=input.coupon_codes or [],
            points=input.points_to_redeem or 0,
        )
        quote = PriceQuote.from_domain(result.value) if result.value is not None else None
        return PriceQuotePayload(quote=quote, user_errors=UserError.many(result.errors))
