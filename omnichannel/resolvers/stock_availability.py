"""What nearby locations can promise now (for OUT_OF_STOCK answers)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from ..domain.geo import bounding_box
from ..domain.locations import Location
from ..persistence.repositories import inventory as stock_repo
from ..persistence.repositories import locations as location_repo
from .context import Context

NEARBY_KM = 20.0


async def pickup_network(
    ctx: Context, origin: Location, variant_ids: Sequence[int], radius_km: float = NEARBY_KM
) -> list[tuple[Location, Mapping[int, int]]]:
    """Active locations within radius_km of origin with what they have available of these variants."""
    box = bounding_box(origin.point, radius_km)
    available: dict[int, dict[int, int]] = defaultdict(dict)
    for level in await stock_repo.levels_in_box(variant_ids, box):
        available[level.location_id][level.variant_id] = level.available
    network: list[tuple[Location, Mapping[int, int]]] = []
    for location in await location_repo.in_box(box):
        ctx.loaders.location.prime(location.id, location)
        if location.distance_to(origin.point) <= radius_km:
            network.append((location, available.get(location.id, {})))
    return network
