"""slowMovers and transferProposals: read from the sales kept per level as they happen."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from ..domain.sales_history import LevelSales, Proposal
from ..resolvers import sales_history as use_cases
from ..resolvers.context import Context
from .catalog import Variant
from .locations import Store
from .references import referenced
from .relay import decode_id


async def _store(info: Info[Context, None], location_id: int) -> Store:
    return Store.from_domain(referenced(await info.context.loaders.location.load(location_id), "location", location_id))


async def _variant(info: Info[Context, None], variant_id: int) -> Variant:
    return Variant.from_domain(referenced(await info.context.loaders.variant.load(variant_id), "variant", variant_id))


@strawberry.type(description="Stock that sells slowly against what is held.")
class SlowMover:
    on_hand: int
    daily_sales: float = strawberry.field(description="units sold per day over the window")
    days_of_cover: float | None = strawberry.field(
        description="days the stock lasts at that pace; null when nothing sold in the window"
    )
    last_sold_at: datetime | None = strawberry.field(description="the last sale of it at this store, any time")
    _level: strawberry.Private[LevelSales]

    @staticmethod
    def from_domain(level: LevelSales) -> SlowMover:
        cover = level.days_of_cover
        return SlowMover(
            on_hand=level.on_hand,
            daily_sales=round(level.daily_sales, 4),
            days_of_cover=round(cover, 1) if cover is not None else None,
            last_sold_at=level.last_sold_at,
            _level=level,
        )

    @strawberry.field
    async def store(self, info: Info[Context, None]) -> Store:
        return await _store(info, self._level.location_id)

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return await _variant(info, self._level.variant_id)


@strawberry.type(description="A proposal to move slow stock to a store where the same variant sells.")
class TransferProposal:
    quantity: int
    distance_km: float
    reason: str = strawberry.field(description="the figures behind it, in words a store manager understands")
    _proposal: strawberry.Private[Proposal]

    @staticmethod
    def from_domain(proposal: Proposal) -> TransferProposal:
        return TransferProposal(
            quantity=proposal.quantity, distance_km=proposal.distance_km, reason=proposal.reason, _proposal=proposal
        )

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return await _variant(info, self._proposal.variant_id)

    @strawberry.field(name="from")
    async def from_(self, info: Info[Context, None]) -> Store:
        return await _store(info, self._proposal.from_location_id)

    @strawberry.field
    async def to(self, info: Info[Context, None]) -> Store:
        return await _store(info, self._proposal.to_location_id)


@strawberry.type
class SalesHistoryQuery:
    @strawberry.field(
        description="stock that sells slowest against what is held, most days of cover first (those that sold "
        "nothing first); store managers their store, head office and analysts any (storeId omitted: every store)"
    )
    async def slow_movers(
        self,
        info: Info[Context, None],
        store_id: strawberry.ID | None = None,
        window_days: int | None = 30,
        min_days_of_cover: float | None = 60.0,
        first: int | None = 20,
    ) -> list[SlowMover]:
        found = await use_cases.slow_movers(
            info.context,
            location_id=decode_id(store_id, "Store") if store_id is not None else None,
            window_days=window_days,
            min_days_of_cover=min_days_of_cover,
            first=first,
        )
        return [SlowMover.from_domain(level) for level in found]

    @strawberry.field(
        description="moves of slow stock to the nearest stores (within the routing search radius) where it sells "
        "and runs short; store managers their store, head office and analysts any (storeId omitted: every store)"
    )
    async def transfer_proposals(
        self, info: Info[Context, None], store_id: strawberry.ID | None = None, first: int | None = 20
    ) -> list[TransferProposal]:
        found = await use_cases.transfer_proposals(
            info.context, location_id=decode_id(store_id, "Store") if store_id is not None else None, first=first
        )
        return [TransferProposal.from_domain(p) for p in found]
