"""Small builders for routing tests: locations placed at known distances from a customer."""

from __future__ import annotations

import math

from omnichannel.domain.geo import KM_PER_DEGREE_LAT, GeoPoint
from omnichannel.domain.locations import FulfillmentMode, Location, LocationKind
from omnichannel.domain.routing import LocationStock, RouteLine

CUSTOMER = GeoPoint(31.2304, 121.4737)
ALL_MODES = frozenset(FulfillmentMode)
EXPRESS = FulfillmentMode.EXPRESS
PICKUP = FulfillmentMode.PICKUP
SAME_CITY = FulfillmentMode.SAME_CITY


def east_of(point: GeoPoint, km: float) -> GeoPoint:
    """A point km kilometres due east (great-circle distance within a few metres for short hops)."""
    return GeoPoint(point.lat, point.lng + km / (KM_PER_DEGREE_LAT * math.cos(math.radians(point.lat))))


def north_of(point: GeoPoint, km: float) -> GeoPoint:
    return GeoPoint(point.lat + km / KM_PER_DEGREE_LAT, point.lng)


def store(
    ident: int,
    km: float,
    *,
    name: str | None = None,
    modes: frozenset[FulfillmentMode] = ALL_MODES,
    radius: float = 5.0,
    active: bool = True,
    north: bool = False,
) -> Location:
    code = f"S{ident:02d}"
    point = north_of(CUSTOMER, km) if north else east_of(CUSTOMER, km)
    return Location(ident, code, name or f"Shop {code}", LocationKind.STORE, point, modes, radius, active=active)


def warehouse(ident: int, km: float, *, name: str | None = None, active: bool = True) -> Location:
    code = f"W{ident:02d}"
    return Location(
        ident,
        code,
        name or f"Regional Warehouse {code}",
        LocationKind.REGIONAL_WAREHOUSE,
        east_of(CUSTOMER, km),
        frozenset({EXPRESS}),
        active=active,
    )


def stocked(location: Location, **available: int) -> LocationStock:
    """stocked(loc, v1=3, v2=1): variant ids written as v<id>."""
    return LocationStock(location, {int(k[1:]): n for k, n in available.items()})


def lines(**quantities: int) -> list[RouteLine]:
    return [RouteLine(int(k[1:]), q) for k, q in quantities.items()]


def codes(plan) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.location.code for s in plan.shipments]


def sent(plan) -> dict[str, dict[int, int]]:  # type: ignore[no-untyped-def]
    """location code -> variant -> quantity, over every shipment of the plan."""
    out: dict[str, dict[int, int]] = {}
    for shipment in plan.shipments:
        per = out.setdefault(shipment.location.code, {})
        for line in shipment.lines:
            per[line.variant_id] = per.get(line.variant_id, 0) + line.quantity
    return out
