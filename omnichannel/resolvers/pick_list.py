"""pickList(storeId): what a store's paid, not yet ready fulfilments need, grouped by variant."""

from __future__ import annotations

from ..domain.locations import Location
from ..domain.orders import Order
from ..domain.pick_list import PickListLine, check_may_read
from ..persistence.repositories import floor as floor_repo
from .context import Context


async def pick_list(ctx: Context, location_id: int) -> list[PickListLine]:
    location: Location | None = await ctx.loaders.location.load(location_id)
    check_may_read(ctx.principal, location.code if location else None)
    if location is None:  # head office asked for a store that does not exist
        return []
    lines = await floor_repo.pick_list(location_id)
    await ctx.loaders.variant.prefetch(sorted({line.variant_id for line in lines}))
    await ctx.loaders.order.prefetch(sorted({i for line in lines for i in line.order_ids}))
    return lines


def orders_of(ctx: Context, line: PickListLine) -> list[Order]:
    """The line's orders (loaded with the list)."""
    return [o for o in (ctx.loaders.order.peek(i) for i in line.order_ids) if o is not None]
