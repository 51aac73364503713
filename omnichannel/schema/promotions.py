"""Automatic promotions and the price quote every channel shows before ordering."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from ..domain import coupon_codes
from ..domain.money import Money as DomainMoney
from ..domain.pricing import DiscountLine as DomainDiscountLine
from ..domain.pricing import PricedCart
from ..domain.promotions import Promotion as DomainPromotion
from ..resolvers import checkout as checkout_use_cases
from ..resolvers import promotions as use_cases
from ..resolvers.context import Context
from .catalog import Money, Variant
from .coupons import MASK
from .enums import DiscountKind, PromotionKind, SalesChannel
from .errors import UserError
from .node import register_node
from .relay import Node, PageInfo, decode_cursor, decode_id, decode_ids, encode_cursor, encode_id


@strawberry.type(description="An automatic promotion: no code, the same in every channel.")
class Promotion(Node):
    title: str
    kind: PromotionKind
    threshold: Decimal | None = strawberry.field(description="SPEND_AMOUNT_OFF: spend this much...")
    amount_off: Decimal | None = strawberry.field(description="...and get this much off")
    percent: Decimal | None = strawberry.field(description="PERCENT_OFF: off every covered line")
    category_ids: list[strawberry.ID]
    product_ids: list[strawberry.ID]
    valid_from: datetime | None
    valid_until: datetime | None
    active: bool

    @staticmethod
    def from_domain(promotion: DomainPromotion) -> Promotion:
        return Promotion(
            id=strawberry.ID(encode_id("Promotion", promotion.id)),
            title=promotion.title,
            kind=promotion.kind,
            threshold=promotion.threshold,
            amount_off=promotion.amount_off,
            percent=promotion.percent,
            category_ids=[strawberry.ID(encode_id("Category", i)) for i in sorted(promotion.scope.category_ids)],
            product_ids=[strawberry.ID(encode_id("Product", i)) for i in sorted(promotion.scope.product_ids)],
            valid_from=promotion.valid_from,
            valid_until=promotion.valid_until,
            active=promotion.active,
        )


async def _fetch_promotion(ctx: Context, pk: int) -> Promotion | None:
    promotion = await ctx.loaders.promotion.load(pk)
    return Promotion.from_domain(promotion) if promotion else None


register_node("Promotion", _fetch_promotion)


@strawberry.type
class PromotionEdge:
    cursor: str
    node: Promotion


@strawberry.type
class PromotionConnection:
    edges: list[PromotionEdge]
    page_info: PageInfo


@strawberry.input
class CreatePromotionInput:
    title: str
    kind: PromotionKind
    threshold: Decimal | None = None
    amount_off: Decimal | None = None
    percent: Decimal | None = None
    category_ids: list[strawberry.ID] | None = None
    product_ids: list[strawberry.ID] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@strawberry.input
class EndPromotionInput:
    promotion_id: strawberry.ID


@strawberry.type
class PromotionPayload:
    promotion: Promotion | None
    user_errors: list[UserError]


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
        return Variant.from_domain(await info.context.loaders.variant.load(self._variant_id))


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
class PromotionQuery:
    @strawberry.field(description="Promotions running now or later; head office may include ended ones.")
    async def promotions(
        self, info: Info[Context, None], first: int | None = 20, after: str | None = None, include_ended: bool = False
    ) -> PromotionConnection:
        found, has_next = await use_cases.promotions_page(
            info.context, first=first, after_id=decode_cursor(after, "promotion"), include_ended=include_ended
        )
        edges = [PromotionEdge(cursor=encode_cursor("promotion", p.id), node=Promotion.from_domain(p)) for p in found]
        return PromotionConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, has_previous=after is not None),
        )

    @strawberry.field(description="Price a cart for a channel: lines, promotions, coupons, points, total.")
    async def price_quote(self, info: Info[Context, None], input: PriceQuoteInput) -> PriceQuotePayload:
        result = await checkout_use_cases.quote(
            info.context,
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


@strawberry.type
class PromotionMutation:
    @strawberry.mutation(description="Head office: start an automatic promotion (every channel at once).")
    async def create_promotion(self, info: Info[Context, None], input: CreatePromotionInput) -> PromotionPayload:
        result = await use_cases.create_promotion(
            info.context,
            title=input.title,
            kind=input.kind,
            threshold=input.threshold,
            amount_off=input.amount_off,
            percent=input.percent,
            category_ids=decode_ids(input.category_ids, "Category") or [],
            product_ids=decode_ids(input.product_ids, "Product") or [],
            valid_from=input.valid_from,
            valid_until=input.valid_until,
        )
        promotion = Promotion.from_domain(result.value) if result.value is not None else None
        return PromotionPayload(promotion=promotion, user_errors=UserError.many(result.errors))

    @strawberry.mutation(description="Head office: end a promotion now.")
    async def end_promotion(self, info: Info[Context, None], input: EndPromotionInput) -> PromotionPayload:
        result = await use_cases.end_promotion(info.context, promotion_id=decode_id(input.promotion_id, "Promotion"))
        promotion = Promotion.from_domain(result.value) if result.value is not None else None
        return PromotionPayload(promotion=promotion, user_errors=UserError.many(result.errors))
