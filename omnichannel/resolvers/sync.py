"""syncStock and syncProducts: the ERP (SERVICE) or head office sends a batch; one transaction applies it.

Load nothing up front: claim the batch id (a replay returns the first result and changes nothing;
a copy arriving while the first is applied waits on the claim and then replays), check the rows
(domain.sync: per-row refusals), apply the good ones set-wise (persistence.repositories.sync_*),
keep the result under the batch id, commit. Stock: one StockChanged per changed level (subscribers
and webhooks get them from the event log in one append); products: one CatalogueChanged (the
response cache empties once).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from ..domain.access import Role
from ..domain.errors import ErrorCode
from ..domain.events import CatalogueChanged, stock_changes
from ..domain.ports import UnitOfWork
from ..domain.sync import (
    ProductRow,
    RowError,
    StockRow,
    SyncResult,
    check_batch_id,
    check_product_rows,
    check_row_count,
    check_stock_rows,
)
from .context import Context
from .members import actor_of
from .mutation import requires

STOCK = "STOCK"
PRODUCTS = "PRODUCTS"


async def _once(
    uow: UnitOfWork, kind: str, batch: str, actor: str, work: Callable[[UnitOfWork], Awaitable[SyncResult]]
) -> SyncResult:
    """One transaction per batch: the batch id is claimed first (a copy already applied, or applied
    concurrently, returns that first result), then the work, whose result is kept under the id."""

    async def apply(tx: UnitOfWork) -> SyncResult:
        first = await tx.sync.claim(kind, batch, actor)
        if first is not None:
            return first
        result = await work(tx)
        await tx.sync.finish(kind, result)
        return result

    return await uow.atomic(apply)


@requires(Role.SERVICE, Role.HQ_ADMIN)
async def sync_stock(ctx: Context, uow: UnitOfWork, *, batch_id: str, rows: Sequence[StockRow]) -> SyncResult:
    batch = check_batch_id(batch_id)
    check_row_count(len(rows))
    good, refused = check_stock_rows(rows)
    actor, now = actor_of(ctx.principal), ctx.now()

    async def apply(tx: UnitOfWork) -> SyncResult:
        resolved = await tx.sync.resolve_stock_rows([(n, rows[n]) for n in good])
        rejected = [
            *refused,
            *(
                RowError(n, ErrorCode.UNKNOWN_STORE, f"No store or warehouse {rows[n].store_code}.")
                for n in resolved.unknown_stores
            ),
            *(RowError(n, ErrorCode.UNKNOWN_SKU, f"No variant with SKU {rows[n].sku}.") for n in resolved.unknown_skus),
        ]
        counts = [(*resolved.ids[n], rows[n].on_hand) for n in good if n in resolved.ids]
        applied = await tx.sync.apply_counts(counts, reference=batch, actor=actor)
        if applied.changes:
            tx.record(*stock_changes([m for m, _ in applied.changes], [a for _, a in applied.changes], now))
        return SyncResult(batch, len(applied.changes), applied.unchanged, tuple(sorted(rejected, key=lambda e: e.row)))

    return await _once(uow, STOCK, batch, actor, apply)


@requires(Role.SERVICE, Role.HQ_ADMIN)
async def sync_products(ctx: Context, uow: UnitOfWork, *, batch_id: str, rows: Sequence[ProductRow]) -> SyncResult:
    batch = check_batch_id(batch_id)
    check_row_count(len(rows))
    cleaned, refused = check_product_rows(rows)
    actor, now = actor_of(ctx.principal), ctx.now()

    async def apply(tx: UnitOfWork) -> SyncResult:
        applied = await tx.sync.apply_products([(n, row) for n, row in enumerate(cleaned) if row is not None])
        if applied.applied:
            tx.record(CatalogueChanged(what="SYNC", ids=tuple(applied.product_ids[:100]), at=now))
        rejected = sorted([*refused, *applied.rejected], key=lambda e: e.row)
        return SyncResult(batch, applied.applied, applied.unchanged, tuple(rejected))

    return await _once(uow, PRODUCTS, batch, actor, apply)
