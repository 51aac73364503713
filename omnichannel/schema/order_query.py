"""Root fields for orders: order, orders, and the live feeds storeOrders and pickupReady."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ..resolvers import order_feed
from ..resolvers.context import Context
from ..resolvers.orders import reads as use_cases
from .enums import OrderStatus, SalesChannel
from .events import AFTER_CURSOR_DESCRIPTION, CURSOR_DESCRIPTION, decode_log_cursor, encode_log_cursor
from .locations import Store
from .orders import Fulfillment, Order, OrderConnection, OrderEdge
from .relay import PageInfo, decode_cursor, decode_id, encode_cursor


def order_connection(orders: list, has_next: bool, has_previous: bool) -> OrderConnection:  # type: ignore[type-arg]
    edges = [OrderEdge(cursor=encode_cursor("order", o.id), node=Order.from_domain(o)) for o in orders]
    return OrderConnection(
        edges=edges, page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, has_previous=has_previous)
    )


@strawberry.type
class OrderQuery:
    @strawberry.field(description="One order, for the ordering member, the stores that handle it and head office.")
    async def order(self, info: Info[Context, None], id: strawberry.ID) -> Order | None:
        order = await use_cases.order_query(info.context, decode_id(id, "Order"))
        return Order.from_domain(order) if order else None

    @strawberry.field(
        description="Orders newest first: members see their own, store staff their store's, head office all. "
        "updatedSince: only orders changed since then (a live feed catching up after a reconnect)."
    )
    async def orders(
        self,
        info: Info[Context, None],
        store_id: strawberry.ID | None = None,
        status: list[OrderStatus] | None = None,
        first: int | None = 20,
        after: str | None = None,
        updated_since: datetime | None = None,
        from_: Annotated[
            datetime | None, strawberry.argument(name="from", description="placed at or after this moment")
        ] = None,
        to: Annotated[datetime | None, strawberry.argument(description="placed before this moment")] = None,
        channel: SalesChannel | None = None,
    ) -> OrderConnection:
        orders, has_next = await use_cases.orders_page(
            info.context,
            store_id=decode_id(store_id, "Store") if store_id is not None else None,
            statuses=status,
            first=first,
            before_id=decode_cursor(after, "order"),
            updated_since=updated_since,
            placed_from=from_,
            placed_before=to,
            channel=channel,
        )
        return order_connection(orders, has_next, after is not None)


@strawberry.type
class StoreOrderEvent:
    kind: str = strawberry.field(description="CREATED, PAID, STATUS_CHANGED, CANCELLED")
    status: OrderStatus = strawberry.field(description="the order's status right after the change")
    order: Order
    at: datetime
    cursor: str | None = strawberry.field(description=CURSOR_DESCRIPTION)


@strawberry.type
class PickupReadyEvent:
    order: Order
    store: Store
    fulfillment: Fulfillment
    ready_at: datetime
    cursor: str | None = strawberry.field(description=CURSOR_DESCRIPTION)


@strawberry.type
class OrderSubscription:
    @strawberry.subscription(description="the live order feed of one store, for its staff")
    async def store_orders(
        self,
        info: Info[Context, None],
        store_id: strawberry.ID,
        after_cursor: Annotated[str | None, strawberry.argument(description=AFTER_CURSOR_DESCRIPTION)] = None,
    ) -> AsyncGenerator[StoreOrderEvent, None]:
        ctx = info.context
        events = order_feed.store_order_events(
            ctx, location_id=decode_id(store_id, "Store"), after=decode_log_cursor(after_cursor)
        )
        async for event, position in events:
            order = await ctx.loaders.order.load(event.order_id)
            if order is not None:
                kind = event.feed.value if event.feed is not None else ""
                yield StoreOrderEvent(
                    kind=kind,
                    status=event.status,
                    order=Order.from_domain(order),
                    at=event.at,
                    cursor=encode_log_cursor(position),
                )

    @strawberry.subscription(
        description="the member's own orders (one order, or all of theirs when orderId is omitted)"
    )
    async def pickup_ready(
        self,
        info: Info[Context, None],
        order_id: strawberry.ID | None = None,
        after_cursor: Annotated[str | None, strawberry.argument(description=AFTER_CURSOR_DESCRIPTION)] = None,
    ) -> AsyncGenerator[PickupReadyEvent, None]:
        ctx = info.context
        wanted = decode_id(order_id, "Order") if order_id is not None else None
        events = order_feed.pickup_ready_events(ctx, order_id=wanted, after=decode_log_cursor(after_cursor))
        async for event, position in events:
            order = await ctx.loaders.order.load(event.order_id)
            fulfillment = await ctx.loaders.fulfillment.load(event.fulfillment_id)
            location = await ctx.loaders.location.load(event.location_id)
            if order is not None and fulfillment is not None and location is not None:
                yield PickupReadyEvent(
                    order=Order.from_domain(order),
                    store=Store.from_domain(location),
                    fulfillment=Fulfillment.from_domain(fulfillment),
                    ready_at=event.at,
                    cursor=encode_log_cursor(position),
                )
