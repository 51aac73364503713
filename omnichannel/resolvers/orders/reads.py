"""Reading orders: one order, lists of orders, their lines and fulfilments - for who may see them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ...domain import order_access, transfers
from ...domain.access import STAFF_ROLES, Role, require_signed_in
from ...domain.catalog import SalesChannel
from ...domain.errors import AccessDenied
from ...domain.locations import Location
from ...domain.order_totals import PricedLine
from ...domain.orders import Fulfillment, FulfillmentLine, Order, OrderStatus
from ...domain.people import StaffMember
from ...domain.pickup import display
from ...persistence.repositories import order_reads as order_repo
from ...persistence.repositories.order_reads import OrderFilter
from ..catalog import check_page_size
from ..context import Context
from . import access


async def visible_order(ctx: Context, order_id: int) -> Order | None:
    """The order when the caller may see it; None when it does not exist or is not theirs to see."""
    return await access.visible_order(ctx, ctx.uow(), order_id)


async def order_query(ctx: Context, order_id: int) -> Order | None:
    """order(id:): signed-in callers only; null for orders they may not see."""
    require_signed_in(ctx.principal)
    return await visible_order(ctx, order_id)


def pickup_code(ctx: Context, order: Order) -> str | None:
    if order.pickup_code is None or not order_access.may_see_pickup_code(ctx.principal, order):
        return None
    return display(order.pickup_code)


async def attributed_clerk(ctx: Context, order: Order) -> StaffMember | None:
    """The clerk credited with the order, shown to staff and services (staff records are not public)."""
    if order.attributed_staff_id is None or not (
        ctx.principal.role in STAFF_ROLES or ctx.principal.role is Role.SERVICE
    ):
        return None
    staff: StaffMember | None = await ctx.loaders.staff.load(order.attributed_staff_id)
    return staff


async def lines_of(ctx: Context, order: Order) -> list[PricedLine]:
    lines: list[PricedLine] = await ctx.loaders.order_lines.load(order.id)
    return lines


async def fulfillments_of(ctx: Context, order: Order) -> list[Fulfillment]:
    fulfillments: list[Fulfillment] = await ctx.loaders.fulfillments_of_order.load(order.id)
    for fulfillment in fulfillments:
        ctx.loaders.fulfillment.prime(fulfillment.id, fulfillment)
    return fulfillments


async def fulfillment_lines(ctx: Context, fulfillment: Fulfillment) -> list[FulfillmentLine]:
    lines: list[FulfillmentLine] = await ctx.loaders.fulfillment_lines.load(fulfillment.id)
    return lines


async def awaiting_transfer(ctx: Context, fulfillment: Fulfillment) -> bool:
    """A PICKUP fulfilment still waiting for a transfer its order asked for (PICKUP by transfer); a
    fulfilment that cannot wait costs no read."""
    if not transfers.may_wait_for_transfer(fulfillment):
        return False
    order: Order | None = await ctx.loaders.order.load(fulfillment.order_id)
    if order is None:
        return False
    awaited: frozenset[int] = await ctx.loaders.transfers_awaited.load(order.number)
    return fulfillment.location_id in awaited


async def visible_fulfillment(ctx: Context, fulfillment_id: int) -> Fulfillment | None:
    fulfillment: Fulfillment | None = await ctx.loaders.fulfillment.load(fulfillment_id)
    if fulfillment is None or await visible_order(ctx, fulfillment.order_id) is None:
        return None
    return fulfillment


async def orders_page(
    ctx: Context,
    *,
    store_id: int | None,
    statuses: Sequence[OrderStatus] | None,
    first: int | None,
    before_id: int | None,
    updated_since: datetime | None,
    placed_from: datetime | None = None,
    placed_before: datetime | None = None,
    channel: SalesChannel | None = None,
) -> tuple[list[Order], bool]:
    """orders(storeId, status, from, to, channel, first, after): members their own, store staff their
    store, head office and analysts all (analysts read only: no mutation takes their role)."""
    store_code = None
    if store_id is not None:
        location: Location | None = await ctx.loaders.location.load(store_id)
        if location is None:
            if ctx.principal.role in order_access.READ_ALL_ROLES or ctx.principal.role is Role.MEMBER:
                return [], False
            raise AccessDenied()
        store_code = location.code
    scope = order_access.list_scope(ctx.principal, store_code)
    size = check_page_size(first)
    location_id = None
    if scope.store_code is not None:
        store: Location | None = await ctx.loaders.location_by_code.load(scope.store_code)
        if store is None:
            return [], False
        location_id = store.id
    order_filter = OrderFilter(
        member_id=scope.member_id,
        location_id=location_id,
        statuses=tuple(dict.fromkeys(statuses)) if statuses else None,
        updated_since=updated_since,
        channel=channel,
        placed_from=placed_from,
        placed_before=placed_before,
    )
    rows = await order_repo.page(order_filter, before_id=before_id, limit=size + 1)
    for order in rows[:size]:
        ctx.loaders.order.prime(order.id, order)
    return rows[:size], len(rows) > size


async def orders_of_member(
    ctx: Context, member_id: int, *, first: int | None, before_id: int | None, channel: SalesChannel | None = None
) -> tuple[list[Order], bool]:
    """Member.orders: the member themselves and head office see all; store staff what their store handled."""
    principal = ctx.principal
    require_signed_in(principal)
    location_id = None
    if principal.role is Role.MEMBER:
        if principal.member_id != member_id:
            return [], False
    elif principal.is_store_staff and principal.store_code:
        store: Location | None = await ctx.loaders.location_by_code.load(principal.store_code)
        if store is None:
            return [], False
        location_id = store.id
    elif principal.role not in order_access.READ_ALL_ROLES:
        return [], False
    size = check_page_size(first)
    key = (member_id, OrderFilter(location_id=location_id, channel=channel), before_id, size + 1)
    rows: list[Order] = await ctx.loaders.orders_of_member.load(key)
    for order in rows[:size]:
        ctx.loaders.order.prime(order.id, order)
    return rows[:size], len(rows) > size
