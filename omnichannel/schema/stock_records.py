"""The inventory centre's records: ledger movements, low-stock alerts and allocation policies."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from ..domain.online_allocation import AllocationPolicy as DomainPolicy
from ..domain.stock_alerts import LowStockAlert as DomainAlert
from ..resolvers.context import Context
from ..resolvers.stock_ledger import MovementRow
from .catalog import Variant
from .errors import UserError
from .locations import Store
from .references import referenced
from .relay import Node, PageInfo, encode_cursor, encode_id


async def _store(info: Info[Context, None], location_id: int) -> Store:
    location = await info.context.loaders.location.load(location_id)
    return Store.from_domain(referenced(location, "location", location_id))


async def _variant(info: Info[Context, None], variant_id: int) -> Variant:
    variant = await info.context.loaders.variant.load(variant_id)
    return Variant.from_domain(referenced(variant, "variant", variant_id))


@strawberry.type(description="One change of a stock level, written in the same transaction as the change.")
class StockMovement(Node):
    on_hand_delta: int = strawberry.field(description="signed change of onHand")
    reserved_delta: int = strawberry.field(description="signed change of reserved")
    reason: str = strawberry.field(description="SALE, RESERVATION, RELEASE, TRANSFER, ADJUSTMENT, SYNC, RETURN")
    reference: str | None = strawberry.field(
        description="what caused it: an order number, a transfer number, a sync batch id, or the adjustment's reason"
    )
    on_hand_after: int = strawberry.field(description="onHand right after the change")
    reserved_after: int = strawberry.field(description="reserved right after the change")
    at: datetime
    _row: strawberry.Private[MovementRow]

    @staticmethod
    def from_domain(row: MovementRow) -> StockMovement:
        return StockMovement(
            id=strawberry.ID(encode_id("StockMovement", row.id)),
            on_hand_delta=row.on_hand_delta,
            reserved_delta=row.reserved_delta,
            reason=row.reason.value,
            reference=row.reference if row.reference is not None else (row.note or None),
            on_hand_after=row.on_hand_after,
            reserved_after=row.reserved_after,
            at=row.at,
            _row=row,
        )

    @strawberry.field
    async def store(self, info: Info[Context, None]) -> Store:
        return await _store(info, self._row.location_id)

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return await _variant(info, self._row.variant_id)


@strawberry.type
class StockMovementEdge:
    cursor: str
    node: StockMovement


@strawberry.type
class StockMovementConnection:
    edges: list[StockMovementEdge]
    page_info: PageInfo

    @staticmethod
    def of(rows: list[MovementRow], has_next: bool, has_previous: bool) -> StockMovementConnection:
        edges = [
            StockMovementEdge(cursor=encode_cursor("movement", r.id), node=StockMovement.from_domain(r)) for r in rows
        ]
        return StockMovementConnection(
            edges=edges, page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, has_previous=has_previous)
        )


@strawberry.type(
    description="Raised when a level's onHand - reserved falls to its safety stock or below (safety stock > 0); "
    "one open alert per level at a time; resolved when onHand - reserved rises above it again."
)
class LowStockAlert(Node):
    on_hand: int = strawberry.field(description="onHand when the alert was raised")
    reserved: int = strawberry.field(description="reserved when the alert was raised")
    safety_stock: int
    raised_at: datetime
    resolved_at: datetime | None = strawberry.field(description="null while the alert is open")
    _alert: strawberry.Private[DomainAlert]

    @staticmethod
    def from_domain(alert: DomainAlert) -> LowStockAlert:
        return LowStockAlert(
            id=strawberry.ID(encode_id("LowStockAlert", alert.id)),
            on_hand=alert.on_hand,
            reserved=alert.reserved,
            safety_stock=alert.safety_stock,
            raised_at=alert.raised_at,
            resolved_at=alert.resolved_at,
            _alert=alert,
        )

    @strawberry.field
    async def store(self, info: Info[Context, None]) -> Store:
        return await _store(info, self._alert.location_id)

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return await _variant(info, self._alert.variant_id)


@strawberry.type
class LowStockAlertEdge:
    cursor: str
    node: LowStockAlert


@strawberry.type
class LowStockAlertConnection:
    edges: list[LowStockAlertEdge]
    page_info: PageInfo

    @staticmethod
    def of(alerts: list[DomainAlert], has_next: bool, has_previous: bool) -> LowStockAlertConnection:
        edges = [
            LowStockAlertEdge(cursor=encode_cursor("alert", a.id), node=LowStockAlert.from_domain(a)) for a in alerts
        ]
        return LowStockAlertConnection(
            edges=edges, page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, has_previous=has_previous)
        )


@strawberry.type
class AllocationPolicy:
    online_share: float = strawberry.field(
        description="share (0..1) of the store's stock that online channels may hold at once"
    )
    automatic: bool = strawberry.field(
        description="true: a daily job sets onlineShare from the store's recent channel mix, within minShare..maxShare"
    )
    min_share: float
    max_share: float
    updated_at: datetime = strawberry.field(description="when it was last changed (1970-01-01 when never)")
    _policy: strawberry.Private[DomainPolicy]

    @staticmethod
    def from_domain(policy: DomainPolicy) -> AllocationPolicy:
        assert policy.updated_at is not None
        return AllocationPolicy(
            online_share=policy.online_share,
            automatic=policy.automatic,
            min_share=policy.min_share,
            max_share=policy.max_share,
            updated_at=policy.updated_at,
            _policy=policy,
        )

    @strawberry.field
    async def store(self, info: Info[Context, None]) -> Store:
        return await _store(info, self._policy.location_id)


@strawberry.input
class SetSafetyStockInput:
    store_id: strawberry.ID
    variant_id: strawberry.ID
    safety_stock: int


@strawberry.input
class SetAllocationPolicyInput:
    store_id: strawberry.ID
    online_share: float | None = None
    automatic: bool | None = None
    min_share: float | None = None
    max_share: float | None = None


@strawberry.type
class AllocationPolicyPayload:
    policy: AllocationPolicy | None
    user_errors: list[UserError]
