"""SAME_CITY routing: one store whose delivery radius reaches the customer, or what would work."""

from __future__ import annotations

import pytest

from omnichannel.domain.errors import ErrorCode
from omnichannel.domain.routing import RoutingRules, plan

from .routing_helpers import CUSTOMER, EXPRESS, PICKUP, SAME_CITY, codes, lines, stocked, store, warehouse

RULES = RoutingRules()


def same_city(order, network, rules=RULES):  # type: ignore[no-untyped-def]
    return plan(order, SAME_CITY, network=network, rules=rules, destination=CUSTOMER)


def test_the_nearest_store_whose_radius_reaches_the_customer():
    network = [
        stocked(store(1, 2.0, radius=1.5), v1=5),  # nearer, but its riders go only 1.5 km
        stocked(store(2, 3.0, radius=5.0, name="Xintiandi"), v1=5),
        stocked(store(3, 2.5, radius=5.0, modes=frozenset({EXPRESS, PICKUP})), v1=5),  # no same-city
        stocked(store(4, 4.0, radius=5.0), v1=5),
    ]
    result = same_city(lines(v1=2), network)
    assert result.feasible and codes(result) == ["S02"] and result.shipments[0].mode is SAME_CITY
    assert result.explanation == (
        "Store Xintiandi has all 2 units, 3.0 km from the customer, within its 5 km same-city delivery area.",
    )


def test_same_city_never_splits():
    network = [stocked(store(1, 1.0), v1=1), stocked(store(2, 1.5), v2=1), stocked(warehouse(3, 9.0), v1=1, v2=1)]
    result = same_city(lines(v1=1, v2=1), network)
    assert not result.feasible and result.reason is ErrorCode.OUT_OF_STOCK
    assert result.workable_modes == (EXPRESS,)
    assert result.explanation[0] == "No store that delivers same-city to this address has all 2 items."
    assert result.explanation[1].startswith("The nearest, Store Shop S01 (1.0 km away), lacks 1 x item #2")
    assert result.explanation[-1] == "Instead, courier delivery (EXPRESS) would work."


def test_out_of_every_delivery_area_names_the_modes_that_would_work():
    network = [stocked(store(1, 6.0, radius=3.0, name="Xintiandi"), v1=5)]
    result = same_city(lines(v1=1), network)
    assert not result.feasible and result.reason is ErrorCode.OUT_OF_DELIVERY_AREA
    assert set(result.workable_modes) == {EXPRESS, PICKUP}
    assert [loc.code for loc, _ in result.alternatives] == ["S01"]
    assert "delivers within 3 km; the address is 6.0 km away" in result.explanation[1]
    assert result.explanation[-1] == (
        "Instead, courier delivery (EXPRESS) would work and pickup (PICKUP) would work at "
        "Store Xintiandi (6.0 km from the customer)."
    )


def test_nothing_works_anywhere():
    result = same_city(lines(v1=1), [stocked(store(1, 1.0), v2=1)])
    assert not result.feasible and result.workable_modes == ()
    assert result.explanation[-1] == "No other way to fulfil it is available right now."


@pytest.mark.parametrize("kind", ["inactive", "warehouse"])
def test_inactive_stores_and_warehouses_never_deliver_same_city(kind):
    location = store(1, 1.0, active=False) if kind == "inactive" else warehouse(1, 1.0)
    assert not same_city(lines(v1=1), [stocked(location, v1=9)]).feasible


def test_the_search_radius_bounds_the_alternatives():
    network = [stocked(store(1, 30.0), v1=5)]
    assert same_city(lines(v1=1), network, RoutingRules(search_radius_km=20)).workable_modes == ()
