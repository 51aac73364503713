"""Refunds as GraphQL: Refund, RefundOrderInput / ConfirmRefundInput, refundOrder and confirmRefund."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from ..domain.money import Money as DomainMoney
from ..domain.refunds import Refund as RefundRecord
from ..domain.refunds import RefundStatus as DomainRefundStatus
from ..resolvers import refund_reads
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from ..resolvers.orders import confirm_refund, refund
from .catalog import Money
from .errors import UserError
from .lines import OrderLine, OrderLineInput
from .node import register_node
from .relay import Node, decode_id, encode_id

if TYPE_CHECKING:
    from .orders import Order

strawberry.enum(DomainRefundStatus, name="RefundStatus")  # registers the domain's enum itself
RefundStatus = DomainRefundStatus


@strawberry.type(description="Money given back for some lines of a paid order; the payment provider confirms it.")
class Refund(Node):
    amount: Money
    points_returned: int = strawberry.field(description="points the order redeemed, given back (in its share)")
    points_reversed: int = strawberry.field(description="points the order earned, taken back (never below zero)")
    points_shortfall: int = strawberry.field(
        description="earned points the member had already spent: not taken back (recorded when it succeeds)"
    )
    status: RefundStatus
    reason: str
    reference: str | None = strawberry.field(description="the payment provider's reference, once confirmed")
    created_at: datetime
    completed_at: datetime | None
    _refund: strawberry.Private[RefundRecord]

    @staticmethod
    def from_domain(refund: RefundRecord) -> Refund:
        return Refund(
            id=strawberry.ID(encode_id("Refund", refund.id)),
            amount=Money.from_domain(DomainMoney(refund.amount, refund.currency)),
            points_returned=refund.points_returned,
            points_reversed=refund.points_reversed,
            points_shortfall=refund.points_shortfall,
            status=refund.status,
            reason=refund.reason,
            reference=refund.reference,
            created_at=refund.created_at,
            completed_at=refund.completed_at,
            _refund=refund,
        )

    @strawberry.field(description="the refunded units: unitPrice as ordered, total what is given back for them")
    def lines(self) -> list[OrderLine]:
        currency = self._refund.currency
        return [
            OrderLine(
                quantity=line.quantity,
                unit_price=Money.from_domain(DomainMoney(line.unit_price, currency)),
                total=Money.from_domain(DomainMoney(line.amount, currency)),
                _variant_id=line.variant_id,
            )
            for line in self._refund.lines
        ]

    @strawberry.field
    async def order(self, info: Info[Context, None]) -> Annotated[Order, strawberry.lazy("omnichannel.schema.orders")]:
        from .orders import Order

        order = await refund_reads.order_of(info.context, self._refund)
        assert order is not None
        return Order.from_domain(order)


async def _fetch_refund(ctx: Context, pk: int) -> Refund | None:
    found = await refund_reads.refund_node(ctx, pk)
    return Refund.from_domain(found) if found is not None else None


register_node("Refund", _fetch_refund)


@strawberry.input
class RefundOrderInput:
    order_id: strawberry.ID
    lines: list[OrderLineInput] | None = strawberry.field(
        default=None, description="omitted: everything not yet refunded"
    )
    reason: str
    restock_store_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="returned goods go back on hand at this store (a RETURN movement); omitted: not restocked",
    )


@strawberry.input
class ConfirmRefundInput:
    refund_id: strawberry.ID
    reference: str
    succeeded: bool


@strawberry.type
class RefundPayload:
    refund: Refund | None
    user_errors: list[UserError]


@strawberry.type
class RefundMutation:
    @strawberry.mutation(
        description="a refund of a paid order, whole or by lines; cancelling a paid order requests a whole one"
    )
    async def refund_order(self, info: Info[Context, None], input: RefundOrderInput) -> RefundPayload:
        lines = (
            [(decode_id(line.variant_id, "Variant"), line.quantity) for line in input.lines]
            if input.lines is not None
            else None
        )
        result = await mutate(
            info.context,
            refund.refund_order,
            order_id=decode_id(input.order_id, "Order"),
            lines=lines,
            reason=input.reason,
            restock_location_id=decode_id(input.restock_store_id, "Store") if input.restock_store_id else None,
        )
        made = Refund.from_domain(result.value) if result.value is not None else None
        return RefundPayload(refund=made, user_errors=UserError.many(result.errors))

    @strawberry.mutation(description="the payment provider (SERVICE) says how a refund ended")
    async def confirm_refund(self, info: Info[Context, None], input: ConfirmRefundInput) -> RefundPayload:
        result = await mutate(
            info.context,
            confirm_refund.confirm_refund,
            refund_id=decode_id(input.refund_id, "Refund"),
            reference=input.reference,
            succeeded=input.succeeded,
        )
        ended = Refund.from_domain(result.value) if result.value is not None else None
        return RefundPayload(refund=ended, user_errors=UserError.many(result.errors))
