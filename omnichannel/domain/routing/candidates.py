"""Turning the network into ranked candidates for one order: the pruning every search starts with.

The network's stock is read once per plan, one column per line (Holdings). Each search then looks
only at the locations holding some of the order (or, when one location holding all of it will do,
only at those), applies the cheap tests (active, mode, bounding box) and computes the exact
great-circle distance last, for the locations that pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import compress, count, repeat
from operator import attrgetter, ge
from typing import NamedTuple

from ..geo import BoundingBox, GeoPoint, bounding_box, distances_from
from ..locations import FulfillmentMode, Location, LocationKind
from .model import LocationStock, RouteLine

# Added to the cost of a location that is not a preferred store: larger than any distance on
# Earth, so preferred stores always rank first and distance decides within each group.
NOT_PREFERRED = 1_000_000.0


@dataclass(frozen=True, slots=True)
class Demand:
    """The order's lines with one entry per variant, in the order they were first given."""

    variant_ids: tuple[int, ...]
    quantities: tuple[int, ...]

    @staticmethod
    def of(lines: Sequence[RouteLine]) -> Demand:
        merged: dict[int, int] = {}
        for line in lines:
            merged[line.variant_id] = merged.get(line.variant_id, 0) + line.quantity
        return Demand(tuple(merged), tuple(merged.values()))

    @property
    def lines(self) -> tuple[RouteLine, ...]:
        return tuple(RouteLine(v, q) for v, q in zip(self.variant_ids, self.quantities, strict=True))

    @property
    def size(self) -> int:
        return len(self.variant_ids)

    def lines_of(self, amounts: Sequence[int]) -> tuple[RouteLine, ...]:
        """Lines with these per-variant amounts, leaving out the zeros."""
        return tuple(RouteLine(v, a) for v, a in zip(self.variant_ids, amounts, strict=True) if a > 0)


@dataclass(slots=True)
class Candidate:
    location: Location
    distance: float  # km to the point the search is centred on
    cost: float  # ranking: distance, plus NOT_PREFERRED unless a preferred store
    useful: tuple[int, ...]  # per demanded variant: min(available, quantity)
    full: bool  # has every line in full


RANK = attrgetter("cost", "location.code")


class Scope(Enum):
    ALL = "all"  # every location holding some of the order
    WHOLE_FIRST = "whole first"  # those holding all of it when there are any, else every one
    WHOLE_ONLY = "whole only"  # only those holding all of it


def gather(
    holdings: Holdings,
    *,
    mode: FulfillmentMode | None,
    center: GeoPoint,
    stores_only: bool = False,
    radius_km: float | None = None,
    preferred_within_km: float | None = None,
    exclude_id: int | None = None,
    scope: Scope = Scope.ALL,
) -> list[Candidate]:
    """Active locations offering mode (any mode when None) that hold some of the order, best first.

    Best first means by cost, then code. A location is preferred when it is a store within
    preferred_within_km of center; when preferred_within_km is None nobody is, and the ranking is
    by distance alone. Locations outside the scope never have their distance computed.
    """
    box = bounding_box(center, radius_km) if radius_km is not None else None
    accept = Acceptance(mode, stores_only, exclude_id, box)
    rank = _Ranker(center, radius_km, preferred_within_km)
    if scope is not Scope.ALL:
        whole = rank(holdings.rows(accept, holdings.whole()))
        if whole or scope is Scope.WHOLE_ONLY:
            return whole
    return rank(holdings.rows(accept))


class _Ranker:
    """Exact distance, the radius, the preference cost, then the ranking."""

    def __init__(self, center: GeoPoint, radius_km: float | None, preferred_within_km: float | None) -> None:
        self.distance_to = distances_from(center)
        self.radius_km = radius_km
        self.preferred_within_km = preferred_within_km

    def __call__(self, held: Sequence[tuple[Location, tuple[int, ...], bool]]) -> list[Candidate]:
        distance_to, radius_km, preferred_within_km = self.distance_to, self.radius_km, self.preferred_within_km
        store = LocationKind.STORE
        found: list[Candidate] = []
        for location, useful, full in held:
            distance = distance_to(location.point)
            if radius_km is not None and distance > radius_km:
                continue
            if preferred_within_km is None or (location.kind is store and distance <= preferred_within_km):
                cost = distance
            else:
                cost = distance + NOT_PREFERRED
            found.append(Candidate(location, distance, cost, useful, full))
        found.sort(key=RANK)
        return found


