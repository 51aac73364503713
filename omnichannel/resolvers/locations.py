"""Stores and warehouses, optionally nearest first."""

from __future__ import annotations

from ..domain.geo import GeoPoint
from ..domain.locations import Location, nearest_first
from ..persistence.repositories import locations
from .catalog import check_page_size
from .context import Context


async def stores_page(
    ctx: Context, *, first: int | None, offset: int, near: GeoPoint | None
) -> tuple[list[tuple[Location, float | None]], bool]:
    """A page of active locations: by code, or nearest first with the distance when near is given."""
    size = check_page_size(first, default=50)
    if near is None:
        # offset pagination on the code order; location lists are short (hundreds to thousands)
        rows = await locations.all_active()
        ranked: list[tuple[Location, float | None]] = [(loc, None) for loc in rows]
    else:
        ranked = list(nearest_first(await locations.all_active(), near))
    page = ranked[offset : offset + size]
    for location, _ in page:
        ctx.loaders.location.prime(location.id, location)
    return page, offset + size < len(ranked)


async def location_by_id(ctx: Context, location_id: int) -> Location | None:
    location: Location | None = await ctx.loaders.location.load(location_id)
    return location
