"""Properties of every plan over random networks and orders (hypothesis), checked against brute force."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnichannel.domain.geo import GeoPoint, distance_km
from omnichannel.domain.locations import FulfillmentMode, Location, LocationKind
from omnichannel.domain.routing import LocationStock, Plan, RouteLine, RoutingRules, plan

from .routing_helpers import CUSTOMER, east_of, north_of

VARIANTS = range(1, 7)
# a small grid, so several locations often stand at exactly the same distance (ties)
SPOTS = [north_of(east_of(CUSTOMER, x), y) for x in (-24, -6, -2, 0, 3, 9) for y in (-12, 0, 4, 20)]
NOT_PREFERRED = 1_000_000.0
ALL = frozenset(FulfillmentMode)
E, P, S = FulfillmentMode.EXPRESS, FulfillmentMode.PICKUP, FulfillmentMode.SAME_CITY
# mostly full-service locations, so that most random orders can be planned somehow
MODE_SETS = [ALL, ALL, ALL, frozenset({E, P}), frozenset({E}), frozenset({P}), frozenset({E, S}), frozenset()]


@st.composite
def locations(draw: st.DrawFn, ident: int, code: str) -> Location:
    kind = draw(st.sampled_from(LocationKind))
    modes = draw(st.sampled_from(MODE_SETS))
    return Location(
        id=ident,
        code=code,
        name=f"Place {code}",
        kind=kind,
        point=draw(st.sampled_from(SPOTS)),
        modes=modes,
        delivery_radius_km=draw(st.sampled_from([0.0, 3.0, 8.0, 15.0, 30.0])),
        active=draw(st.sampled_from([True] * 7 + [False])),
    )


@st.composite
def networks(draw: st.DrawFn, max_size: int = 8) -> list[LocationStock]:
    size = draw(st.integers(1, max_size) | st.integers(max(1, max_size - 4), max_size))
    codes = draw(st.permutations([f"L{n}" for n in range(size)]))  # code order differs from id order
    made = []
    for ident, code in enumerate(codes, start=1):
        location = draw(locations(ident, code))
        available = draw(st.fixed_dictionaries({v: st.sampled_from([0, 0, 1, 2, 4]) for v in VARIANTS}))
        made.append(LocationStock(location, available))
    return made


orders = st.lists(st.builds(RouteLine, st.sampled_from(VARIANTS), st.integers(1, 3)), min_size=1, max_size=6)
rules_ = st.builds(
    RoutingRules,
    store_preference_km=st.sampled_from([0.0, 5.0, 10.0, 25.0]),
    allow_split=st.sampled_from([True, True, False]),
    max_locations=st.integers(1, 4),
    transfer_enabled=st.booleans(),
    search_radius_km=st.sampled_from([10.0, 30.0, 50.0, 50.0, 50.0]),
)
destinations = st.sampled_from(SPOTS[:12]) | st.sampled_from(SPOTS)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def demand(order: list[RouteLine]) -> Counter[int]:
    wanted: Counter[int] = Counter()
    for line in order:
        wanted[line.variant_id] += line.quantity
    return wanted


def shipped(result: Plan) -> Counter[int]:
    total: Counter[int] = Counter()
    for shipment in result.shipments:
        for line in shipment.lines:
            total[line.variant_id] += line.quantity
    return total


def check_invariants(result: Plan, order, network, mode, pickup_location=None) -> None:  # type: ignore[no-untyped-def]
    stock = {entry.location.id: entry.available for entry in network}
    taken: Counter[tuple[int, int]] = Counter()
    for shipment in result.shipments:
        assert shipment.location.active
        assert shipment.lines and all(line.quantity > 0 for line in shipment.lines)
        if shipment.transfer_to is None:
            assert shipment.mode is mode and mode in shipment.location.modes
        else:
            assert mode is FulfillmentMode.PICKUP and shipment.transfer_to == pickup_location
            assert shipment.location.id != pickup_location.id
        for line in shipment.lines:
            taken[(shipment.location.id, line.variant_id)] += line.quantity
    for (location_id, variant_id), quantity in taken.items():
        assert quantity <= stock.get(location_id, {}).get(variant_id, 0), "promised more than available"
    if result.feasible:
        assert shipped(result) == demand(order), "every line covered exactly"
    else:
        assert result.shipments == () and result.reason is not None


def useful(entry: LocationStock, wanted: Counter[int]) -> dict[int, int]:
    return {v: max(0, min(entry.available.get(v, 0), q)) for v, q in wanted.items()}


def brute_force_express(wanted: Counter[int], network, rules, destination):  # type: ignore[no-untyped-def]
    """Fewest locations, then lowest total cost, then codes, over every subset."""
    eligible = [
        e
        for e in network
        if e.location.offers(FulfillmentMode.EXPRESS)
        and distance_km(destination, e.location.point) <= rules.search_radius_km
    ]

    def cost(entry: LocationStock) -> float:
        d = distance_km(destination, entry.location.point)
        preferred = entry.location.kind is LocationKind.STORE and d <= rules.store_preference_km
        return d if preferred else d + NOT_PREFERRED

    for size in range(1, len(eligible) + 1):
        covers = [
            combo
            for combo in combinations(eligible, size)
            if all(sum(useful(e, wanted)[v] for e in combo) >= q for v, q in wanted.items())
        ]
        if covers:
            return size, min(sum(sorted(cost(e) for e in combo)) for combo in covers), cost
    return None, None, cost


@SETTINGS
@given(network=networks(), order=orders, rules=rules_, destination=destinations)
def test_express_is_valid_and_uses_the_fewest_then_cheapest_locations(network, order, rules, destination):
    result = plan(order, FulfillmentMode.EXPRESS, network=network, rules=rules, destination=destination)
    check_invariants(result, order, network, FulfillmentMode.EXPRESS)
    size, best_cost, cost = brute_force_express(demand(order), network, rules, destination)
    limit = rules.max_locations if rules.allow_split else 1
    if size is None or size > limit:
        assert not result.feasible
        return
    assert result.feasible
    assert len(result.shipments) == size
    by_id = {e.location.id: e for e in network}
    chosen_cost = sum(sorted(cost(by_id[s.location.id]) for s in result.shipments))
    assert chosen_cost <= best_cost + 1e-6
    for shipment in result.shipments:
        assert shipment.distance_km <= rules.search_radius_km + 1e-6


@st.composite
def thin_networks(draw: st.DrawFn) -> list[LocationStock]:
    """Every location ships by courier but holds only a little of the catalogue: splits are the rule."""
    size = draw(st.integers(3, 8))
    codes = draw(st.permutations([f"L{n}" for n in range(size)]))
    made = []
    for ident, code in enumerate(codes, start=1):
        kind = draw(st.sampled_from(LocationKind))
        point = draw(st.sampled_from(SPOTS))
        location = Location(ident, code, f"Place {code}", kind, point, frozenset({E, P}))
        held = draw(st.lists(st.sampled_from(VARIANTS[:4]), min_size=1, max_size=2, unique=True))
        made.append(LocationStock(location, {v: draw(st.integers(1, 3)) for v in held}))
    return made


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    network=thin_networks(),
    order=st.lists(st.builds(RouteLine, st.sampled_from(VARIANTS[:4]), st.integers(1, 2)), min_size=2, max_size=4),
    preference=st.sampled_from([0.0, 10.0, 25.0]),
    destination=destinations,
)
def test_splits_use_the_fewest_then_cheapest_locations(network, order, preference, destination):
    rules = RoutingRules(store_preference_km=preference, max_locations=4)
    result = plan(order, FulfillmentMode.EXPRESS, network=network, rules=rules, destination=destination)
    check_invariants(result, order, network, FulfillmentMode.EXPRESS)
    size, best_cost, cost = brute_force_express(demand(order), network, rules, destination)
    assert result.feasible == (size is not None and size <= 4)
    if result.feasible:
        by_id = {e.location.id: e for e in network}
        assert len(result.shipments) == size
        assert sum(sorted(cost(by_id[s.location.id]) for s in result.shipments)) <= best_cost + 1e-6


@SETTINGS
@given(network=networks(), order=orders, rules=rules_, destination=destinations)
def test_same_city_is_one_reaching_store_nearest_first(network, order, rules, destination):
    result = plan(order, FulfillmentMode.SAME_CITY, network=network, rules=rules, destination=destination)
    check_invariants(result, order, network, FulfillmentMode.SAME_CITY)
    wanted = demand(order)
    able = sorted(
        (distance_km(destination, e.location.point), e.location.code)
        for e in network
        if e.location.kind is LocationKind.STORE
        and e.location.offers(FulfillmentMode.SAME_CITY)
        and distance_km(destination, e.location.point) <= min(e.location.delivery_radius_km, rules.search_radius_km)
        and all(useful(e, wanted)[v] >= q for v, q in wanted.items())
    )
    if not able:
        assert not result.feasible
        return
    assert result.feasible and [s.location.code for s in result.shipments] == [able[0][1]]


@SETTINGS
@given(network=networks(), order=orders, rules=rules_, data=st.data())
def test_pickup_is_the_store_itself_or_transfers_into_it(network, order, rules, data):
    store = data.draw(st.sampled_from([e.location for e in network]))
    result = plan(order, FulfillmentMode.PICKUP, network=network, rules=rules, pickup_location=store)
    check_invariants(result, order, network, FulfillmentMode.PICKUP, store)
    wanted = demand(order)
    own = next(e for e in network if e.location.id == store.id)
    takes_pickups = store.active and FulfillmentMode.PICKUP in store.modes
    has_all = all(useful(own, wanted)[v] >= q for v, q in wanted.items())
    if takes_pickups and has_all:
        assert [s.location.id for s in result.shipments] == [store.id]
    elif not (takes_pickups and rules.transfer_enabled):
        assert not result.feasible
    for shipment in result.shipments:
        if shipment.transfer_to is not None:
            assert distance_km(store.point, shipment.location.point) <= rules.search_radius_km + 1e-6
            assert shipment.ready_after_hours >= 0
    for alternative, _ in result.alternatives:
        assert alternative.kind is LocationKind.STORE and alternative.offers(FulfillmentMode.PICKUP)


@SETTINGS
@given(
    network=networks(),
    order=orders,
    rules=rules_,
    destination=destinations,
    mode=st.sampled_from(FulfillmentMode),
    data=st.data(),
)
def test_the_same_input_gives_the_same_plan_whatever_the_network_order(network, order, rules, destination, mode, data):
    store = data.draw(st.sampled_from([e.location for e in network]))
    kwargs = {"rules": rules, "destination": destination, "pickup_location": store}
    first = plan(order, mode, network=network, **kwargs)
    assert plan(order, mode, network=network, **kwargs) == first
    assert plan(order, mode, network=list(reversed(network)), **kwargs) == first


@settings(max_examples=60, deadline=None)
@given(network=networks(max_size=40), order=orders, rules=rules_, destination=destinations)
def test_larger_networks_stay_valid(network, order, rules, destination):
    for mode in FulfillmentMode:
        store = network[0].location
        result = plan(order, mode, network=network, rules=rules, destination=destination, pickup_location=store)
        check_invariants(result, order, network, mode, store)


def test_geo_point_spots_are_distinct_enough():
    assert len({(p.lat, p.lng) for p in SPOTS}) == len(SPOTS)
    assert isinstance(SPOTS[0], GeoPoint)
