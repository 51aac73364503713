"""Synthetic networks and orders for the in-process benchmark: deterministic from a seed.

"metro": 2,000 locations (1,960 stores, 40 regional warehouses) spread over one metropolitan
area about 90 x 80 km (all of them inside the 50 km search radius of most customers, the hardest
case for distance pruning); a catalogue of 1,000 variants; each store holds a quarter of it a few
units deep, each warehouse nine tenths of it tens of units deep. Most orders fit one location.
"split": the same map with shallow warehouses and thinner stores, so most orders need 2-3 parcels.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from omnichannel.domain.geo import GeoPoint
from omnichannel.domain.locations import FulfillmentMode, Location, LocationKind
from omnichannel.domain.routing import LocationStock, RouteLine

CENTER = (31.2304, 121.4737)
SPAN = (0.40, 0.48)  # degrees of latitude / longitude either side of the centre
ALL = frozenset(FulfillmentMode)
STORE_MODES = (
    (0.70, ALL),
    (0.95, frozenset({FulfillmentMode.EXPRESS, FulfillmentMode.PICKUP})),
    (1.00, frozenset({FulfillmentMode.PICKUP})),
)


@dataclass(frozen=True)
class Profile:
    store_share: float  # share of the catalogue a store holds
    store_depth: int  # a store holds 0..depth units of each
    warehouse_share: float
    warehouse_depth: int


PROFILES = {
    "metro": Profile(store_share=0.25, store_depth=6, warehouse_share=0.9, warehouse_depth=200),
    "split": Profile(store_share=0.15, store_depth=4, warehouse_share=0.5, warehouse_depth=3),
}


def build_network(
    profile: str, *, locations: int = 2000, warehouses: int = 40, variants: int = 1000, seed: int = 1
) -> list[LocationStock]:
    shape = PROFILES[profile]
    rng = random.Random(seed)
    catalogue = range(1, variants + 1)
    network = []
    for i in range(locations):
        is_warehouse = i < warehouses
        point = GeoPoint(CENTER[0] + rng.uniform(-SPAN[0], SPAN[0]), CENTER[1] + rng.uniform(-SPAN[1], SPAN[1]))
        if is_warehouse:
            kind, modes, radius = LocationKind.REGIONAL_WAREHOUSE, frozenset({FulfillmentMode.EXPRESS}), 0.0
            share, depth = shape.warehouse_share, shape.warehouse_depth
        else:
            roll = rng.random()
            modes = next(m for limit, m in STORE_MODES if roll < limit)
            kind, radius = LocationKind.STORE, rng.choice((3.0, 5.0, 8.0))
            share, depth = shape.store_share, shape.store_depth
        code = f"W{i + 1:04d}" if is_warehouse else f"S{i + 1:04d}"
        location = Location(
            id=i + 1,
            code=code,
            name=f"{'Warehouse' if is_warehouse else 'Store'} {code}",
            kind=kind,
            point=point,
            modes=modes,
            delivery_radius_km=radius,
            active=rng.random() > 0.02,
        )
        held = rng.sample(catalogue, int(variants * share))
        network.append(LocationStock(location, {v: rng.randint(0, depth) for v in held}))
    return network


def orders(
    count: int, *, lines: int = 5, variants: int = 1000, seed: int = 2
) -> list[tuple[list[RouteLine], GeoPoint]]:
    """Orders of `lines` distinct variants (quantity 1 mostly, up to 3), each with a destination."""
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        picked = rng.sample(range(1, variants + 1), lines)
        route = [RouteLine(v, rng.choices((1, 2, 3), weights=(7, 2, 1))[0]) for v in picked]
        destination = GeoPoint(
            CENTER[0] + rng.uniform(-SPAN[0] * 0.8, SPAN[0] * 0.8),
            CENTER[1] + rng.uniform(-SPAN[1] * 0.8, SPAN[1] * 0.8),
        )
        made.append((route, destination))
    return made
