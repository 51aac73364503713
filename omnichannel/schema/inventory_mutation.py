"""Mutations and subscriptions of the inventory centre."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry
from strawberry.types import Info

from ..resolvers import inventory as use_cases
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from .errors import UserError
from .events import AFTER_CURSOR_DESCRIPTION, decode_log_cursor, encode_log_cursor
from .inventory import AdjustStockInput, AdjustStockPayload, StockChangedEvent, StockLevel
from .relay import decode_id, decode_ids


@strawberry.type
class InventoryMutation:
    @strawberry.mutation(
        description="Change on-hand stock (store manager at their store, head office, ERP); written to the ledger."
    )
    async def adjust_stock(self, info: Info[Context, None], input: AdjustStockInput) -> AdjustStockPayload:
        result = await mutate(
            info.context,
            use_cases.adjust_stock,
            location_id=decode_id(input.store_id, "Store"),
            variant_id=decode_id(input.variant_id, "Variant"),
            delta=input.delta,
            reason=input.reason,
        )
        level = StockLevel.from_domain(result.value, ctx=info.context) if result.value is not None else None
        return AdjustStockPayload(stock_level=level, user_errors=UserError.many(result.errors))


@strawberry.type
class InventorySubscription:
    @strawberry.subscription(
        description="Live stock changes at these stores and/or of these variants (afterCursor: missed ones first)."
    )
    async def stock_changed(
        self,
        info: Info[Context, None],
        store_ids: list[strawberry.ID] | None = None,
        variant_ids: list[strawberry.ID] | None = None,
        after_cursor: Annotated[str | None, strawberry.argument(description=AFTER_CURSOR_DESCRIPTION)] = None,
    ) -> AsyncGenerator[StockChangedEvent, None]:
        events = use_cases.stock_events(
            info.context,
            location_ids=decode_ids(store_ids, "Store"),
            variant_ids=decode_ids(variant_ids, "Variant"),
            after=decode_log_cursor(after_cursor),
        )
        async for event, position in events:
            info.context.fresh_loaders()
            yield StockChangedEvent.from_domain(event, encode_log_cursor(position))
