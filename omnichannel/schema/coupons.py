"""Coupons, coupon templates and the coupon audit trail."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from ..domain import coupon_codes
from ..domain.coupons import AuditEvent
from ..domain.coupons import Coupon as DomainCoupon
from ..domain.coupons import CouponTemplate as DomainTemplate
from ..resolvers import coupon_reads as use_cases
from ..resolvers.context import Context
from .enums import CouponAuditKind, CouponKind, CouponStatus, SalesChannel
from .locations import Store
from .node import register_node
from .references import referenced
from .relay import Node, PageInfo, encode_id

MASK = "•••••-•••••-"


@strawberry.type(description="What head office offers: members claim coupons from it.")
class CouponTemplate(Node):
    title: str
    kind: CouponKind
    value: Decimal = strawberry.field(description="yuan off for AMOUNT_OFF, percent for PERCENT_OFF")
    max_discount: Decimal | None = strawberry.field(description="PERCENT_OFF: the most it takes off, in yuan")
    min_spend: Decimal | None = strawberry.field(description="spend needed on what the coupon covers")
    total_quantity: int | None
    issued_count: int
    per_member_limit: int | None
    channels: list[SalesChannel] = strawberry.field(description="empty: every channel")
    category_ids: list[strawberry.ID]
    product_ids: list[strawberry.ID]
    valid_from: datetime | None
    valid_until: datetime | None
    active: bool
    _template: strawberry.Private[DomainTemplate]

    @staticmethod
    def from_domain(template: DomainTemplate) -> CouponTemplate:
        return CouponTemplate(
            id=strawberry.ID(encode_id("CouponTemplate", template.id)),
            title=template.title,
            kind=template.kind,
            value=template.value,
            max_discount=template.max_discount,
            min_spend=template.min_spend,
            total_quantity=template.total_quantity,
            issued_count=template.issued_count,
            per_member_limit=template.per_member_limit,
            channels=sorted(template.channels, key=lambda c: c.value),
            category_ids=[strawberry.ID(encode_id("Category", i)) for i in sorted(template.scope.category_ids)],
            product_ids=[strawberry.ID(encode_id("Product", i)) for i in sorted(template.scope.product_ids)],
            valid_from=template.valid_from,
            valid_until=template.valid_until,
            active=template.active,
            _template=template,
        )

    @strawberry.field(description="empty: every store")
    async def stores(self, info: Info[Context, None]) -> list[Store]:
        found = await info.context.loaders.location.load_many(sorted(self._template.store_ids))
        return [Store.from_domain(location) for location in found if location is not None]


@strawberry.type(description="A member's coupon: a unique single-use code.")
class Coupon(Node):
    code: str = strawberry.field(description="XXXXX-XXXXX-XXXXX; masked for anyone but its member and head office")
    status: CouponStatus
    title: str
    valid_from: datetime | None
    valid_until: datetime | None
    claimed_at: datetime
    used_at: datetime | None
    _coupon: strawberry.Private[DomainCoupon]

    @staticmethod
    def from_domain(coupon: DomainCoupon, ctx: Context, *, show_code: bool | None = None) -> Coupon:
        visible = use_cases.may_see_code(ctx, coupon) if show_code is None else show_code
        shown = coupon_codes.display(coupon.code)
        return Coupon(
            id=strawberry.ID(encode_id("Coupon", coupon.id)),
            code=shown if visible else MASK + shown[-5:],
            status=coupon.status_at(ctx.now()),
            title=coupon.title,
            valid_from=coupon.valid_from,
            valid_until=coupon.valid_until,
            claimed_at=coupon.claimed_at,
            used_at=coupon.used_at,
            _coupon=coupon,
        )

    @strawberry.field
    async def template(self, info: Info[Context, None]) -> CouponTemplate:
        return CouponTemplate.from_domain(
            referenced(
                await info.context.loaders.coupon_template.load(self._coupon.template_id),
                "coupon_template",
                self._coupon.template_id,
            )
        )

    @strawberry.field(description="where it was redeemed at a till or collected")
    async def used_at_store(self, info: Info[Context, None]) -> Store | None:
        if self._coupon.store_id is None:
            return None
        return Store.from_domain(
            referenced(
                await info.context.loaders.location.load(self._coupon.store_id), "location", self._coupon.store_id
            )
        )


@strawberry.type(description="One entry of the coupon audit trail (head office).")
class CouponAuditEvent:
    id: strawberry.ID
    kind: CouponAuditKind
    at: datetime
    template_id: strawberry.ID | None
    coupon_id: strawberry.ID | None
    member_id: strawberry.ID | None
    channel: SalesChannel | None
    store_id: strawberry.ID | None
    staff_id: strawberry.ID | None
    order_id: strawberry.ID | None
    code: str | None = strawberry.field(description="the code used or tried")
    error_code: str | None = strawberry.field(description="for refusals: the userError code given")
    detail: str
    actor: str

    @staticmethod
    def from_domain(event: AuditEvent) -> CouponAuditEvent:
        def gid(kind: str, pk: int | None) -> strawberry.ID | None:
            return strawberry.ID(encode_id(kind, pk)) if pk is not None else None

        return CouponAuditEvent(
            id=strawberry.ID(encode_id("CouponAuditEvent", event.id)),
            kind=event.kind,
            at=event.at,
            template_id=gid("CouponTemplate", event.template_id),
            coupon_id=gid("Coupon", event.coupon_id),
            member_id=gid("Member", event.member_id),
            channel=event.channel,
            store_id=gid("Store", event.store_id),
            staff_id=gid("Staff", event.staff_id),
            order_id=gid("Order", event.order_id),
            code=coupon_codes.display(event.code) if event.code and len(event.code) == 15 else event.code,
            error_code=event.error_code,
            detail=event.detail,
            actor=event.actor,
        )


@strawberry.type
class CouponTemplateEdge:
    cursor: str
    node: CouponTemplate


@strawberry.type
class CouponTemplateConnection:
    edges: list[CouponTemplateEdge]
    page_info: PageInfo


@strawberry.type
class CouponAuditEdge:
    cursor: str
    node: CouponAuditEvent


@strawberry.type
class CouponAuditConnection:
    edges: list[CouponAuditEdge]
    page_info: PageInfo


async def _fetch_coupon(ctx: Context, pk: int) -> Coupon | None:
    coupon = await use_cases.visible_coupon(ctx, pk)
    return Coupon.from_domain(coupon, ctx) if coupon else None


async def _fetch_template(ctx: Context, pk: int) -> CouponTemplate | None:
    template = await ctx.loaders.coupon_template.load(pk)
    return CouponTemplate.from_domain(template) if template else None


register_node("Coupon", _fetch_coupon)
register_node("CouponTemplate", _fetch_template)
