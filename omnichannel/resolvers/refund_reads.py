"""Reading refunds: an order's refunds (whoever may see the order sees them) and Refund nodes."""

from __future__ import annotations

from decimal import Decimal

from ..domain.money import Money
from ..domain.orders import Order
from ..domain.refunds import HOLDING, Refund
from .context import Context
from .orders.reads import visible_order


async def refunds_of(ctx: Context, order: Order) -> list[Refund]:
    found: list[Refund] = await ctx.loaders.refunds_of_order.load(order.id)
    return found


async def refunded_total(ctx: Context, order: Order) -> Money:
    """PENDING and SUCCEEDED refunds: what is given back or on its way."""
    refunds = await refunds_of(ctx, order)
    return Money.of(sum((r.amount for r in refunds if r.status in HOLDING), Decimal(0)), order.total.currency)


async def refund_node(ctx: Context, refund_id: int) -> Refund | None:
    refund: Refund | None = await ctx.loaders.refund.load(refund_id)
    if refund is None or await visible_order(ctx, refund.order_id) is None:
        return None
    return refund


async def order_of(ctx: Context, refund: Refund) -> Order | None:
    order: Order | None = await ctx.loaders.order.load(refund.order_id)
    return order
