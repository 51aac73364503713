"""Automatic promotions: head office starts and ends them; every channel prices with them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from ..domain.promotions import Promotion as DomainPromotion
from ..resolvers import promotions as use_cases
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from .enums import PromotionKind
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


@strawberry.type
class PromotionMutation:
    @strawberry.mutation(description="Head office: start an automatic promotion (every channel at once).")
    async def create_promotion(self, info: Info[Context, None], input: CreatePromotionInput) -> PromotionPayload:
        result = await mutate(
            info.context,
            use_cases.create_promotion,
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
        result = await mutate(
            info.context, use_cases.end_promotion, promotion_id=decode_id(input.promotion_id, "Promotion")
        )
        promotion = Promotion.from_domain(result.value) if result.value is not None else None
        return PromotionPayload(promotion=promotion, user_errors=UserError.many(result.errors))
