"""sellAtTill: the input and the mutation (resolvers/orders/sell_at_till.py decides)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from ..domain.order_requests import RequestedLine
from ..domain.till import TillSale
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from ..resolvers.orders import sell_at_till
from .errors import UserError
from .lines import OrderLineInput
from .order_inputs import OrderPayload
from .orders import Order
from .relay import decode_id


@strawberry.input(description="A sale at the till: what the customer takes, and how the till was paid.")
class SellAtTillInput:
    store_id: strawberry.ID
    lines: list[OrderLineInput]
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="the member at the counter, if any (earns points)"
    )
    coupon_codes: list[str] | None = None
    points_to_redeem: int | None = None
    payment_reference: str = strawberry.field(description="the till's payment reference (cash, card terminal, wallet)")
    idempotency_key: str | None = strawberry.field(
        default=None, description="the same key from the same staff member returns the first sale, never a second"
    )

    def to_domain(self) -> TillSale:
        return TillSale(
            store_id=decode_id(self.store_id, "Store"),
            lines=tuple(RequestedLine(decode_id(line.variant_id, "Variant"), line.quantity) for line in self.lines),
            payment_reference=self.payment_reference,
            member_id=decode_id(self.member_id, "Member") if self.member_id else None,
            coupon_codes=tuple(self.coupon_codes or ()),
            points_to_redeem=self.points_to_redeem or 0,
            idempotency_key=self.idempotency_key,
        )


@strawberry.type
class TillMutation:
    @strawberry.mutation(
        description="a sale at the till: priced, paid and handed over in one step (COMPLETED, stock sold, "
        "points earned); store staff at their own store, attributed to them"
    )
    async def sell_at_till(self, info: Info[Context, None], input: SellAtTillInput) -> OrderPayload:
        result = await mutate(info.context, sell_at_till.sell_at_till, input.to_domain())
        order = Order.from_domain(result.value) if result.value is not None else None
        return OrderPayload(order=order, user_errors=UserError.many(result.errors))
