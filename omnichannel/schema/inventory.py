"""Stock levels, adjustments and the live stock feed."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from ..domain.events import StockChanged
from ..domain.inventory import StockLevel as DomainStockLevel
from ..domain.locations import Location
from ..resolvers import allocation
from ..resolvers import inventory as use_cases
from ..resolvers.context import Context
from ..resolvers.maybe import Later, then
from .catalog import Variant
from .errors import UserError
from .locations import Store
from .references import referenced
from .views import NEW_VIEW, Eventually, ReadThrough


@strawberry.type
class StockLevel(ReadThrough):
    """A level at a location. Views built by `many` hold `available`, `store` and the level alone; the
    other counts are read through from the level (`views.ReadThrough`)."""

    _read_through = frozenset({"on_hand", "reserved", "safety_stock"})
    _source = "_level"

    on_hand: int
    reserved: int
    safety_stock: int
    available: int = strawberry.field(
        description="what can be promised now: onHand - reserved - safetyStock, never below 0"
    )
    # a plain attribute (a page reads thousands): the view, or an awaitable of it until the location is loaded
    store: Eventually[Store] = strawberry.field(graphql_type=Store)
    _level: strawberry.Private[DomainStockLevel]

    @staticmethod
    def from_domain(
        level: DomainStockLevel,
        location: Location | None = None,
        distance_km: float | None = None,
        *,
        ctx: Context | None = None,
    ) -> StockLevel:
        """The view of a level; give its location, or the request context to load it when asked for."""
        if location is not None:
            store: Eventually[Store] = (
                Store.from_domain(location, distance_km)
                if ctx is None or distance_km is not None
                else Store.of(ctx.memo, location)
            )
        elif ctx is not None:
            store = _store_at(ctx, level.location_id)
        else:
            raise TypeError("StockLevel.from_domain needs the level's location or the request context")
        return StockLevel(
            on_hand=level.on_hand,
            reserved=level.reserved,
            safety_stock=level.safety_stock,
            available=level.available,
            store=store,
            _level=level,
        )

    @staticmethod
    def many(levels: list[DomainStockLevel], ctx: Context) -> list[StockLevel]:
        """Views of a variant's levels (a page builds thousands: one tight loop, store views shared;
        each view filled as `views.bulk_view` does, inlined)."""
        stores = Store.views(ctx.memo)
        views: list[StockLevel] = []
        append, new, cls = views.append, NEW_VIEW, StockLevel
        for level in levels:
            location_id = level.location_id
            view = new(cls)
            view.__dict__ = {
                "available": level.available,
                "store": stores.get(location_id) or _store_at(ctx, location_id),
                "_level": level,
            }
            append(view)
        return views

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return Variant.from_domain(
            referenced(
                await info.context.loaders.variant.load(self._level.variant_id), "variant", self._level.variant_id
            )
        )

    @strawberry.field(
        description="what online channels (MINI_PROGRAM, APP) may still sell here: floor(onlineShare x (onHand - "
        "safetyStock)) - what online orders hold here now, never below 0 and never more than available"
    )
    async def available_online(self, info: Info[Context, None]) -> int:
        return await allocation.available_online(info.context, self._level)


def _store_at(ctx: Context, location_id: int) -> Eventually[Store]:
    location = use_cases.loaded_location(ctx, location_id)
    if location is not None:
        return Store.of(ctx.memo, location)
    return Later(
        lambda: then(
            use_cases.location_of(ctx, location_id),
            lambda loc: Store.of(ctx.memo, referenced(loc, "location", location_id)),
        )
    )


@strawberry.input
class AdjustStockInput:
    store_id: strawberry.ID
    variant_id: strawberry.ID
    delta: int = strawberry.field(description="units to add (positive) or remove (negative) from on hand")
    reason: str


@strawberry.type
class AdjustStockPayload:
    stock_level: StockLevel | None
    user_errors: list[UserError]


@strawberry.type
class StockChangedEvent:
    on_hand: int
    reserved: int
    available: int
    reason: str = strawberry.field(description="SALE, RESERVATION, RELEASE, TRANSFER, ADJUSTMENT, SYNC")
    at: datetime
    cursor: str | None = strawberry.field(
        description="this event's place in the event log: pass it as afterCursor to resume after it"
    )
    _event: strawberry.Private[StockChanged]

    @staticmethod
    def from_domain(event: StockChanged, cursor: str | None = None) -> StockChangedEvent:
        return StockChangedEvent(
            on_hand=event.on_hand,
            reserved=event.reserved,
            available=event.available,
            reason=event.reason,
            at=event.at,
            cursor=cursor,
            _event=event,
        )

    @strawberry.field
    async def store(self, info: Info[Context, None]) -> Store:
        return Store.from_domain(
            referenced(
                await info.context.loaders.location.load(self._event.location_id), "location", self._event.location_id
            )
        )

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return Variant.from_domain(
            referenced(
                await info.context.loaders.variant.load(self._event.variant_id), "variant", self._event.variant_id
            )
        )
