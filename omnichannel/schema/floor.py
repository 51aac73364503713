"""The store floor's GraphQL types: pick list lines and try-ons."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from ..domain import pick_list as pick_domain
from ..domain import recommendations as recommendation_domain
from ..domain import try_ons as try_on_domain
from ..resolvers import pick_list as pick_use_cases
from ..resolvers import try_ons as try_on_use_cases
from ..resolvers.context import Context
from ..resolvers.members import current_member
from .catalog import Variant
from .enums import TryOnSource
from .locations import Store
from .node import register_node
from .orders import Order
from .references import referenced
from .relay import Node, encode_id

if TYPE_CHECKING:
    from .members import Member


@strawberry.type(description="One variant the store must pick for its paid orders, and the orders that need it.")
class PickListLine:
    quantity: int
    _line: strawberry.Private[pick_domain.PickListLine]

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return Variant.from_domain(
            referenced(await info.context.loaders.variant.load(self._line.variant_id), "variant", self._line.variant_id)
        )

    @strawberry.field(description="the orders that need it, oldest payment first")
    def orders(self, info: Info[Context, None]) -> list[Order]:
        return [Order.from_domain(o) for o in pick_use_cases.orders_of(info.context, self._line)]

    @staticmethod
    def from_domain(line: pick_domain.PickListLine) -> PickListLine:
        return PickListLine(quantity=line.quantity, _line=line)


@strawberry.type(description="A member tried a variant on in a store (fitting-room RFID or a clerk's scan).")
class TryOn(Node):
    source: TryOnSource
    purchased: bool = strawberry.field(description="true once the member bought this variant after trying it on")
    at: datetime
    _try_on: strawberry.Private[try_on_domain.TryOn]

    @staticmethod
    def from_domain(try_on: try_on_domain.TryOn) -> TryOn:
        return TryOn(
            id=strawberry.ID(encode_id("TryOn", try_on.id)),
            source=try_on.source,
            purchased=try_on.purchased,
            at=try_on.at,
            _try_on=try_on,
        )

    @strawberry.field
    async def member(
        self, info: Info[Context, None]
    ) -> Annotated[Member, strawberry.lazy("omnichannel.schema.members")]:
        from .members import Member

        member = await current_member(info.context, self._try_on.member_id)
        assert member is not None  # members are closed by merging, never deleted
        return Member.from_domain(member)

    @strawberry.field
    async def store(self, info: Info[Context, None]) -> Store:
        return Store.from_domain(
            referenced(
                await info.context.loaders.location.load(self._try_on.location_id), "store", self._try_on.location_id
            )
        )

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return Variant.from_domain(
            referenced(
                await info.context.loaders.variant.load(self._try_on.variant_id), "variant", self._try_on.variant_id
            )
        )


@strawberry.type(description="Something to suggest to a member, and why.")
class Recommendation:
    reason: str = strawberry.field(description="why, in words a clerk or member understands")
    score: float = strawberry.field(description="higher first: tried on 3-4, bought together 2-3, best sellers 1-2")
    _recommendation: strawberry.Private[recommendation_domain.Recommendation]

    @staticmethod
    def from_domain(recommendation: recommendation_domain.Recommendation) -> Recommendation:
        return Recommendation(reason=recommendation.reason, score=recommendation.score, _recommendation=recommendation)

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return Variant.from_domain(
            referenced(
                await info.context.loaders.variant.load(self._recommendation.variant_id),
                "variant",
                self._recommendation.variant_id,
            )
        )


async def _fetch_try_on(ctx: Context, pk: int) -> TryOn | None:
    try_on = await try_on_use_cases.visible_try_on(ctx, pk)
    return TryOn.from_domain(try_on) if try_on else None


register_node("TryOn", _fetch_try_on)
