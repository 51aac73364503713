"""OrderLine (a variant, a quantity and its price) and OrderLineInput; shared by plans, orders and fulfilments."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from ..domain.money import Money as DomainMoney
from ..resolvers.context import Context
from .catalog import Money, Variant
from .references import referenced


@strawberry.type
class OrderLine:
    quantity: int
    unit_price: Money
    total: Money
    _variant_id: strawberry.Private[int]

    @staticmethod
    def of(variant_id: int, quantity: int, unit_price: DomainMoney) -> OrderLine:
        return OrderLine(
            quantity=quantity,
            unit_price=Money.from_domain(unit_price),
            total=Money.from_domain(unit_price.times(quantity)),
            _variant_id=variant_id,
        )

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return Variant.from_domain(
            referenced(await info.context.loaders.variant.load(self._variant_id), "variant", self._variant_id)
        )


@strawberry.input
class OrderLineInput:
    variant_id: strawberry.ID
    quantity: int
