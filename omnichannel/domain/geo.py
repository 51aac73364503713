"""Great-circle distances and bounding boxes for 'near me' searches."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180.0
MARGIN_DEG = 1e-7  # about a centimetre: floating-point rounding never excludes a point on the edge


@dataclass(frozen=True, slots=True)
class GeoPoint:
    lat: float
    lng: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat <= 90.0) or not (-180.0 <= self.lng <= 180.0):
            raise ValueError(f"not a coordinate: ({self.lat}, {self.lng})")


@dataclass(frozen=True, slots=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float

    def contains(self, point: GeoPoint) -> bool:
        return self.min_lat <= point.lat <= self.max_lat and self.min_lng <= point.lng <= self.max_lng


def distance_km(a: GeoPoint, b: GeoPoint) -> float:
    """Haversine distance in kilometres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlng = math.radians(b.lng - a.lng)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlng / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distances_from(center: GeoPoint) -> Callable[[GeoPoint], float]:
    """distance_km(center, point) as a function of point, with the centre's part computed once.

    The same arithmetic in the same order as distance_km, so the results are identical to the bit.
    """
    lat1 = math.radians(center.lat)
    cos1 = math.cos(lat1)
    lng1 = center.lng
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
    diameter = 2 * EARTH_RADIUS_KM

    def distance(point: GeoPoint) -> float:
        lat2 = radians(point.lat)
        h = sin((lat2 - lat1) / 2) ** 2 + cos1 * cos(lat2) * sin(radians(point.lng - lng1) / 2) ** 2
        return diameter * asin(min(1.0, sqrt(h)))

    return distance


def bounding_box(center: GeoPoint, radius_km: float) -> BoundingBox:
    """The smallest lat/lng box holding every point within radius_km of center.

    Used as an index-friendly prefilter; callers still check distance_km exactly.
    """
    if radius_km < 0:
        raise ValueError("radius must not be negative")
    dlat = radius_km / KM_PER_DEGREE_LAT + MARGIN_DEG
    min_lat, max_lat = center.lat - dlat, center.lat + dlat
    if min_lat <= -90.0 or max_lat >= 90.0:  # a pole is inside: every longitude qualifies
        return BoundingBox(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)
    # widest longitude span is at the latitude farthest from the equator inside the box
    widest = max(abs(min_lat), abs(max_lat))
    cos_lat = math.cos(math.radians(widest))
    dlng = 180.0 if cos_lat <= 1e-12 else min(180.0, radius_km / (KM_PER_DEGREE_LAT * cos_lat) + MARGIN_DEG)
    return BoundingBox(min_lat, max_lat, max(center.lng - dlng, -180.0), min(center.lng + dlng, 180.0))
