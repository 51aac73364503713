"""Order.creditSplit: the split recorded at payment, or for an order not paid yet the split it would get.

Store staff, head office, analysts and services see it (it is the chain's bookkeeping, not the member's).
"""

from __future__ import annotations

from ..domain.access import STAFF_ROLES, Role
from ..domain.credit import CreditLine, SalesCredit, credit_split
from ..domain.locations import Location, LocationKind
from ..domain.orders import Fulfillment, FulfillmentLine, Order
from .context import Context


def may_see(ctx: Context) -> bool:
    return ctx.principal.role in STAFF_ROLES or ctx.principal.role is Role.SERVICE


async def credit_lines(ctx: Context, order: Order) -> list[CreditLine]:
    fulfillments: list[Fulfillment] = await ctx.loaders.fulfillments_of_order.load(order.id)
    lines: list[list[FulfillmentLine]] = await ctx.loaders.fulfillment_lines.load_many([f.id for f in fulfillments])
    places: list[Location | None] = await ctx.loaders.location.load_many([f.location_id for f in fulfillments])
    return [
        CreditLine(
            f.location_id,
            place is None or place.kind is LocationKind.STORE,
            line.variant_id,
            line.unit_price.amount * line.quantity,
        )
        for f, place, of_f in zip(fulfillments, places, lines, strict=True)
        for line in of_f
    ]


async def credit_split_of(ctx: Context, order: Order) -> list[SalesCredit]:
    if not may_see(ctx):
        return []
    recorded: list[SalesCredit] = await ctx.loaders.paid_credit.load(order.id)
    if recorded:
        return recorded
    return credit_split(
        channel=order.channel,
        selling_store_id=order.placed_at_location_id,
        lines=await credit_lines(ctx, order),
        paid=order.total.amount,
        store_share=ctx.services.store_credit_share,
    )
