"""EXPRESS routing, rule by rule, with the sentences a clerk reads."""

from __future__ import annotations

import random
import time

import pytest

from omnichannel.domain.errors import DomainError, ErrorCode
from omnichannel.domain.routing import RoutingRules, plan

from .routing_helpers import CUSTOMER, EXPRESS, PICKUP, codes, lines, sent, stocked, store, warehouse

RULES = RoutingRules()


def express(order, network, rules=RULES, **kwargs):  # type: ignore[no-untyped-def]
    return plan(order, EXPRESS, network=network, rules=rules, destination=CUSTOMER, **kwargs)


def test_one_store_with_everything_ships_it_all_and_says_so():
    jingan = store(1, 1.2, name="Jing'an Temple")
    result = express(lines(v1=1, v2=2, v3=1), [stocked(jingan, v1=5, v2=2, v3=9)])
    assert result.feasible and codes(result) == ["S01"]
    shipment = result.shipments[0]
    assert shipment.mode is EXPRESS and shipment.distance_km == pytest.approx(1.2, abs=0.01)
    assert result.explanation[0] == "Store Jing'an Temple has all 3 items, 1.2 km from the customer."


def test_a_store_within_the_preference_distance_beats_a_nearer_warehouse():
    near_warehouse, store_8km = warehouse(1, 2.0), store(2, 8.0)
    network = [stocked(near_warehouse, v1=50), stocked(store_8km, v1=3)]
    result = express(lines(v1=2), network)
    assert codes(result) == ["S02"]
    assert "Stores within 10 km of the customer ship before regional warehouses." in result.explanation


def test_the_nearest_location_wins_when_no_store_is_within_the_preference_distance():
    network = [stocked(warehouse(1, 12.0), v1=50), stocked(store(2, 15.0), v1=3), stocked(warehouse(3, 30.0), v1=9)]
    result = express(lines(v1=2), network)
    assert codes(result) == ["W01"]
    assert result.explanation == (
        "Regional Warehouse W01 has all 2 units, 12.0 km from the customer.",
        "No store within 10 km of the customer has all of it.",
    )
    # a larger preference distance brings the store back in front
    assert codes(express(lines(v1=2), network, RoutingRules(store_preference_km=20))) == ["S02"]


def test_nearest_of_several_stores_and_ties_go_to_the_lower_code():
    a, b, c = store(7, 3.0), store(4, 3.0), store(2, 1.0)
    result = express(lines(v1=1), [stocked(a, v1=1), stocked(b, v1=1), stocked(c, v1=0)])
    assert codes(result) == ["S04"]  # S02 is nearer but has none; S04 and S07 tie: lower code
    again = express(lines(v1=1), [stocked(b, v1=1), stocked(a, v1=1), stocked(c, v1=0)])
    assert again == result


def test_one_location_with_everything_beats_two_nearer_ones():
    near_a, near_b, far = store(1, 1.0), store(2, 1.5), warehouse(3, 40.0)
    network = [stocked(near_a, v1=1), stocked(near_b, v2=1), stocked(far, v1=5, v2=5)]
    result = express(lines(v1=1, v2=1), network)
    assert codes(result) == ["W03"]


def test_split_across_the_fewest_locations_then_the_least_distance():
    # {S01, S04} and {S02, S03} both cover it in two parcels; S01+S04 travel less in total
    s1, s2, s3, s4 = store(1, 1.0), store(2, 2.0), store(3, 2.5), store(4, 2.0, north=True)
    network = [
        stocked(s1, v1=1, v2=1),
        stocked(s2, v1=1, v2=1, v3=1),
        stocked(s3, v4=1),
        stocked(s4, v3=1, v4=1),
    ]
    result = express(lines(v1=1, v2=1, v3=1, v4=1), network)
    assert sorted(codes(result)) == ["S01", "S04"]
    assert result.explanation[0] == (
        "No single location has all 4 items, so the order ships in 2 parcels from the nearest locations that hold it."
    )
    assert any(
        sentence.startswith("Store Shop S01 sends 1 x item #1 and 1 x item #2") for sentence in result.explanation
    )


def test_one_line_may_be_split_and_the_split_is_explained():
    network = [stocked(store(1, 1.0), v1=2), stocked(store(2, 2.0), v1=3)]
    result = express(lines(v1=4), network, item_names={1: "Slim Chinos 30"})
    assert result.feasible
    # two pieces either way, so the nearer location sends all it can (issue 14 item 13: the plan
    # says "from the nearest locations", and so it is)
    assert sent(result) == {"S01": {1: 2}, "S02": {1: 2}}
    assert "Slim Chinos 30 is split: 2 from Store Shop S01 and 2 from Store Shop S02." in result.explanation


def test_a_split_takes_from_the_nearer_location_first():
    """Issue 14 item 13: 200 units, the nearer location holding 116 and the farther 153 - the nearer
    sends its 116 (main sent 153 from the farther and 47 from the nearer)."""
    network = [stocked(store(1, 3.0), v1=116), stocked(store(2, 9.0), v1=153)]
    result = express(lines(v1=200), network)
    assert sent(result) == {"S01": {1: 116}, "S02": {1: 84}}
    assert "nearest locations" in result.explanation[0]


