"""SAME_CITY: one store whose delivery radius reaches the customer sends everything today."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import ErrorCode
from ..geo import GeoPoint
from ..locations import FulfillmentMode
from .candidates import Candidate, Demand, Holdings, Scope, gather
from .explain import describe, everything, join, km, label, places, plural
from .express import plan_express
from .model import Plan, RoutingRules, Shipment
from .pickup import pickup_stores

MODE = FulfillmentMode.SAME_CITY


def plan_same_city(holdings: Holdings, rules: RoutingRules, destination: GeoPoint, names: Mapping[int, str]) -> Plan:
    demand = holdings.demand

    def stores(scope: Scope) -> list[Candidate]:
        return gather(
            holdings, mode=MODE, stores_only=True, center=destination, radius_km=rules.search_radius_km, scope=scope
        )

    chosen = next((c for c in stores(Scope.WHOLE_ONLY) if c.distance <= c.location.delivery_radius_km), None)
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
    nearby = stores(Scope.ALL)
    reaching = [c for c in nearby if c.distance <= c.location.delivery_radius_km]
    why = _why_not(demand, nearby, reaching, names)
    express = plan_express(holdings, rules, destination, names)
    alternatives = tuple(pickup_stores(holdings, rules, destination, exclude_id=None))
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
    demand: Demand, nearby: Sequence[Candidate], reaching: Sequence[Candidate], names: Mapping[int, str]
) -> list[str]:
    """Nearby: same-city stores within the search radius holding some of the order, nearest first."""
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
    sentences = ["No store offering same-city delivery reaches this address with any of these items."]
    if nearby:
        nearest = nearby[0]
        sentences.append(
            f"The nearest same-city store holding some of it, {label(nearest.location)}, delivers within "
            f"{nearest.location.delivery_radius_km:g} km; the address is {km(nearest.distance)} away."
        )
    return sentences
