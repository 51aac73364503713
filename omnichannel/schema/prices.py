"""Prices head office sets: setPrice, and PriceOverride as staff read it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from ..domain import catalog as domain
from ..domain.money import Money as DomainMoney
from ..resolvers import prices as use_cases
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from .catalog import Money, Variant
from .catalogue_api import VariantPayload
from .enums import SalesChannel
from .errors import UserError
from .locations import Store
from .relay import decode_id


@strawberry.type(description="A price that applies to a channel, a store, or both, for a time.")
class PriceOverride:
    amount: Money
    channel: SalesChannel | None
    valid_from: datetime | None
    valid_until: datetime | None
    _override: strawberry.Private[domain.PriceOverride]

    @staticmethod
    def from_domain(override: domain.PriceOverride) -> PriceOverride:
        return PriceOverride(
            amount=Money.from_domain(DomainMoney.of(override.amount)),
            channel=override.channel,
            valid_from=override.valid_from,
            valid_until=override.valid_until,
            _override=override,
        )

    @strawberry.field
    async def store(self, info: Info[Context, None]) -> Store | None:
        location_id = self._override.location_id
        if location_id is None:
            return None
        location = await info.context.loaders.location.load(location_id)
        return Store.from_domain(location) if location is not None else None


@strawberry.input(
    description="Without channel and store it changes the list price. With either it sets an override; a "
    "store override beats a channel override, and both together beat either."
)
class SetPriceInput:
    variant_id: strawberry.ID
    amount: Decimal
    channel: SalesChannel | None = None
    store_id: strawberry.ID | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@strawberry.type
class PriceMutation:
    @strawberry.mutation(description="Head office sets a list price, or a channel/store price for a time.")
    async def set_price(self, info: Info[Context, None], input: SetPriceInput) -> VariantPayload:
        result = await mutate(
            info.context,
            use_cases.set_price,
            variant_id=decode_id(input.variant_id, "Variant"),
            amount=input.amount,
            channel=input.channel,
            location_id=decode_id(input.store_id, "Store") if input.store_id is not None else None,
            valid_from=input.valid_from,
            valid_until=input.valid_until,
        )
        variant = Variant.from_domain(result.value) if result.value is not None else None
        return VariantPayload(variant=variant, user_errors=UserError.many(result.errors))


async def overrides_of(ctx: Context, variant: domain.Variant) -> list[PriceOverride]:
    return [PriceOverride.from_domain(o) for o in await use_cases.overrides_of(ctx, variant)]
