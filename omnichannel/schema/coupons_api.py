"""Coupon operations: create templates (head office), claim (members), redeem at the till (clerks), audit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from ..resolvers import coupon_reads, coupon_redemption
from ..resolvers import coupons as use_cases
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from .coupons import (
    Coupon,
    CouponAuditConnection,
    CouponAuditEdge,
    CouponAuditEvent,
    CouponTemplate,
    CouponTemplateConnection,
    CouponTemplateEdge,
)
from .enums import CouponAuditKind, CouponKind, SalesChannel
from .errors import UserError
from .relay import PageInfo, decode_cursor, decode_id, decode_ids, encode_cursor


@strawberry.input
class CreateCouponTemplateInput:
    title: str
    kind: CouponKind
    value: Decimal = strawberry.field(description="yuan off for AMOUNT_OFF, percent for PERCENT_OFF")
    min_spend: Decimal | None = None
    total_quantity: int | None = None
    per_member_limit: int | None = None
    channels: list[SalesChannel] | None = strawberry.field(
        default=None, description="empty or omitted: every channel / every store"
    )
    store_ids: list[strawberry.ID] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    max_discount: Decimal | None = strawberry.field(default=None, description="PERCENT_OFF: cap in yuan")
    category_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="only these categories (with productIds: either); omitted: everything"
    )
    product_ids: list[strawberry.ID] | None = None


@strawberry.type
class CouponTemplatePayload:
    template: CouponTemplate | None
    user_errors: list[UserError]


@strawberry.input
class ClaimCouponInput:
    template_id: strawberry.ID
    channel: SalesChannel | None = strawberry.field(default=None, description="where the member claims it")


@strawberry.type
class ClaimCouponPayload:
    coupon: Coupon | None
    user_errors: list[UserError]


@strawberry.input
class RedeemCouponInput:
    code: str
    store_id: strawberry.ID
    order_id: strawberry.ID | None = None


@strawberry.type
class RedeemCouponPayload:
    coupon: Coupon | None
    user_errors: list[UserError]


@strawberry.input
class VoidCouponInput:
    coupon_id: strawberry.ID
    reason: str


@strawberry.type
class CouponPayload:
    coupon: Coupon | None
    user_errors: list[UserError]


@strawberry.input
class EndCouponTemplateInput:
    template_id: strawberry.ID


@strawberry.type
class CouponQuery:
    @strawberry.field(description="Coupons members can claim now; head office may include closed ones.")
    async def coupon_templates(
        self,
        info: Info[Context, None],
        first: int | None = 20,
        after: str | None = None,
        include_closed: bool = False,
    ) -> CouponTemplateConnection:
        templates, has_next = await coupon_reads.templates_page(
            info.context,
            first=first,
            after_id=decode_cursor(after, "template"),
            include_closed=include_closed,
        )
        edges = [
            CouponTemplateEdge(cursor=encode_cursor("template", t.id), node=CouponTemplate.from_domain(t))
            for t in templates
        ]
        return CouponTemplateConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, has_previous=after is not None),
        )

    @strawberry.field(description="Head office: the audit trail of claims, uses, returns and refusals, newest first.")
    async def coupon_audit(
        self,
        info: Info[Context, None],
        first: int | None = 50,
        after: str | None = None,
        template_id: strawberry.ID | None = None,
        coupon_id: strawberry.ID | None = None,
        member_id: strawberry.ID | None = None,
        kinds: list[CouponAuditKind] | None = None,
    ) -> CouponAuditConnection:
        events, has_next = await coupon_reads.audit(
            info.context,
            first=first,
            before_id=decode_cursor(after, "audit"),
            template_id=decode_id(template_id, "CouponTemplate") if template_id else None,
            coupon_id=decode_id(coupon_id, "Coupon") if coupon_id else None,
            member_id=decode_id(member_id, "Member") if member_id else None,
            kinds=kinds,
        )
        edges = [
            CouponAuditEdge(cursor=encode_cursor("audit", e.id), node=CouponAuditEvent.from_domain(e)) for e in events
        ]
        return CouponAuditConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, has_previous=after is not None),
        )


@strawberry.type
class CouponMutation:
    @strawberry.mutation(description="Head office: a new coupon template members can claim.")
    async def create_coupon_template(
        self, info: Info[Context, None], input: CreateCouponTemplateInput
    ) -> CouponTemplatePayload:
        result = await mutate(
            info.context,
            use_cases.create_template,
            title=input.title,
            kind=input.kind,
            value=input.value,
            max_discount=input.max_discount,
            min_spend=input.min_spend,
            total_quantity=input.total_quantity,
            per_member_limit=input.per_member_limit,
            channels=input.channels or [],
            store_ids=decode_ids(input.store_ids, "Store") or [],
            category_ids=decode_ids(input.category_ids, "Category") or [],
            product_ids=decode_ids(input.product_ids, "Product") or [],
            valid_from=input.valid_from,
            valid_until=input.valid_until,
        )
        template = CouponTemplate.from_domain(result.value) if result.value is not None else None
        return CouponTemplatePayload(template=template, user_errors=UserError.many(result.errors))

    @strawberry.mutation(description="A member claims a coupon (total and per-member limits hold under any load).")
    async def claim_coupon(self, info: Info[Context, None], input: ClaimCouponInput) -> ClaimCouponPayload:
        result = await mutate(
            info.context,
            use_cases.claim,
            template_id=decode_id(input.template_id, "CouponTemplate"),
            channel=input.channel,
        )
        coupon = Coupon.from_domain(result.value, info.context) if result.value is not None else None
        return ClaimCouponPayload(coupon=coupon, user_errors=UserError.many(result.errors))

    @strawberry.mutation(description="A clerk redeems a coupon at the till of their store; used once, ever.")
    async def redeem_coupon(self, info: Info[Context, None], input: RedeemCouponInput) -> RedeemCouponPayload:
        result = await mutate(
            info.context,
            coupon_redemption.redeem,
            code=input.code,
            store_id=decode_id(input.store_id, "Store"),
            order_id=decode_id(input.order_id, "Order") if input.order_id else None,
        )
        coupon = Coupon.from_domain(result.value, info.context, show_code=True) if result.value is not None else None
        return RedeemCouponPayload(coupon=coupon, user_errors=UserError.many(result.errors))

    @strawberry.mutation(description="Head office: withdraw an unused coupon (it becomes VOID for good).")
    async def void_coupon(self, info: Info[Context, None], input: VoidCouponInput) -> CouponPayload:
        result = await mutate(
            info.context, use_cases.void_coupon, coupon_id=decode_id(input.coupon_id, "Coupon"), reason=input.reason
        )
        coupon = Coupon.from_domain(result.value, info.context) if result.value is not None else None
        return CouponPayload(coupon=coupon, user_errors=UserError.many(result.errors))

    @strawberry.mutation(description="Head office: stop claims of a template; claimed coupons stay valid.")
    async def end_coupon_template(
        self, info: Info[Context, None], input: EndCouponTemplateInput
    ) -> CouponTemplatePayload:
        result = await mutate(
            info.context, use_cases.end_template, template_id=decode_id(input.template_id, "CouponTemplate")
        )
        template = CouponTemplate.from_domain(result.value) if result.value is not None else None
        return CouponTemplatePayload(template=template, user_errors=UserError.many(result.errors))
