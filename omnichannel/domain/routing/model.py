"""The routing engine's vocabulary: what it is asked, what it knows and what it decides."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime

from ..errors import DomainError, ErrorCode
from ..geo import GeoPoint
from ..locations import FulfillmentMode, Location


@dataclass(frozen=True, slots=True)
class RouteLine:
    """One order line to route."""

    variant_id: int
    quantity: int  # > 0


@dataclass(frozen=True, slots=True)
class LocationStock:
    """One candidate location and what it can promise now."""

    location: Location
    available: Mapping[int, int]  # variant_id -> on_hand - reserved - safety_stock, never below 0


@dataclass(frozen=True, slots=True)
class RoutingRules:
    """Head-office settings, stored in the database; these are the defaults when never set."""

    store_preference_km: float = 10.0  # a store within this distance of the destination beats a warehouse
    allow_split: bool = True
    max_locations: int = 3  # at most this many parcels for one order
    merge_window_minutes: int = 30
    transfer_enabled: bool = False  # PICKUP: offer a transfer into the pickup store
    transfer_hours_per_10km: float = 2.0  # delay a transfer adds (for the explanation / ETA)
    search_radius_km: float = 50.0  # EXPRESS candidates farther than this are not considered


@dataclass(frozen=True, slots=True)
class Shipment:
    """What one location sends. A transfer (PICKUP only) goes to `transfer_to`, where the customer collects."""

    location: Location
    mode: FulfillmentMode
    lines: tuple[RouteLine, ...]
    distance_km: float  # to the destination; for PICKUP, 0 at the pickup store (a transfer: to the pickup store)
    transfer_to: Location | None = None
    ready_after_hours: float = 0.0  # the delay a transfer adds before the parcel can be collected


@dataclass(frozen=True, slots=True)
class Plan:
    feasible: bool
    shipments: tuple[Shipment, ...]  # empty when infeasible
    explanation: tuple[str, ...]  # sentences a clerk understands
    shortages: tuple[RouteLine, ...] = ()  # what could not be covered (quantities missing)
    alternatives: tuple[tuple[Location, float], ...] = ()  # stores that could fulfil it all, with distance
    workable_modes: tuple[FulfillmentMode, ...] = ()  # SAME_CITY infeasible: which modes would work
    reason: ErrorCode | None = None  # infeasible: why, as a stable code (OUT_OF_STOCK, ...)


@dataclass(frozen=True, slots=True)
class OpenParcel:
    """A member's open, not-yet-picked fulfilment."""

    fulfillment_id: int
    location_id: int
    mode: FulfillmentMode
    destination: GeoPoint | None
    created_at: datetime


# Bounds head office may set: (field, GraphQL name, lowest, highest)
RULE_BOUNDS: tuple[tuple[str, str, float, float], ...] = (
    ("store_preference_km", "storePreferenceKm", 0.0, 1000.0),
    ("max_locations", "maxLocations", 1, 10),
    ("merge_window_minutes", "mergeWindowMinutes", 0, 24 * 60),
    ("transfer_hours_per_10km", "transferHoursPer10Km", 0.0, 240.0),
    ("search_radius_km", "searchRadiusKm", 1.0, 1000.0),
)
RULE_FIELDS = frozenset(f.name for f in fields(RoutingRules))


def check_rules(rules: RoutingRules) -> list[DomainError]:
    """Every value head office may not set, each with its field; empty when the rules are valid."""
    errors: list[DomainError] = []
    for name, api_name, low, high in RULE_BOUNDS:
        value = getattr(rules, name)
        if isinstance(value, float) and not math.isfinite(value):
            errors.append(DomainError(ErrorCode.INVALID_INPUT, f"{api_name} must be a finite number.", [api_name]))
        elif not low <= value <= high:
            errors.append(
                DomainError(ErrorCode.INVALID_INPUT, f"{api_name} must be between {low:g} and {high:g}.", [api_name])
            )
    return errors


def with_changes(rules: RoutingRules, changes: Mapping[str, object]) -> RoutingRules:
    """The rules with these fields replaced (None values leave a field as it is); validated."""
    unknown = set(changes) - RULE_FIELDS
    if unknown:
        raise ValueError(f"unknown routing rules: {sorted(unknown)}")
    values = {f.name: getattr(rules, f.name) for f in fields(RoutingRules)}
    values.update({k: v for k, v in changes.items() if v is not None})
    return RoutingRules(**values)
