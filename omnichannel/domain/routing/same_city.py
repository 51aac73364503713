"""SAME_CITY: one store whose delivery radius reaches the customer sends everything today."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import ErrorCode
from ..geo import GeoPoint
from ..locations import FulfillmentMode, Location, LocationKind
from .candidates import Candidate, Demand, gather
from .explain import describe, everything, join, km, label, places, plural
from .express import plan_express
from .model import LocationStock, Plan, RoutingRules, Shipment
from .pickup import pickup_stores

MODE = FulfillmentMode.SAME_CITY
MAX_NAMED = 3


def _delivers(location: Location) -> bool:
    return location.kind is LocationKind.STORE and location.offers(MODE)


def plan_same_city(
    demand: Demand,
    network: Sequence[LocationStock],
    rules: RoutingRules,
    destination: GeoPoint,
    names: Mapping[int, str],
) -> Plan:
    nearby = gather(network, demand, mode=MODE, stores_only=True, center=destination, radius_km=rules.search_radius_km)
    reaching = [c for c in nearby if c.distance <= c.location.delivery_radius_km]
    chosen = next((c for c in reaching if c.full), None)
    if chosen is not None:
        return Plan(
            feasible=True,
            shipments=(Shipment(chosen.location, MODE, demand.lines, round(chosen.distance, 3)),),
            explanation=(
                f"{label(chosen.location)} has {everything(demand.quantities)}, "
                f"{km(chosen.distance)} from the customer, within its "
                f"{chosen.location.delivery_radius_km:g} km same-city delivery area.",
            ),
        )
    why = _why_not(demand, network, nearby, reaching, destination, names)
    express = plan_express(demand, network, rules, destination, names)
    alternatives = tuple(pickup_stores(demand, network, rules, destination, exclude_id=None))
    workable: list[FulfillmentMode] = []
    offers: list[str] = []
    if express.feasible:
        workable.append(FulfillmentMode.EXPRESS)
        offers.append("courier delivery (EXPRESS) would work")
    if alternatives:
        workable.append(FulfillmentMode.PICKUP)
        offers.append(f"pickup (PICKUP) would work at {places(alternatives, 'from the customer')}")
    follow = f"Instead, {join(offers)}." if offers else "No other way to fulfil it is available right now."
    return Plan(
        feasible=False,
        shipments=(),
        explanation=(*why, follow),
        alternatives=alternatives,
        workable_modes=tuple(workable),
        reason=ErrorCode.OUT_OF_DELIVERY_AREA if not reaching else ErrorCode.OUT_OF_STOCK,
    )


def _why_not(
    demand: Demand,
    network: Sequence[LocationStock],
    nearby: Sequence[Candidate],
    reaching: Sequence[Candidate],
    destination: GeoPoint,
    names: Mapping[int, str],
) -> list[str]:
    if reaching:
        best = reaching[0]
        missing = [q - u for q, u in zip(demand.quantities, best.useful, strict=True)]
        others = len(reaching) - 1
        return [
            f"No store that delivers same-city to this address has {everything(demand.quantities)}.",
            f"The nearest, {label(best.location)} ({km(best.distance)} away), lacks "
            f"{describe(demand.lines_of(missing), names)}"
            + (f"; {plural(others, 'other store')} reaching the address lack more." if others else "."),
        ]
    nearest = _nearest_same_city_store(network, destination)
    sentences = ["No store offering same-city delivery reaches this address with any of these items."]
    if nearest is not None:
        store, distance = nearest
        sentences.append(
            f"The nearest same-city store holding some of it, {label(store)}, delivers within "
            f"{store.delivery_radius_km:g} km; "
            f"the address is {km(distance)} away."
        )
    return sentences


def _nearest_same_city_store(network: Sequence[LocationStock], destination: GeoPoint) -> tuple[Location, float] | None:
    best: tuple[float, str, Location] | None = None
    for entry in network:
        location = entry.location
        if _delivers(location):
            key = (location.distance_to(destination), location.code, location)
            if best is None or key[:2] < best[:2]:
                best = key
    return (best[2], best[0]) if best is not None else None