def test_a_split_takes_largest_holdings_first_only_when_that_saves_a_piece():
    # all three locations ship anyway (v2 is only at S01, v3 only at S02); 5 x v1 nearest first would
    # come in three pieces (1 + 1 + 3), largest first in two (4 + 1)
    network = [
        stocked(store(1, 1.0), v1=1, v2=1),
        stocked(store(2, 2.0), v1=1, v3=1),
        stocked(store(3, 3.0), v1=4),
    ]
    result = express(lines(v1=5, v2=1, v3=1), network, RoutingRules(max_locations=3))
    assert sent(result) == {"S01": {1: 1, 2: 1}, "S02": {3: 1}, "S03": {1: 4}}


def test_no_split_allowed_means_one_location_or_nothing():
    network = [stocked(store(1, 1.0), v1=1), stocked(store(2, 2.0), v2=1)]
    result = express(lines(v1=1, v2=1), network, RoutingRules(allow_split=False))
    assert not result.feasible and result.shipments == ()
    assert result.reason is ErrorCode.SPLIT_NOT_ALLOWED
    assert "does not allow splitting" in result.explanation[0]


def test_max_locations_caps_the_number_of_parcels():
    network = [stocked(store(i, float(i)), **{f"v{i}": 1}) for i in range(1, 4)]
    order = lines(v1=1, v2=1, v3=1)
    assert len(express(order, network, RoutingRules(max_locations=3)).shipments) == 3
    capped = express(order, network, RoutingRules(max_locations=2))
    assert not capped.feasible and capped.reason is ErrorCode.TOO_MANY_PARCELS


def test_inactive_far_and_non_express_locations_are_never_used():
    closed = store(1, 0.5, active=False)
    pickup_only = store(2, 0.7, modes=frozenset({PICKUP}))
    too_far = warehouse(3, 80.0)
    good = store(4, 9.0)
    network = [stocked(closed, v1=9), stocked(pickup_only, v1=9), stocked(too_far, v1=9), stocked(good, v1=1)]
    assert codes(express(lines(v1=1), network)) == ["S04"]
    assert not express(lines(v1=2), network).feasible


def test_a_shortage_is_reported_line_by_line():
    network = [stocked(store(1, 1.0), v1=1, v2=0), stocked(warehouse(2, 20.0), v1=1)]
    result = express(lines(v1=3, v2=1, v3=1), network, item_names={2: "Canvas Tote"})
    assert not result.feasible and result.reason is ErrorCode.OUT_OF_STOCK
    assert [(s.variant_id, s.quantity) for s in result.shortages] == [(1, 1), (2, 1), (3, 1)]
    assert "1 x Canvas Tote" in result.explanation[0]


def test_duplicate_lines_are_routed_as_one():
    result = express(lines(v1=1) + lines(v1=2), [stocked(store(1, 1.0), v1=3)])
    assert sent(result) == {"S01": {1: 3}}


def test_zero_or_negative_stock_is_never_promised():
    network = [stocked(store(1, 1.0), v1=0), stocked(store(2, 2.0), v1=-4), stocked(store(3, 3.0), v1=1)]
    assert codes(express(lines(v1=1), network)) == ["S03"]
    assert not express(lines(v1=2), network).feasible


@pytest.mark.parametrize(
    ("order", "field"),
    [([], ["lines"]), (lines(v1=0), ["lines", "0", "quantity"])],
)
def test_bad_lines_are_refused(order, field):
    with pytest.raises(DomainError) as refused:
        express(order, [])
    assert refused.value.code is ErrorCode.INVALID_INPUT and refused.value.field == field


def test_delivery_needs_a_destination():
    with pytest.raises(DomainError) as refused:
        plan(lines(v1=1), EXPRESS, network=[], rules=RULES)
    assert refused.value.field == ["destination"]


def test_a_large_order_over_a_thin_network_is_planned_in_bounded_time():
    """30 lines, each store holding 5 of 60 variants: at least 6 parcels; the search budget keeps it quick."""
    rng = random.Random(7)
    network = []
    for ident in range(1, 401):
        held = rng.sample(range(1, 61), 5)
        location = store(ident, rng.uniform(0.5, 30.0), north=ident % 2 == 0)
        network.append(stocked(location, **{f"v{v}": rng.randint(1, 2) for v in held}))
    order = lines(**{f"v{v}": 1 for v in range(1, 31)})
    started = time.perf_counter()
    result = express(order, network, RoutingRules(max_locations=10, search_radius_km=100))
    assert time.perf_counter() - started < 5.0
    assert result.feasible
    assert sorted(line.variant_id for s in result.shipments for line in s.lines) == list(range(1, 31))
    assert 6 <= len(result.shipments) <= 10
