"""Live order events: a store's feed for its staff, pickup-ready pushes for the ordering member.

Access is checked before subscribing, so a refused caller never hears a single event. Events come
from the committed event log; a feed that reconnects passes the last `cursor` it got as
`afterCursor` and first receives what it missed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from ..domain import order_access
from ..domain.access import Role, require_signed_in
from ..domain.errors import AccessDenied
from ..domain.events import OrderEvent, PickupReady
from ..domain.locations import Location
from ..domain.orders import Order
from ..subscriptions import topics
from .context import Context
from .events.feeds import ReplayFilter, follow

# the log types of the order facts a store's feed hears (those with a `feed` kind)
STORE_FEED_TYPES = (
    "order.created",
    "order.paid",
    "order.status_changed",
    "order.stock_arrived",
    "order.cancelled",
    "order.expired",
)


async def store_order_events(
    ctx: Context, *, location_id: int, after: int | None = None
) -> AsyncIterator[tuple[OrderEvent, int | None]]:
    """The store's order facts (those with a `feed` kind) with their log positions; each comes with
    ctx.loaders set to the loaders shared by every subscriber of it."""
    location: Location | None = await ctx.loaders.location.load(location_id)
    order_access.check_may_watch_store(ctx.principal, location.code if location else None)
    wanted = ReplayFilter(STORE_FEED_TYPES, store_ids=(location_id,))
    async for item in follow(ctx, [topics.orders_at(location_id)], after, wanted):
        event = item.event
        if isinstance(event, OrderEvent) and event.feed is not None:
            ctx.loaders = item.loaders
            yield event, item.position
            ctx.fresh_loaders()  # the socket's other operations never see an event's snapshot


async def pickup_ready_events(
    ctx: Context, *, order_id: int | None, after: int | None = None
) -> AsyncIterator[tuple[PickupReady, int | None]]:
    """The signed-in member's pickups (one order, or all of theirs)."""
    principal = ctx.principal
    require_signed_in(principal)
    if principal.role is not Role.MEMBER or principal.member_id is None:
        raise AccessDenied()
    if order_id is not None:
        order: Order | None = await ctx.loaders.order.load(order_id)
        if order is None or order.member_id != principal.member_id:
            raise AccessDenied()
    wanted = ReplayFilter(("order.ready_for_pickup",), member_id=principal.member_id, order_id=order_id)
    async for item in follow(ctx, [topics.pickups_of(principal.member_id)], after, wanted):
        event = item.event
        if isinstance(event, PickupReady) and (order_id is None or event.order_id == order_id):
            ctx.loaders = item.loaders
            yield event, item.position
            ctx.fresh_loaders()
