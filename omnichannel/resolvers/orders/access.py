"""Which order a caller may see or act on, read through the unit of work (domain.order_access decides).

An order is visible to its member, to the staff of the stores that fulfil it or took it, and to the
roles that read everything. A mutation on an order the caller may not see is refused exactly as one
on an order that does not exist: NOT_FOUND (no existence leak).
"""

from __future__ import annotations

from ...domain import order_access
from ...domain.access import require_signed_in
from ...domain.errors import DomainError, ErrorCode
from ...domain.orders import Order
from ...domain.ports import UnitOfWork
from ..context import Context


async def store_codes(uow: UnitOfWork, order: Order, *, fulfilling_only: bool = False) -> set[str]:
    """Codes of the stores that fulfil the order (and, unless fulfilling_only, the one that took it)."""
    ids = {f.location_id for f in await uow.orders.fulfillments(order.id)}
    if order.placed_at_location_id is not None and not fulfilling_only:
        ids.add(order.placed_at_location_id)
    return {loc.code for loc in (await uow.locations.many(sorted(ids))).values()}


async def visible_order(ctx: Context, uow: UnitOfWork, order_id: int) -> Order | None:
    """The order when the caller may see it; None when it does not exist or is not theirs to see."""
    if ctx.principal.is_anonymous:
        return None
    order = await uow.orders.get(order_id)
    if order is None:
        return None
    if order_access.may_view(ctx.principal, order, await store_codes(uow, order)):
        return order
    return None


async def order_for_action(ctx: Context, uow: UnitOfWork, order_id: int) -> Order:
    """The order a mutation acts on. Unknown and invisible orders get the same NOT_FOUND, so a caller
    learns nothing about orders it may not see (another member's order does not "exist" for you);
    FORBIDDEN is for orders the caller sees but may not act on."""
    require_signed_in(ctx.principal)
    order = await visible_order(ctx, uow, order_id)
    if order is not None:
        return order
    raise DomainError(ErrorCode.NOT_FOUND, "No such order.", ["orderId"])
