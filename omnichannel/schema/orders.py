"""Order and Fulfillment: the order centre's GraphQL types (Node types, every list batched)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from ..domain import orders as domain
from ..domain.money import Money as DomainMoney
from ..resolvers import checkout as checkout_use_cases
from ..resolvers import credit as credit_use_cases
from ..resolvers import members as member_use_cases
from ..resolvers import refund_reads
from ..resolvers.context import Context
from ..resolvers.orders import reads as use_cases
from .catalog import Money
from .enums import FulfillmentMode, FulfillmentStatus, OrderStatus, SalesChannel
from .lines import OrderLine
from .locations import GeoPoint, Store
from .node import register_node
from .people import Staff
from .pricing import DiscountLine
from .references import referenced
from .relay import Node, PageInfo, encode_id

if TYPE_CHECKING:
    from .members import Member
    from .refunds import Refund


@strawberry.type(description="Where an EXPRESS or SAME_CITY order is delivered.")
class ShippingAddress:
    recipient: str
    phone: str
    line1: str
    city: str
    location: GeoPoint

    @staticmethod
    def from_domain(address: domain.Address) -> ShippingAddress:
        return ShippingAddress(
            recipient=address.recipient,
            phone=address.phone,
            line1=address.line1,
            city=address.city,
            location=GeoPoint(lat=address.point.lat, lng=address.point.lng),
        )


@strawberry.type(description="The part of an order one store or warehouse picks and hands over or ships.")
class Fulfillment(Node):
    mode: FulfillmentMode
    status: FulfillmentStatus
    updated_at: datetime
    _fulfillment: strawberry.Private[domain.Fulfillment]

    @staticmethod
    def from_domain(fulfillment: domain.Fulfillment) -> Fulfillment:
        return Fulfillment(
            id=strawberry.ID(encode_id("Fulfillment", fulfillment.id)),
            mode=fulfillment.mode,
            status=fulfillment.status,
            updated_at=fulfillment.updated_at,
            _fulfillment=fulfillment,
        )

    @strawberry.field(description="where it is picked and packed (and, for PICKUP, collected)")
    async def store(self, info: Info[Context, None]) -> Store:
        return Store.from_domain(
            referenced(
                await info.context.loaders.location.load(self._fulfillment.location_id),
                "location",
                self._fulfillment.location_id,
            )
        )

    @strawberry.field
    async def lines(self, info: Info[Context, None]) -> list[OrderLine]:
        lines = await use_cases.fulfillment_lines(info.context, self._fulfillment)
        return [OrderLine.of(line.variant_id, line.quantity, line.unit_price) for line in lines]

    @strawberry.field(
        description="PICKUP by transfer: a transfer the order asked for is still on its way to this store "
        "(the fulfilment cannot be picked yet; the store's storeOrders feed says when it arrives)"
    )
    async def awaiting_transfer(self, info: Info[Context, None]) -> bool:
        return await use_cases.awaiting_transfer(info.context, self._fulfillment)

    @strawberry.field(description="the order this fulfilment belongs to")
    async def order(self, info: Info[Context, None]) -> Order:
        return Order.from_domain(
            referenced(
                await info.context.loaders.order.load(self._fulfillment.order_id), "order", self._fulfillment.order_id
            )
        )

    @strawberry.field(description="an earlier parcel of the same member this one travels with, if merged")
    async def ships_with(self, info: Info[Context, None]) -> Fulfillment | None:
        other_id = self._fulfillment.ships_with_id
        if other_id is None:
            return None
        other = await use_cases.visible_fulfillment(info.context, other_id)
        return Fulfillment.from_domain(other) if other else None


@strawberry.type(description="One order from any channel, with its lines, fulfilments and totals.")
class Order(Node):
    number: str
    channel: SalesChannel
    status: OrderStatus
    fulfillment_mode: FulfillmentMode
    subtotal: Money
    discount_total: Money
    total: Money
    points_redeemed: int
    points_earned: int
    reservation_expires_at: datetime | None = strawberry.field(description="when unpaid stock is released")
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None
    cancelled_at: datetime | None
    completed_at: datetime | None
    cancel_reason: str | None
    shipping_address: ShippingAddress | None
    _order: strawberry.Private[domain.Order]

    @staticmethod
    def from_domain(order: domain.Order) -> Order:
        return Order(
            id=strawberry.ID(encode_id("Order", order.id)),
            number=order.number,
            channel=order.channel,
            status=order.status,
            fulfillment_mode=order.mode,
            subtotal=Money.from_domain(order.subtotal),
            discount_total=Money.from_domain(order.discount_total),
            total=Money.from_domain(order.total),
            points_redeemed=order.points_redeemed,
            points_earned=order.points_earned,
            reservation_expires_at=order.reservation_expires_at,
            created_at=order.created_at,
            updated_at=order.updated_at,
            paid_at=order.paid_at,
            cancelled_at=order.cancelled_at,
            completed_at=order.completed_at,
            cancel_reason=order.cancel_reason,
            shipping_address=ShippingAddress.from_domain(order.shipping_address) if order.shipping_address else None,
            _order=order,
        )

    @strawberry.field
    async def member(
        self, info: Info[Context, None]
    ) -> Annotated[Member, strawberry.lazy("omnichannel.schema.members")] | None:
        from .members import Member

        if self._order.member_id is None:
            return None
        member = await member_use_cases.visible_member(info.context, self._order.member_id)
        return Member.from_domain(member) if member else None

    @strawberry.field
    async def lines(self, info: Info[Context, None]) -> list[OrderLine]:
        lines = await use_cases.lines_of(info.context, self._order)
        return [OrderLine.of(line.variant_id, line.quantity, line.unit_price) for line in lines]

    @strawberry.field
    async def fulfillments(self, info: Info[Context, None]) -> list[Fulfillment]:
        return [Fulfillment.from_domain(f) for f in await use_cases.fulfillments_of(info.context, self._order)]

    @strawberry.field(description="only the ordering member and head office see it; null for everyone else")
    def pickup_code(self, info: Info[Context, None]) -> str | None:
        return use_cases.pickup_code(info.context, self._order)

    @strawberry.field(description="PICKUP: where the member collects")
    async def pickup_store(self, info: Info[Context, None]) -> Store | None:
        if self._order.pickup_location_id is None:
            return None
        return Store.from_domain(
            referenced(
                await info.context.loaders.location.load(self._order.pickup_location_id),
                "location",
                self._order.pickup_location_id,
            )
        )

    @strawberry.field(
        description="every discount the order got: promotions, coupons, points (their sum is discountTotal)"
    )
    async def discounts(self, info: Info[Context, None]) -> list[DiscountLine]:
        lines, show_codes = await checkout_use_cases.discounts_of(info.context, self._order)
        return [DiscountLine.from_domain(line, show_code=show_codes) for line in lines]

    @strawberry.field(
        description="who the sale is credited to (store teams, the online team): shares sum to 1, amounts to the "
        "total; recorded at payment (staff, head office and services)"
    )
    async def credit_split(self, info: Info[Context, None]) -> list[SalesCredit]:
        ctx = info.context
        credits = await credit_use_cases.credit_split_of(ctx, self._order)
        places = await ctx.loaders.location.load_many([c.location_id for c in credits if c.location_id is not None])
        stores = {p.id: Store.from_domain(p) for p in places if p is not None}
        return [
            SalesCredit(
                store=stores.get(c.location_id) if c.location_id is not None else None,
                share=c.share,
                amount=Money.from_domain(DomainMoney.of(c.amount)),
            )
            for c in credits
        ]

    @strawberry.field(description="its refunds, oldest first")
    async def refunds(
        self, info: Info[Context, None]
    ) -> list[Annotated[Refund, strawberry.lazy("omnichannel.schema.refunds")]]:
        from .refunds import Refund

        return [Refund.from_domain(r) for r in await refund_reads.refunds_of(info.context, self._order)]

    @strawberry.field(description="what PENDING and SUCCEEDED refunds give back")
    async def refunded_total(self, info: Info[Context, None]) -> Money:
        return Money.from_domain(await refund_reads.refunded_total(info.context, self._order))

    @strawberry.field(description="the clerk a clerk-pad order is credited to (visible to staff)")
    async def attributed_clerk(self, info: Info[Context, None]) -> Staff | None:
        staff = await use_cases.attributed_clerk(info.context, self._order)
        return Staff.from_domain(staff) if staff else None


@strawberry.type(description="How an order's sale is credited: to a store's team, to the online team, or split.")
class SalesCredit:
    store: Store | None = strawberry.field(description="null for the online team")
    share: Decimal
    amount: Money


@strawberry.type
class OrderEdge:
    cursor: str
    node: Order


@strawberry.type
class OrderConnection:
    edges: list[OrderEdge]
    page_info: PageInfo


async def _fetch_order(ctx: Context, pk: int) -> Order | None:
    order = await use_cases.visible_order(ctx, pk)
    return Order.from_domain(order) if order else None


async def _fetch_fulfillment(ctx: Context, pk: int) -> Fulfillment | None:
    fulfillment = await use_cases.visible_fulfillment(ctx, pk)
    return Fulfillment.from_domain(fulfillment) if fulfillment else None


register_node("Order", _fetch_order)
register_node("Fulfillment", _fetch_fulfillment)
