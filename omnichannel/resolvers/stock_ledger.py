"""Reading the stock ledger of a store, and checking the whole ledger against the levels."""

from __future__ import annotations

from datetime import datetime

from ..domain import inventory_access
from ..domain.locations import Location
from ..persistence.repositories import stock_ledger
from ..persistence.repositories.stock_ledger import LedgerMismatch, MovementRow
from .context import Context
from .stock_alerts import check_first, may_read_records_of

__all__ = ["LedgerMismatch", "MovementRow", "check_ledger", "movement", "movements_page"]


async def movements_page(
    ctx: Context,
    *,
    location_id: int,
    variant_id: int | None,
    since: datetime | None,
    first: int | None,
    before_id: int | None,
) -> tuple[list[MovementRow], bool]:
    """stockMovements: newest first, for the store's staff, head office and analysts."""
    size = check_first(first)
    location: Location | None = await ctx.loaders.location.load(location_id)
    inventory_access.check_may_read(ctx.principal, location.code if location is not None else None)
    rows = await stock_ledger.page(location_id, variant_id, since, before_id, size + 1)
    return rows[:size], len(rows) > size


async def movement(ctx: Context, movement_id: int) -> MovementRow | None:
    """node(id:) of a movement: None when absent or not the caller's to read."""
    found = await stock_ledger.by_id(movement_id)
    if found is None or not await may_read_records_of(ctx, found.location_id):
        return None
    return found


async def check_ledger(limit: int = 1000) -> tuple[int, list[LedgerMismatch]]:
    """(levels checked, levels whose on hand or reserved is not the sum of their movements)."""
    return await stock_ledger.mismatches(limit)
