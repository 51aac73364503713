"""EXPRESS: courier parcels to the customer's address from the fewest, nearest locations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import ErrorCode
from ..geo import GeoPoint
from ..locations import FulfillmentMode, LocationKind
from .candidates import Candidate, Demand, Holdings, Scope, gather
from .cover import allocate, best_cover, shortfall
from .explain import describe, everything, item_name, join, km, label, plural
from .model import Plan, RoutingRules, Shipment

MODE = FulfillmentMode.EXPRESS


def express_candidates(holdings: Holdings, rules: RoutingRules, destination: GeoPoint) -> list[Candidate]:
    return gather(
        holdings,
        mode=MODE,
        center=destination,
        radius_km=rules.search_radius_km,
        preferred_within_km=rules.store_preference_km,
        scope=Scope.WHOLE_FIRST,
    )


def plan_express(holdings: Holdings, rules: RoutingRules, destination: GeoPoint, names: Mapping[int, str]) -> Plan:
    demand = holdings.demand
    candidates = express_candidates(holdings, rules, destination)
    missing = shortfall(demand, candidates)
    if any(missing):
        lacking = demand.lines_of(missing)
        return Plan(
            feasible=False,
            shipments=(),
            explanation=(
                f"Not enough stock for courier delivery within {rules.search_radius_km:g} km of the customer: "
                f"{describe(lacking, names)} missing.",
            ),
            shortages=lacking,
            reason=ErrorCode.OUT_OF_STOCK,
        )
    limit = rules.max_locations if rules.allow_split else 1
    chosen = best_cover(demand, candidates, limit)
    if chosen is None:
        return _too_many_parcels(demand, rules)
    parts = allocate(demand, chosen)
    shipments = tuple(
        Shipment(c.location, MODE, demand.lines_of(amounts), round(c.distance, 3)) for c, amounts in parts
    )
    single = len(parts) == 1
    explanation = _single(demand, parts[0][0], candidates, rules) if single else _split(demand, parts, names)
    return Plan(feasible=True, shipments=shipments, explanation=explanation)


def _too_many_parcels(demand: Demand, rules: RoutingRules) -> Plan:
    if not rules.allow_split:
        sentence = (
            f"No single location that ships by courier has {everything(demand.quantities)}, "
            "and head office does not allow splitting an order."
        )
        reason = ErrorCode.SPLIT_NOT_ALLOWED
    else:
        sentence = (
            f"The stock is spread over more than {plural(rules.max_locations, 'location')}; "
            f"head office allows at most {plural(rules.max_locations, 'parcel')} per order."
        )
        reason = ErrorCode.TOO_MANY_PARCELS
    return Plan(feasible=False, shipments=(), explanation=(sentence,), reason=reason)


def _single(demand: Demand, chosen: Candidate, candidates: Sequence[Candidate], rules: RoutingRules) -> tuple[str, ...]:
    sentences = [
        f"{label(chosen.location)} has {everything(demand.quantities)}, {km(chosen.distance)} from the customer."
    ]
    preferred = chosen.location.kind is LocationKind.STORE and chosen.distance <= rules.store_preference_km
    nearer = [c for c in candidates if c.full and c.distance < chosen.distance]
    if preferred and nearer:
        sentences.append(
            f"Stores within {rules.store_preference_km:g} km of the customer ship before regional warehouses."
        )
    elif not preferred and rules.store_preference_km > 0:
        sentences.append(f"No store within {rules.store_preference_km:g} km of the customer has all of it.")
    return tuple(sentences)


def _split(demand: Demand, parts: Sequence[tuple[Candidate, list[int]]], names: Mapping[int, str]) -> tuple[str, ...]:
    sentences = [
        f"No single location has {everything(demand.quantities)}, "
        f"so the order ships in {len(parts)} parcels from the nearest locations that hold it."
    ]
    for candidate, amounts in parts:
        sentences.append(
            f"{label(candidate.location)} sends {describe(demand.lines_of(amounts), names)}, "
            f"{km(candidate.distance)} from the customer."
        )
    for j, variant_id in enumerate(demand.variant_ids):
        pieces = [(c, a[j]) for c, a in parts if a[j]]
        if len(pieces) > 1:
            sources = join([f"{amount} from {label(c.location)}" for c, amount in pieces])
            sentences.append(f"{item_name(variant_id, names)} is split: {sources}.")
    return tuple(sentences)
