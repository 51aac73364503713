"""PICKUP: the customer collects at a chosen store; say what it lacks and what else would work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import ErrorCode
from ..geo import GeoPoint
from ..locations import FulfillmentMode, Location
from .candidates import Demand, Holdings, Scope, gather
from .cover import allocate, best_cover
from .explain import describe, everything, km, label, places
from .model import Plan, RoutingRules, Shipment

MODE = FulfillmentMode.PICKUP
MAX_ALTERNATIVES = 3


def pickup_stores(
    holdings: Holdings, rules: RoutingRules, point: GeoPoint, *, exclude_id: int | None
) -> list[tuple[Location, float]]:
    """The nearest stores (to point) offering pickup that have the whole order, at most MAX_ALTERNATIVES."""
    found = gather(
        holdings,
        mode=MODE,
        stores_only=True,
        center=point,
        radius_km=rules.search_radius_km,
        exclude_id=exclude_id,
        scope=Scope.WHOLE_ONLY,
    )
    return [(c.location, round(c.distance, 3)) for c in found[:MAX_ALTERNATIVES]]


def plan_pickup(holdings: Holdings, rules: RoutingRules, store: Location, names: Mapping[int, str]) -> Plan:
    demand = holdings.demand
    takes_pickups = store.active and MODE in store.modes
    own = _own_stock(holdings, store)
    lacking = [q - a for q, a in zip(demand.quantities, own, strict=True)]
    if takes_pickups and not any(lacking):
        return Plan(
            feasible=True,
            shipments=(Shipment(store, MODE, demand.lines, 0.0),),
            explanation=(f"{label(store)} has {everything(demand.quantities)} ready for pickup.",),
        )
    alternatives = tuple(pickup_stores(holdings, rules, store.point, exclude_id=store.id))
    elsewhere = _elsewhere(alternatives)
    if not takes_pickups:
        why = "is not taking orders right now" if not store.active else "does not offer pickup"
        return Plan(
            feasible=False,
            shipments=(),
            explanation=(f"{label(store)} {why}.", elsewhere),
            alternatives=alternatives,
            reason=ErrorCode.LOCATION_INACTIVE if not store.active else ErrorCode.MODE_NOT_OFFERED,
        )
    lacks = f"{label(store)} lacks {describe(demand.lines_of(lacking), names)}."
    if rules.transfer_enabled:
        transfer = _with_transfer(holdings, rules, store, own, lacking, names)
        if transfer is not None:
            shipments, sentences = transfer
            return Plan(
                feasible=True,
                shipments=shipments,
                explanation=(lacks, *sentences, elsewhere),
                alternatives=alternatives,
            )
    return Plan(
        feasible=False,
        shipments=(),
        explanation=(lacks, elsewhere),
        shortages=demand.lines_of(lacking),
        alternatives=alternatives,
        reason=ErrorCode.OUT_OF_STOCK,
    )


def _elsewhere(alternatives: Sequence[tuple[Location, float]]) -> str:
    if not alternatives:
        return "No other store nearby has everything for pickup."
    return f"Everything is available for pickup at {places(alternatives, 'away')}."


def _own_stock(holdings: Holdings, store: Location) -> list[int]:
    demand = holdings.demand
    available: Mapping[int, int] = next((e.available for e in holdings.entries if e.location.id == store.id), {})
    return [max(0, min(available.get(v, 0), q)) for v, q in zip(demand.variant_ids, demand.quantities, strict=True)]


def _with_transfer(
    holdings: Holdings,
    rules: RoutingRules,
    store: Location,
    own: list[int],
    lacking: list[int],
    names: Mapping[int, str],
) -> tuple[tuple[Shipment, ...], list[str]] | None:
    """Transfers from the nearest active locations into the pickup store, fewest sources first."""
    demand = holdings.demand
    needed = Demand(
        tuple(v for v, m in zip(demand.variant_ids, lacking, strict=True) if m),
        tuple(m for m in lacking if m),
    )
    sources = gather(
        holdings.narrowed(needed),
        mode=None,
        center=store.point,
        radius_km=rules.search_radius_km,
        exclude_id=store.id,
        scope=Scope.WHOLE_FIRST,
    )
    chosen = best_cover(needed, sources, rules.max_locations)
    if chosen is None:
        return None
    shipments: list[Shipment] = []
    if any(own):
        shipments.append(Shipment(store, MODE, demand.lines_of(own), 0.0))
    sentences = []
    for candidate, amounts in allocate(needed, chosen):
        hours = round(rules.transfer_hours_per_10km * candidate.distance / 10.0, 1)
        lines = needed.lines_of(amounts)
        shipments.append(
            Shipment(candidate.location, MODE, lines, round(candidate.distance, 3), store, ready_after_hours=hours)
        )
        sentences.append(
            f"{label(candidate.location)} ({km(candidate.distance)} away) can transfer {describe(lines, names)}, "
            f"ready for pickup in about {hours:g} hours."
        )
    return tuple(shipments), sentences
