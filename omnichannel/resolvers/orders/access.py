"""Which order a caller may see or act on, read through the unit of work (domain.order_access decides).

An order is visible to its member, to the staff of the stores that fulfil it or took it, and to the
roles that read everything. A mutation on an order nobody may see is refused exactly as one on an
order that does not exist (no existence leak); callers who may read every order are told plainly.
"""

from __future__ import annotations

from ...domain import order_access
from ...domain.access import require_signed_in
from ...domain.errors import AccessDenied, DomainError, ErrorCode
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
    """The order a mutation acts on (AccessDenied, or NOT_FOUND for who may read every order)."""
    require_signed_in(ctx.principal)
    order = await visible_order(ctx, uow, order_id)
    if order is not None:
        return order
    if ctx.principal.role in order_access.READ_ALL_ROLES and await uow.orders.get(order_id) is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such order.", ["orderId"])
    raise AccessDenied()
