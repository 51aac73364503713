"""The ERP's bulk sync: syncStock and syncProducts (SERVICE and head office)."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.types import Info

from ..domain import sync as domain
from ..domain.sync import MAX_ROWS
from ..resolvers import sync as use_cases
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from ..resolvers.results import Result
from .errors import UserError


@strawberry.input(description="One counted stock figure from the ERP/WMS: the location's physical on-hand quantity.")
class StockSyncRow:
    store_code: str
    sku: str
    on_hand: int


@strawberry.input
class SyncStockInput:
    batch_id: str = strawberry.field(description="the same batchId again changes nothing and returns the first result")
    rows: list[StockSyncRow]


@strawberry.input
class ProductSyncRow:
    product_code: str = strawberry.field(description="groups variants into one product")
    product_title: str
    category_name: str | None = None
    sku: str
    variant_title: str
    barcode: str | None = None
    list_price: Decimal


@strawberry.input
class SyncProductsInput:
    batch_id: str
    rows: list[ProductSyncRow]


@strawberry.type
class SyncRowError:
    row: int = strawberry.field(description="0-based index of the row in the input")
    code: str
    message: str


@strawberry.type
class SyncResult:
    batch_id: str
    applied: int = strawberry.field(description="rows that changed something")
    unchanged: int = strawberry.field(description="rows that matched what was already there")
    rejected: list[SyncRowError]
    replayed: bool = strawberry.field(description="true when this batchId had already been applied")

    @staticmethod
    def from_domain(result: domain.SyncResult) -> SyncResult:
        return SyncResult(
            batch_id=result.batch_id,
            applied=result.applied,
            unchanged=result.unchanged,
            rejected=[SyncRowError(row=e.row, code=e.code.value, message=e.message) for e in result.rejected],
            replayed=result.replayed,
        )


@strawberry.type
class SyncPayload:
    result: SyncResult | None
    user_errors: list[UserError]


def _payload(result: Result[domain.SyncResult]) -> SyncPayload:
    value = SyncResult.from_domain(result.value) if result.value is not None else None
    return SyncPayload(result=value, user_errors=UserError.many(result.errors))


@strawberry.type
class SyncMutation:
    @strawberry.mutation(
        description="ERP/WMS (SERVICE) and head office: set counted on-hand figures; each change is a SYNC movement"
    )
    async def sync_stock(self, info: Info[Context, None], input: SyncStockInput) -> SyncPayload:
        rows = [domain.StockRow(r.store_code, r.sku, r.on_hand) for r in input.rows[: MAX_ROWS + 1]]
        return _payload(await mutate(info.context, use_cases.sync_stock, batch_id=input.batch_id, rows=rows))

    @strawberry.mutation(
        description="ERP (SERVICE) and head office: create or update products and variants by productCode and sku"
    )
    async def sync_products(self, info: Info[Context, None], input: SyncProductsInput) -> SyncPayload:
        rows = [
            domain.ProductRow(
                r.product_code, r.product_title, r.category_name, r.sku, r.variant_title, r.barcode, r.list_price
            )
            for r in input.rows[: MAX_ROWS + 1]
        ]
        return _payload(await mutate(info.context, use_cases.sync_products, batch_id=input.batch_id, rows=rows))
