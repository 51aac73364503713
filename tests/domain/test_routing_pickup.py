"""PICKUP routing: the chosen store, what it lacks, where else, and transfers when enabled."""

from __future__ import annotations

import pytest

from omnichannel.domain.errors import DomainError, ErrorCode
from omnichannel.domain.locations import FulfillmentMode
from omnichannel.domain.routing import RoutingRules, plan

from .routing_helpers import EXPRESS, PICKUP, codes, lines, sent, stocked, store, warehouse

RULES = RoutingRules()
XUJIAHUI = store(1, 0.0, name="Xujiahui")


def pickup(order, network, rules=RULES, at=XUJIAHUI, **kwargs):  # type: ignore[no-untyped-def]
    return plan(order, PICKUP, network=network, rules=rules, pickup_location=at, **kwargs)


def test_everything_comes_from_the_pickup_store_when_it_has_it():
    network = [stocked(XUJIAHUI, v1=2, v2=1), stocked(store(2, 0.5), v1=9, v2=9)]
    result = pickup(lines(v1=2, v2=1), network)
    assert result.feasible and codes(result) == ["S01"]
    assert result.shipments[0].distance_km == 0.0 and result.shipments[0].mode is PICKUP
    assert result.explanation == ("Store Xujiahui has all 2 items ready for pickup.",)


def test_what_the_store_lacks_and_the_nearest_stores_that_have_it_all():
    network = [
        stocked(XUJIAHUI, v1=1),
        stocked(store(2, 3.0, name="Lujiazui"), v1=2, v2=1),
        stocked(store(3, 1.0, name="Xintiandi"), v1=5, v2=5),
        stocked(store(4, 2.0), v1=2),  # not everything
        stocked(store(5, 2.5, modes=frozenset({EXPRESS})), v1=5, v2=5),  # no pickup there
        stocked(warehouse(6, 1.5), v1=99, v2=99),  # customers do not collect at warehouses
        stocked(store(7, 4.0), v1=5, v2=5),
        stocked(store(8, 5.0), v1=5, v2=5),  # the fourth: only three are offered
    ]
    result = pickup(lines(v1=2, v2=1), network, item_names={1: "Slim Chinos 30", 2: "Canvas Tote"})
    assert not result.feasible and result.shipments == () and result.reason is ErrorCode.OUT_OF_STOCK
    assert [(s.variant_id, s.quantity) for s in result.shortages] == [(1, 1), (2, 1)]
    assert [(loc.code, round(d, 1)) for loc, d in result.alternatives] == [("S03", 1.0), ("S02", 3.0), ("S07", 4.0)]
    assert result.explanation == (
        "Store Xujiahui lacks 1 x Slim Chinos 30 and 1 x Canvas Tote.",
        "Everything is available for pickup at Store Xintiandi (1.0 km away), Store Lujiazui (3.0 km away) "
        "and Store Shop S07 (4.0 km away).",
    )


def test_a_pickup_store_missing_from_the_network_holds_nothing():
    result = pickup(lines(v1=1), [stocked(store(2, 1.0), v1=1)])
    assert not result.feasible and [loc.code for loc, _ in result.alternatives] == ["S02"]


def test_transfers_fill_the_gap_when_head_office_enables_them():
    rules = RoutingRules(transfer_enabled=True, transfer_hours_per_10km=2.0)
    network = [
        stocked(XUJIAHUI, v1=1),
        stocked(warehouse(2, 20.0, name="Jiading Regional Warehouse"), v1=9, v2=9),
        stocked(store(3, 5.0, modes=frozenset({EXPRESS})), v2=1),  # any active location may send a transfer
        stocked(store(4, 4.0, active=False), v1=9, v2=9),
    ]
    result = pickup(lines(v1=3, v2=1), network, rules)
    assert result.feasible
    assert sent(result) == {"S01": {1: 1}, "W02": {1: 2, 2: 1}}  # one source beats two
    own, transfer = result.shipments
    assert own.transfer_to is None and own.distance_km == 0.0
    assert transfer.transfer_to == XUJIAHUI and transfer.mode is PICKUP
    assert transfer.distance_km == pytest.approx(20.0, abs=0.05)
    assert transfer.ready_after_hours == pytest.approx(4.0, abs=0.05)
    assert result.explanation[0] == "Store Xujiahui lacks 2 x item #1 and 1 x item #2."
    assert result.explanation[1].startswith("Jiading Regional Warehouse (20.0 km away) can transfer 2 x item #1")
    assert "ready for pickup in about 4 hours" in result.explanation[1]


def test_transfers_are_not_offered_unless_enabled():
    network = [stocked(XUJIAHUI), stocked(warehouse(2, 20.0), v1=9)]
    assert not pickup(lines(v1=1), network).feasible
    assert pickup(lines(v1=1), network, RoutingRules(transfer_enabled=True)).feasible


def test_transfers_respect_the_search_radius_and_stock():
    rules = RoutingRules(transfer_enabled=True, search_radius_km=30)
    network = [stocked(XUJIAHUI), stocked(warehouse(2, 40.0), v1=9), stocked(store(3, 2.0), v1=1)]
    result = pickup(lines(v1=2), network, rules)
    assert not result.feasible and result.shortages[0].quantity == 2


@pytest.mark.parametrize(
    ("location", "code", "sentence"),
    [
        (store(1, 0.0, name="Xujiahui", active=False), ErrorCode.LOCATION_INACTIVE, "is not taking orders"),
        (store(1, 0.0, name="Xujiahui", modes=frozenset({EXPRESS})), ErrorCode.MODE_NOT_OFFERED, "does not offer"),
    ],
)
def test_a_store_that_cannot_take_pickups_is_refused_with_alternatives(location, code, sentence):
    network = [stocked(location, v1=9), stocked(store(2, 1.0), v1=1)]
    result = pickup(lines(v1=1), network, at=location)
    assert not result.feasible and result.reason is code
    assert sentence in result.explanation[0]
    assert [loc.code for loc, _ in result.alternatives] == ["S02"]


def test_pickup_needs_a_store():
    with pytest.raises(DomainError) as refused:
        plan(lines(v1=1), FulfillmentMode.PICKUP, network=[], rules=RULES)
    assert refused.value.code is ErrorCode.INVALID_INPUT and refused.value.field == ["pickupStoreId"]
