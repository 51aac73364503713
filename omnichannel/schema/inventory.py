"""Stock levels, adjustments and the live stock feed."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from ..domain.events import StockChanged
from ..domain.inventory import StockLevel as DomainStockLevel
from ..domain.locations import Location
from ..resolvers import inventory as use_cases
from ..resolvers.context import Context
from ..resolvers.maybe import MaybeAwaitable, then
from .catalog import Variant
from .errors import UserError
from .locations import Store


@strawberry.type
class StockLevel:
    on_hand: int
    reserved: int
    safety_stock: int
    available: int = strawberry.field(
        description="what can be promised now: onHand - reserved - safetyStock, never below 0"
    )
    _level: strawberry.Private[DomainStockLevel]
    _store: strawberry.Private[Store | None] = None

    @staticmethod
    def from_domain(
        level: DomainStockLevel, location: Location | None = None, distance_km: float | None = None
    ) -> StockLevel:
        return StockLevel(
            on_hand=level.on_hand,
            reserved=level.reserved,
            safety_stock=level.safety_stock,
            available=level.available,
            _level=level,
            _store=Store.from_domain(location, distance_km) if location is not None else None,
        )

    @staticmethod
    def many(levels: list[DomainStockLevel]) -> list[StockLevel]:
        return [StockLevel.from_domain(level) for level in levels]

    @strawberry.field(graphql_type=Store)
    def store(self, info: Info[Context, None]) -> MaybeAwaitable[Store]:
        if self._store is not None:
            return self._store
        memo = info.context.memo
        return then(use_cases.location_of(info.context, self._level.location_id), lambda loc: Store.of(memo, loc))

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return Variant.from_domain(await info.context.loaders.variant.load(self._level.variant_id))


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
    _event: strawberry.Private[StockChanged]

    @staticmethod
    def from_domain(event: StockChanged) -> StockChangedEvent:
        return StockChangedEvent(
            on_hand=event.on_hand,
            reserved=event.reserved,
            available=event.available,
            reason=event.reason,
            at=event.at,
            _event=event,
        )

    @strawberry.field
    async def store(self, info: Info[Context, None]) -> Store:
        return Store.from_domain(await info.context.loaders.location.load(self._event.location_id))

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return Variant.from_domain(await info.context.loaders.variant.load(self._event.variant_id))
