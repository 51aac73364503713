"""commissionEntries and commissionSummary: clerks their own, managers their store's, head office all."""

from __future__ import annotations

from datetime import datetime

from ..domain.commission import Entry, SummaryRow
from ..domain.commission_access import Scope, check_period, scope
from ..domain.errors import AccessDenied
from ..domain.locations import Location
from ..domain.people import StaffMember
from ..persistence.repositories import commission as repo
from .catalog import check_page_size
from .context import Context


async def _scope(ctx: Context, *, staff_id: int | None, location_id: int | None) -> Scope:
    principal = ctx.principal
    own = None
    if principal.store_code:
        store: Location | None = await ctx.loaders.location_by_code.load(principal.store_code)
        own = store.id if store is not None else None
    staff_location = None
    if staff_id is not None:
        staff: StaffMember | None = await ctx.loaders.staff.load(staff_id)
        if staff is None and principal.is_store_staff:
            raise AccessDenied()  # the same answer as for staff of another store
        staff_location = staff.location_id if staff is not None else None
    return scope(
        principal, staff_id=staff_id, staff_location_id=staff_location, location_id=location_id, own_location_id=own
    )


async def entries(
    ctx: Context,
    *,
    staff_id: int | None,
    location_id: int | None,
    start: datetime | None,
    end: datetime | None,
    first: int | None,
    before_id: int | None,
) -> tuple[list[Entry], bool]:
    chosen = await _scope(ctx, staff_id=staff_id, location_id=location_id)
    check_period(start, end)
    size = check_page_size(first)
    rows = await repo.entries_page(chosen, start=start, end=end, before_id=before_id, limit=size + 1)
    await ctx.loaders.staff.prefetch(sorted({e.staff_id for e in rows[:size]}))
    return rows[:size], len(rows) > size


async def summary(ctx: Context, *, location_id: int | None, start: datetime, end: datetime) -> list[SummaryRow]:
    chosen = await _scope(ctx, staff_id=None, location_id=location_id)
    check_period(start, end)
    rows = await repo.summary(chosen, start=start, end=end)
    await ctx.loaders.staff.prefetch(sorted({r.staff_id for r in rows}))
    return rows
