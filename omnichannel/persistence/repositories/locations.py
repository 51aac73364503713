"""Stores and warehouses."""

from __future__ import annotations

from collections.abc import Sequence

from ...domain.geo import BoundingBox
from ...domain.locations import Location
from ..db import fetch
from ..mappers import LOCATION_COLUMNS, to_location
from ..session import Session


async def by_ids(ids: Sequence[int]) -> list[Location]:
    rows = await fetch(f"SELECT {LOCATION_COLUMNS} FROM location WHERE id = ANY($1::int[])", [list(ids)])
    return [to_location(r) for r in rows]


async def by_codes(codes: Sequence[str]) -> list[Location]:
    rows = await fetch(f"SELECT {LOCATION_COLUMNS} FROM location WHERE code = ANY($1::text[])", [list(codes)])
    return [to_location(r) for r in rows]


async def by_code(code: str) -> Location | None:
    found = await by_codes([code])
    return found[0] if found else None


async def all_active() -> list[Location]:
    rows = await fetch(f"SELECT {LOCATION_COLUMNS} FROM location WHERE active ORDER BY code")
    return [to_location(r) for r in rows]


async def in_box(box: BoundingBox) -> list[Location]:
    """Active locations inside a bounding box (index prefilter for 'near' searches)."""
    rows = await fetch(
        f"SELECT {LOCATION_COLUMNS} FROM location WHERE active AND lat BETWEEN $1 AND $2 AND lng BETWEEN $3 AND $4",
        [box.min_lat, box.max_lat, box.min_lng, box.max_lng],
    )
    return [to_location(r) for r in rows]


async def page_by_code(after_code: str | None, limit: int) -> list[Location]:
    """Active locations in code order, keyset-paginated."""
    rows = await fetch(
        f"SELECT {LOCATION_COLUMNS} FROM location WHERE active AND ($1::text IS NULL OR code > $1) "
        "ORDER BY code LIMIT $2",
        [after_code, limit],
    )
    return [to_location(r) for r in rows]


class LocationStore:
    """Location reads of the unit of work (domain.ports.LocationRepository), through the request's loaders."""

    def __init__(self, session: Session) -> None:
        self._session = session

    async def get(self, location_id: int) -> Location | None:
        found: Location | None = await self._session.loaders.location.load(location_id)
        return found

    async def many(self, location_ids: Sequence[int]) -> dict[int, Location]:
        found: list[Location | None] = await self._session.loaders.location.load_many(list(location_ids))
        return {loc.id: loc for loc in found if loc is not None}

    async def by_code(self, code: str) -> Location | None:
        found: Location | None = await self._session.loaders.location_by_code.load(code)
        return found
