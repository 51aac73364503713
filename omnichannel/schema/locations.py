"""Stores and regional warehouses."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, overload

import strawberry

from ..domain.geo import GeoPoint as DomainGeoPoint
from ..domain.locations import Location
from .enums import FulfillmentMode, LocationKind
from .relay import InvalidId, Node, PageInfo, encode_id

MODE_ORDER = {m: i for i, m in enumerate(FulfillmentMode)}


@strawberry.type
class GeoPoint:
    lat: float
    lng: float


@strawberry.input
class GeoInput:
    lat: float
    lng: float

    def to_domain(self) -> DomainGeoPoint:
        try:
            return DomainGeoPoint(self.lat, self.lng)
        except ValueError as error:
            raise InvalidId(str(error)) from None


@strawberry.type(description="A store or a regional warehouse.")
class Store(Node):
    code: str
    name: str
    kind: LocationKind
    location: GeoPoint
    fulfillment_modes: list[FulfillmentMode]
    distance_km: float | None = strawberry.field(
        description="kilometres from the point the query gave (stores(near:), stockAvailability(near:)); else null"
    )
    delivery_radius_km: float = strawberry.field(description="same-city delivery reaches this far (km)")
    opening_hours: str
    city: str
    address: str
    active: bool

    @overload
    @staticmethod
    def of(memo: dict[Hashable, Any], location: Location) -> Store: ...

    @overload
    @staticmethod
    def of(memo: dict[Hashable, Any], location: None) -> None: ...

    @staticmethod
    def of(memo: dict[Hashable, Any], location: Location | None) -> Store | None:
        """One view per location and request (a page shows the same few stores many times)."""
        if location is None:
            return None
        views = Store.views(memo)
        view = views.get(location.id)
        if view is None:
            view = views[location.id] = Store.from_domain(location)
        return view

    @staticmethod
    def views(memo: dict[Hashable, Any]) -> dict[int, Store]:
        """This request's store views by location id (see `of`)."""
        views: dict[int, Store] | None = memo.get(Store)
        if views is None:
            views = memo[Store] = {}
        return views

    @staticmethod
    def from_domain(location: Location, distance_km: float | None = None) -> Store:
        return Store(
            id=strawberry.ID(encode_id("Store", location.id)),
            code=location.code,
            name=location.name,
            kind=location.kind,
            location=GeoPoint(lat=location.point.lat, lng=location.point.lng),
            fulfillment_modes=sorted(location.modes, key=MODE_ORDER.__getitem__),
            distance_km=round(distance_km, 3) if distance_km is not None else None,
            delivery_radius_km=location.delivery_radius_km,
            opening_hours=location.opening_hours,
            city=location.city,
            address=location.address,
            active=location.active,
        )


@strawberry.type
class StoreEdge:
    cursor: str
    node: Store


@strawberry.type
class StoreConnection:
    edges: list[StoreEdge]
    page_info: PageInfo
