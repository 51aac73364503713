"""Safety stock and low-stock alerts: the in-transaction watch on every stock change, setSafetyStock,
the alert list and the live lowStock feed.

The watch (`watch_level`) is registered in resolvers/in_transaction.py for StockChanged, so whatever
moves stock - an order, an adjustment, a return, a sync, a transfer - raises and resolves alerts in
its own transaction with no code of its own; domain.stock_alerts decides, this module writes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from ..domain import inventory_access, stock_alerts
from ..domain.access import Role
from ..domain.errors import AccessDenied, DomainError, ErrorCode
from ..domain.events import LowStockRaised, StockChanged
from ..domain.inventory import StockLevel
from ..domain.locations import Location
from ..domain.ports import UnitOfWork
from ..domain.stock_alerts import AlertAction, LowStockAlert
from ..persistence.repositories import stock_alerts as alert_repo
from ..subscriptions import topics
from .catalog import MAX_PAGE
from .context import Context
from .events.feeds import ReplayFilter, follow
from .mutation import requires


async def evaluate(uow: UnitOfWork, level: StockLevel, at: datetime, *, free_delta: int, safety_changed: bool) -> None:
    """Raise or resolve the level's alert as domain.stock_alerts says (inside the change's transaction)."""
    todo = stock_alerts.action(
        level.on_hand, level.reserved, level.safety_stock, free_delta=free_delta, safety_changed=safety_changed
    )
    if todo is AlertAction.RAISE:
        alert = await uow.stock_alerts.raise_alert(level, at)
        if alert is not None:
            uow.record(
                LowStockRaised(
                    alert.id, level.location_id, level.variant_id, level.on_hand, level.reserved,
                    level.safety_stock, at,
                )
            )  # fmt: skip
    elif todo is AlertAction.RESOLVE:
        await uow.stock_alerts.resolve(level.location_id, level.variant_id, at)


async def watch_level(uow: UnitOfWork, event: StockChanged) -> None:
    """In-transaction handler of StockChanged: every stock change re-evaluates its level's alert."""
    level = StockLevel(event.location_id, event.variant_id, event.on_hand, event.reserved, event.safety_stock)
    await evaluate(uow, level, event.at, free_delta=event.on_hand_delta - event.reserved_delta, safety_changed=False)


async def _location(uow: UnitOfWork, location_id: int) -> Location:
    location = await uow.locations.get(location_id)
    if location is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such store or warehouse.", ["storeId"])
    return location


@requires(Role.STORE_MANAGER, Role.HQ_ADMIN)
async def set_safety_stock(
    ctx: Context, uow: UnitOfWork, *, location_id: int, variant_id: int, safety_stock: int
) -> StockLevel:
    """The store's manager or head office sets a level's safety stock; an alert is raised at once when
    the stock is already at or below it (and resolved when it no longer is)."""
    location = await _location(uow, location_id)
    inventory_access.check_may_configure(ctx.principal, location.code)
    if not await uow.catalog.variants([variant_id]):
        raise DomainError(ErrorCode.NOT_FOUND, "No such variant.", ["variantId"])
    value = stock_alerts.check_safety_stock(safety_stock)
    now = ctx.now()

    async def change(tx: UnitOfWork) -> StockLevel:
        level = await tx.stock_alerts.set_safety_stock(location_id, variant_id, value)
        await evaluate(tx, level, now, free_delta=0, safety_changed=True)
        return level

    return await uow.atomic(change)


def check_first(first: int | None, default: int = 20) -> int:
    size = default if first is None else first
    if not 1 <= size <= MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_INPUT, f"first must be between 1 and {MAX_PAGE}.", ["first"])
    return size


async def _stores(ctx: Context, location_ids: Sequence[int]) -> list[Location | None]:
    found: list[Location | None] = await ctx.loaders.location.load_many(list(dict.fromkeys(location_ids)))
    return found


async def alerts_page(
    ctx: Context, *, location_ids: Sequence[int] | None, open_only: bool, first: int | None, before_id: int | None
) -> tuple[list[LowStockAlert], bool]:
    """lowStockAlerts: newest first, for staff of those stores (their own when none named), head office, analysts."""
    size = check_first(first)
    if location_ids is not None and len(location_ids) > MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Ask for at most {MAX_PAGE} stores.", ["storeIds"])
    codes = None
    if location_ids is not None:
        codes = [loc.code if loc is not None else None for loc in await _stores(ctx, location_ids)]
    scope = inventory_access.readable_stores(ctx.principal, codes)
    ids: list[int] | None = None
    if scope is not None:
        found: list[Location | None] = await ctx.loaders.location_by_code.load_many(list(scope))
        ids = [loc.id for loc in found if loc is not None]
    rows = await alert_repo.page(ids, open_only, before_id, size + 1)
    return rows[:size], len(rows) > size


async def may_read_records_of(ctx: Context, location_id: int) -> bool:
    """Whether the caller may read this location's stock records (movements, alerts)."""
    location: Location | None = await ctx.loaders.location.load(location_id)
    try:
        inventory_access.check_may_read(ctx.principal, location.code if location is not None else None)
    except AccessDenied:
        return False
    return True


async def alert(ctx: Context, alert_id: int) -> LowStockAlert | None:
    """node(id:) of an alert: None when absent or not the caller's to read."""
    found = await alert_repo.by_id(alert_id)
    if found is None or not await may_read_records_of(ctx, found.location_id):
        return None
    return found


async def low_stock_events(
    ctx: Context, *, location_ids: Sequence[int] | None
) -> AsyncIterator[tuple[LowStockRaised, int | None]]:
    """Alerts raised at these stores, live, across server processes (from the committed event log)."""
    codes = None
    if location_ids is not None:
        if len(location_ids) > MAX_PAGE:
            raise DomainError(ErrorCode.INVALID_INPUT, f"Ask for at most {MAX_PAGE} stores.", ["storeIds"])
        found = await _stores(ctx, location_ids)
        if any(loc is None for loc in found):
            raise DomainError(ErrorCode.NOT_FOUND, "No such store or warehouse.", ["storeIds"])
        codes = [loc.code for loc in found if loc is not None]
    scope = inventory_access.watched_stores(ctx.principal, codes)
    if scope is None:
        names, store_ids = [topics.LOW_STOCK_ALL], None
    else:
        stores: list[Location | None] = await ctx.loaders.location_by_code.load_many(list(scope))
        store_ids = tuple(sorted(loc.id for loc in stores if loc is not None))
        names = [topics.low_stock_at(i) for i in store_ids]
    wanted = ReplayFilter(("stock.low",), store_ids=store_ids)
    async for item in follow(ctx, names, None, wanted):
        if isinstance(item.event, LowStockRaised):
            yield item.event, item.position
