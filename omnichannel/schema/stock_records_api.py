"""Queries, mutations and the subscription of the ledger, safety stock, alerts and the online share."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from ..domain.stock_alerts import LowStockAlert as DomainAlert
from ..resolvers import allocation, stock_alerts, stock_ledger
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from .errors import UserError
from .inventory import AdjustStockPayload, StockLevel
from .node import register_node
from .relay import decode_cursor, decode_id, decode_ids
from .stock_records import (
    AllocationPolicy,
    AllocationPolicyPayload,
    LowStockAlert,
    LowStockAlertConnection,
    SetAllocationPolicyInput,
    SetSafetyStockInput,
    StockMovement,
    StockMovementConnection,
)


async def _fetch_alert(ctx: Context, pk: int) -> LowStockAlert | None:
    found = await stock_alerts.alert(ctx, pk)
    return LowStockAlert.from_domain(found) if found is not None else None


async def _fetch_movement(ctx: Context, pk: int) -> StockMovement | None:
    found = await stock_ledger.movement(ctx, pk)
    return StockMovement.from_domain(found) if found is not None else None


register_node("LowStockAlert", _fetch_alert)
register_node("StockMovement", _fetch_movement)


@strawberry.type
class StockRecordsQuery:
    @strawberry.field(description="the ledger of one store, newest first (staff of that store, head office, analysts)")
    async def stock_movements(
        self,
        info: Info[Context, None],
        store_id: strawberry.ID,
        variant_id: strawberry.ID | None = None,
        since: datetime | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> StockMovementConnection:
        rows, has_next = await stock_ledger.movements_page(
            info.context,
            location_id=decode_id(store_id, "Store"),
            variant_id=decode_id(variant_id, "Variant") if variant_id is not None else None,
            since=since,
            first=first,
            before_id=decode_cursor(after, "movement"),
        )
        return StockMovementConnection.of(rows, has_next, after is not None)

    @strawberry.field(
        description="low-stock alerts newest first (staff of those stores - their own when storeIds is omitted -, "
        "head office, analysts); openOnly: only those still open"
    )
    async def low_stock_alerts(
        self,
        info: Info[Context, None],
        store_ids: list[strawberry.ID] | None = None,
        open_only: bool | None = False,
        first: int | None = 20,
        after: str | None = None,
    ) -> LowStockAlertConnection:
        alerts, has_next = await stock_alerts.alerts_page(
            info.context,
            location_ids=decode_ids(store_ids, "Store"),
            open_only=bool(open_only),
            first=first,
            before_id=decode_cursor(after, "alert"),
        )
        return LowStockAlertConnection.of(alerts, has_next, after is not None)

    @strawberry.field(description="the store's online allocation share (its staff, head office, analysts)")
    async def allocation_policy(self, info: Info[Context, None], store_id: strawberry.ID) -> AllocationPolicy:
        return AllocationPolicy.from_domain(await allocation.policy_of(info.context, decode_id(store_id, "Store")))


@strawberry.type
class StockRecordsMutation:
    @strawberry.mutation(
        description="Set a level's safety stock (that store's manager, head office); an alert is raised at once when "
        "onHand - reserved is already at or below it."
    )
    async def set_safety_stock(self, info: Info[Context, None], input: SetSafetyStockInput) -> AdjustStockPayload:
        result = await mutate(
            info.context,
            stock_alerts.set_safety_stock,
            location_id=decode_id(input.store_id, "Store"),
            variant_id=decode_id(input.variant_id, "Variant"),
            safety_stock=input.safety_stock,
        )
        level = StockLevel.from_domain(result.value, ctx=info.context) if result.value is not None else None
        return AdjustStockPayload(stock_level=level, user_errors=UserError.many(result.errors))

    @strawberry.mutation(
        description="Set the share of a store's stock online channels may hold at once, and whether a daily job "
        "sets it from the store's channel mix (that store's manager, head office)."
    )
    async def set_allocation_policy(
        self, info: Info[Context, None], input: SetAllocationPolicyInput
    ) -> AllocationPolicyPayload:
        result = await mutate(
            info.context,
            allocation.set_allocation_policy,
            location_id=decode_id(input.store_id, "Store"),
            online_share=input.online_share,
            automatic=input.automatic,
            min_share=input.min_share,
            max_share=input.max_share,
        )
        policy = AllocationPolicy.from_domain(result.value) if result.value is not None else None
        return AllocationPolicyPayload(policy=policy, user_errors=UserError.many(result.errors))


@strawberry.type
class StockRecordsSubscription:
    @strawberry.subscription(description="alerts raised at these stores (their staff; head office: any store)")
    async def low_stock(
        self, info: Info[Context, None], store_ids: list[strawberry.ID] | None = None
    ) -> AsyncGenerator[LowStockAlert, None]:
        events = stock_alerts.low_stock_events(info.context, location_ids=decode_ids(store_ids, "Store"))
        async for event, _position in events:
            info.context.fresh_loaders()
            yield LowStockAlert.from_domain(
                DomainAlert(
                    event.alert_id, event.location_id, event.variant_id, event.on_hand, event.reserved,
                    event.safety_stock, event.at,
                )
            )  # fmt: skip
