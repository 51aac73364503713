"""Stock look-ups, manual adjustments and the live stock feed."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence

from ..domain import inventory
from ..domain.access import Role, require_stock_admin
from ..domain.errors import DomainError, ErrorCode
from ..domain.events import StockChanged, stock_changes
from ..domain.geo import GeoPoint, bounding_box
from ..domain.inventory import StockLevel
from ..domain.locations import Location
from ..domain.ports import UnitOfWork
from ..persistence.repositories import locations as location_repo
from ..persistence.repositories import stock as stock_repo
from ..subscriptions import topics
from .context import Context
from .events.feeds import ReplayFilter, follow
from .maybe import MaybeAwaitable
from .members import actor_of
from .mutation import requires
from .visibility import sees_inactive

MAX_VARIANTS = 100
MAX_RADIUS_KM = 1000.0


def location_set(location_ids: Sequence[int] | None) -> tuple[int, ...] | None:
    """The stock loader's key part for a list of locations (None: every active location)."""
    return _sorted_unique(tuple(location_ids)) if location_ids is not None else None


@functools.lru_cache(maxsize=1024)  # the same few location lists come once per variant of a page
def _sorted_unique(ids: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(set(ids)))


def stock_of_variant(
    ctx: Context, variant_id: int, location_ids: Sequence[int] | None
) -> MaybeAwaitable[list[StockLevel]]:
    levels: MaybeAwaitable[list[StockLevel]] = ctx.loaders.stock.get((variant_id, location_set(location_ids)))
    return levels


def location_of(ctx: Context, location_id: int) -> MaybeAwaitable[Location | None]:
    location: MaybeAwaitable[Location | None] = ctx.loaders.location.get(location_id)
    return location


def loaded_location(ctx: Context, location_id: int) -> Location | None:
    """The location when this request loaded it already (None otherwise; starts no load)."""
    location: Location | None = ctx.loaders.location.peek(location_id)
    return location


async def prefetch_stock(
    ctx: Context, variant_ids: Sequence[int], location_sets: Sequence[tuple[int, ...] | None], locations: bool
) -> None:
    """Stock of these variants at each location set (one statement per set), then its locations."""
    if not location_sets:
        return
    loaders = ctx.loaders
    keys = [(v, location_set(s)) for s in dict.fromkeys(location_sets) for v in variant_ids]
    found: list[list[StockLevel]] = await loaders.stock.prefetch(keys)
    if locations:
        ids = {level.location_id for levels in found for level in levels}
        if ids:
            await loaders.location.prefetch(sorted(ids))


async def availability(
    ctx: Context, *, variant_ids: Sequence[int], near: GeoPoint | None, radius_km: float | None
) -> list[tuple[StockLevel, Location, float | None]]:
    """Stock of these variants network-wide; nearest first (and within radius_km) when near is given."""
    ids = list(dict.fromkeys(variant_ids))
    if not ids:
        return []
    if len(ids) > MAX_VARIANTS:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Ask for at most {MAX_VARIANTS} variants.", ["variantIds"])
    if radius_km is not None and not (0 < radius_km <= MAX_RADIUS_KM):
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"radiusKm must be above 0 and at most {MAX_RADIUS_KM:g}.", ["radiusKm"]
        )
    if not sees_inactive(ctx):  # members and anonymous callers: products on sale only
        variants = await ctx.loaders.variant.load_many(ids)
        ids = [v.id for v in variants if v is not None and v.product_active]
        if not ids:
            return []
    if near is not None and radius_km is not None:
        box = bounding_box(near, radius_km)
        levels = await stock_repo.levels_in_box(ids, box)
        found = await location_repo.in_box(box)
    else:
        levels = await stock_repo.levels(ids)
        found = await location_repo.all_active()
    by_id = {loc.id: loc for loc in found}
    rows: list[tuple[StockLevel, Location, float | None]] = []
    for level in levels:
        location = by_id.get(level.location_id)
        if location is None:
            continue
        ctx.loaders.location.prime(location.id, location)
        distance = location.distance_to(near) if near is not None else None
        if radius_km is not None and distance is not None and distance > radius_km:
            continue
        rows.append((level, location, distance))
    if near is not None:
        rows.sort(key=lambda r: (r[2], r[1].code, r[0].variant_id))
    else:
        rows.sort(key=lambda r: (r[0].variant_id, r[1].code))
    return rows


@requires(Role.STORE_MANAGER, Role.HQ_ADMIN, Role.SERVICE)
async def adjust_stock(
    ctx: Context, uow: UnitOfWork, *, location_id: int, variant_id: int, delta: int, reason: str
) -> StockLevel:
    """A manager, head office or the ERP changes on-hand stock; the ledger records it atomically."""
    location = await uow.locations.get(location_id)
    if location is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such store or warehouse.", ["storeId"])
    require_stock_admin(ctx.principal, location.code)
    if not await uow.catalog.variants([variant_id]):
        raise DomainError(ErrorCode.NOT_FOUND, "No such variant.", ["variantId"])
    note = inventory.check_adjustment(delta, reason)
    now, actor = ctx.now(), actor_of(ctx.principal)

    async def change(tx: UnitOfWork) -> StockLevel:
        before = await tx.stock.lock_level(location_id, variant_id)
        after, movement = inventory.adjustment(before, delta, note)
        await tx.stock.apply(after, movement, actor)
        tx.record(*stock_changes([movement], [after], now))
        return after

    return await uow.atomic(change)


async def stock_events(
    ctx: Context,
    *,
    location_ids: Sequence[int] | None,
    variant_ids: Sequence[int] | None,
    after: int | None = None,
) -> AsyncIterator[tuple[StockChanged, int | None]]:
    """Stock changes at these locations and/or of these variants (everything when neither), with
    their log positions: those logged after `after` first (when given), then live ones."""
    wanted_variants = frozenset(variant_ids) if variant_ids else None
    if location_ids:  # follow only stores that exist: every one is a channel of its own
        found = await ctx.loaders.location.load_many(list(dict.fromkeys(location_ids)))
        if any(location is None for location in found):
            raise DomainError(ErrorCode.NOT_FOUND, "No such store or warehouse.", ["storeIds"])
    if variant_ids:
        variants = await ctx.loaders.variant.load_many(list(dict.fromkeys(variant_ids)))
        if any(variant is None for variant in variants):
            raise DomainError(ErrorCode.NOT_FOUND, "No such variant.", ["variantIds"])
    subscribed = [topics.stock_at(i) for i in set(location_ids)] if location_ids else [topics.STOCK_ALL]
    wanted = ReplayFilter(
        ("stock.changed",),
        store_ids=tuple(sorted(set(location_ids))) if location_ids else None,
        variant_ids=tuple(sorted(wanted_variants)) if wanted_variants is not None else None,
    )
    async for item in follow(ctx, subscribed, after, wanted):
        event = item.event
        if not isinstance(event, StockChanged):
            continue
        if wanted_variants is not None and event.variant_id not in wanted_variants:
            continue
        yield event, item.position
