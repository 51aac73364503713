"""Merging: a new parcel joins a member's open one from the same location to the same address."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from ..geo import GeoPoint, distance_km
from .model import OpenParcel, Plan, RoutingRules

SAME_ADDRESS_KM = 0.05  # two addresses this close (50 m) are the same door


def same_address(a: GeoPoint | None, b: GeoPoint | None) -> bool:
    if a is None or b is None:
        return a is None and b is None  # pickups: the store is the address
    return distance_km(a, b) <= SAME_ADDRESS_KM


def merge_targets(
    plan: Plan,
    open_parcels: Sequence[OpenParcel],
    destination: GeoPoint | None,
    rules: RoutingRules,
    now: datetime,
) -> dict[int, int]:
    """shipment index -> fulfillment_id of an open parcel it should ship together with.

    An open parcel qualifies when it leaves the same location by the same mode for the same address
    and was created at most rules.merge_window_minutes ago. The most recent one wins (ties: the lower
    id). Transfers never merge: they travel between locations, not to the customer.
    """
    if not plan.feasible or rules.merge_window_minutes <= 0:
        return {}
    oldest = now - timedelta(minutes=rules.merge_window_minutes)
    recent = [p for p in open_parcels if oldest <= p.created_at <= now]
    targets: dict[int, int] = {}
    for index, shipment in enumerate(plan.shipments):
        if shipment.transfer_to is not None:
            continue
        matches = [
            p
            for p in recent
            if p.location_id == shipment.location.id
            and p.mode is shipment.mode
            and same_address(p.destination, destination)
        ]
        if matches:
            best = max(matches, key=lambda p: (p.created_at, -p.fulfillment_id))
            targets[index] = best.fulfillment_id
    return targets
