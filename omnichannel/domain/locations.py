"""Stores and regional warehouses: where stock lives and orders are fulfilled."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .geo import GeoPoint, distance_km


class LocationKind(StrEnum):
    STORE = "STORE"
    REGIONAL_WAREHOUSE = "REGIONAL_WAREHOUSE"


class FulfillmentMode(StrEnum):
    PICKUP = "PICKUP"
    EXPRESS = "EXPRESS"
    SAME_CITY = "SAME_CITY"


@dataclass(frozen=True, slots=True)
class Location:
    id: int
    code: str
    name: str
    kind: LocationKind
    point: GeoPoint
    modes: frozenset[FulfillmentMode]
    delivery_radius_km: float = 0.0
    opening_hours: str = ""
    active: bool = True
    city: str = ""
    address: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def offers(self, mode: FulfillmentMode) -> bool:
        return self.active and mode in self.modes

    def distance_to(self, point: GeoPoint) -> float:
        return distance_km(self.point, point)

    def delivers_to(self, point: GeoPoint) -> bool:
        """Same-city delivery: the destination lies inside this store's delivery radius."""
        return self.offers(FulfillmentMode.SAME_CITY) and self.distance_to(point) <= self.delivery_radius_km


def nearest_first(locations: list[Location], point: GeoPoint) -> list[tuple[Location, float]]:
    """Locations with their distance to point, nearest first, ties broken by code."""
    ranked = [(loc, loc.distance_to(point)) for loc in locations]
    ranked.sort(key=lambda pair: (pair[1], pair[0].code))
    return ranked