class Holdings:
    """What every location holds of the order, one column per line, read once per plan.

    Built with C-level loops (one list comprehension per line); only the locations holding some of
    the order are then looked at one by one. Amounts are capped at the quantity ordered where they
    are compared: holding more does not help.
    """

    def __init__(
        self,
        network: Sequence[LocationStock],
        demand: Demand,
        columns: dict[int, list[int]] | None = None,
    ) -> None:
        self.demand = demand
        self.quantities = demand.quantities
        self.entries = network
        known = columns or {}
        stocks = [e.available for e in network] if any(v not in known for v in demand.variant_ids) else []
        self._by_variant = {
            v: known[v] if v in known else _non_negative([stock.get(v, 0) for stock in stocks])
            for v in demand.variant_ids
        }
        self.columns = [self._by_variant[v] for v in demand.variant_ids]
        holding: set[int] = set()
        holding.update(*(compress(count(), column) for column in self.columns))
        self.holding = sorted(holding)

    def narrowed(self, demand: Demand) -> Holdings:
        """The same network for another demand (e.g. what a pickup store lacks), reusing what was read."""
        return Holdings(self.entries, demand, self._by_variant)

    def whole(self) -> list[int]:
        """Indices of the entries holding every line in full."""
        found: set[int] | None = None
        for column, quantity in zip(self.columns, self.quantities, strict=True):
            enough = set(compress(count(), map(ge, column, repeat(quantity))))
            found = enough if found is None else found & enough
            if not found:
                return []
        return sorted(found or ())

    def rows(
        self, accept: Acceptance, whole: Sequence[int] | None = None
    ) -> list[tuple[Location, tuple[int, ...], bool]]:
        """(location, what it can send per line, whether that is everything) of the accepted entries,
        or only of the `whole` ones (those holding everything) when given."""
        quantities = self.quantities
        if whole is not None:
            return [
                (self.entries[i].location, quantities, True) for i in whole if accept.admits(self.entries[i].location)
            ]
        capped = [
            list(map(min, column, repeat(q))) if column and max(column) > q else column
            for column, q in zip(self.columns, quantities, strict=True)
        ]
        vectors = list(zip(*capped, strict=True))
        entries = self.entries
        mode, stores_only, exclude_id, box = accept
        store = LocationKind.STORE
        held: list[tuple[Location, tuple[int, ...], bool]] = []
        for i in self.holding:
            location = entries[i].location
            if not location.active or location.id == exclude_id:
                continue
            if (mode is not None and mode not in location.modes) or (stores_only and location.kind is not store):
                continue
            if box is not None:
                point = location.point
                if not (box.min_lat <= point.lat <= box.max_lat and box.min_lng <= point.lng <= box.max_lng):
                    continue
            useful = vectors[i]
            held.append((location, useful, useful == quantities))
        return held


def _non_negative(column: list[int]) -> list[int]:
    """Never promise negative stock, and never count it against other locations."""
    return list(map(max, column, repeat(0))) if column and min(column) < 0 else column


class Acceptance(NamedTuple):
    """Which locations may take part: active, offering mode (any when None), in the box."""

    mode: FulfillmentMode | None
    stores_only: bool
    exclude_id: int | None
    box: BoundingBox | None

    def admits(self, location: Location) -> bool:
        if not location.active or location.id == self.exclude_id:
            return False
        if self.mode is not None and self.mode not in location.modes:
            return False
        if self.stores_only and location.kind is not LocationKind.STORE:
            return False
        return self.box is None or self.box.contains(location.point)
