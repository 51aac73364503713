"""Merging a member's open parcels, and the head-office rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omnichannel.domain.errors import ErrorCode
from omnichannel.domain.routing import (
    OpenParcel,
    Plan,
    RoutingRules,
    Shipment,
    check_rules,
    merge_targets,
    plan,
    with_changes,
)

from .routing_helpers import CUSTOMER, EXPRESS, PICKUP, east_of, lines, stocked, store

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
RULES = RoutingRules()
S1, S2 = store(1, 1.0), store(2, 2.0)


def two_parcels() -> Plan:
    network = [stocked(S1, v1=1), stocked(S2, v2=1)]
    return plan(lines(v1=1, v2=1), EXPRESS, network=network, rules=RULES, destination=CUSTOMER)


def parcel(ident: int, location_id: int, minutes_ago: float, *, mode=EXPRESS, destination=CUSTOMER) -> OpenParcel:  # type: ignore[no-untyped-def]
    return OpenParcel(ident, location_id, mode, destination, NOW - timedelta(minutes=minutes_ago))


def test_a_parcel_joins_the_open_one_from_the_same_location_to_the_same_address():
    result = two_parcels()
    index = [s.location.id for s in result.shipments].index(2)
    assert merge_targets(result, [parcel(70, 2, 10)], CUSTOMER, RULES, NOW) == {index: 70}


def test_a_few_metres_apart_is_the_same_door_but_another_street_is_not():
    result = two_parcels()
    assert merge_targets(result, [parcel(70, 1, 5, destination=east_of(CUSTOMER, 0.02))], CUSTOMER, RULES, NOW)
    assert merge_targets(result, [parcel(70, 1, 5, destination=east_of(CUSTOMER, 0.5))], CUSTOMER, RULES, NOW) == {}


@pytest.mark.parametrize(
    "open_parcel",
    [
        parcel(70, 1, 31),  # older than the 30-minute window
        parcel(70, 1, -1),  # from the future: clock skew, never trusted
        parcel(70, 3, 5),  # another location
        parcel(70, 1, 5, mode=PICKUP, destination=None),  # another mode
    ],
)
def test_what_never_merges(open_parcel):
    assert merge_targets(two_parcels(), [open_parcel], CUSTOMER, RULES, NOW) == {}


def test_the_most_recent_open_parcel_wins_and_ties_go_to_the_lower_id():
    result = two_parcels()
    index = [s.location.id for s in result.shipments].index(1)
    assert merge_targets(result, [parcel(70, 1, 20), parcel(71, 1, 5)], CUSTOMER, RULES, NOW) == {index: 71}
    assert merge_targets(result, [parcel(72, 1, 5), parcel(71, 1, 5)], CUSTOMER, RULES, NOW) == {index: 71}


def test_a_zero_window_turns_merging_off_and_infeasible_plans_never_merge():
    result = two_parcels()
    assert merge_targets(result, [parcel(70, 1, 1)], CUSTOMER, RoutingRules(merge_window_minutes=0), NOW) == {}
    nothing = Plan(feasible=False, shipments=(), explanation=())
    assert merge_targets(nothing, [parcel(70, 1, 1)], CUSTOMER, RULES, NOW) == {}


def test_pickups_at_the_same_store_merge_and_transfers_never_do():
    own = Shipment(S1, PICKUP, tuple(lines(v1=1)), 0.0)
    transfer = Shipment(S2, PICKUP, tuple(lines(v2=1)), 1.0, transfer_to=S1, ready_after_hours=0.2)
    result = Plan(feasible=True, shipments=(own, transfer), explanation=())
    opened = [parcel(80, 1, 3, mode=PICKUP, destination=None), parcel(81, 2, 3, mode=PICKUP, destination=None)]
    assert merge_targets(result, opened, None, RULES, NOW) == {0: 80}


def test_the_defaults_are_valid():
    assert check_rules(RoutingRules()) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"max_locations": 0}, "maxLocations"),
        ({"max_locations": 11}, "maxLocations"),
        ({"store_preference_km": -1.0}, "storePreferenceKm"),
        ({"store_preference_km": float("nan")}, "storePreferenceKm"),
        ({"search_radius_km": float("inf")}, "searchRadiusKm"),
        ({"search_radius_km": 0.5}, "searchRadiusKm"),
        ({"merge_window_minutes": -5}, "mergeWindowMinutes"),
        ({"transfer_hours_per_10km": 1000.0}, "transferHoursPer10Km"),
    ],
)
def test_out_of_range_rules_are_refused_by_field(changes, field):
    errors = check_rules(with_changes(RULES, changes))
    assert [(e.code, e.field) for e in errors] == [(ErrorCode.INVALID_INPUT, [field])]


def test_with_changes_keeps_what_is_not_given():
    changed = with_changes(RULES, {"allow_split": False, "max_locations": None})
    assert changed == RoutingRules(allow_split=False)
    with pytest.raises(ValueError, match="unknown"):
        with_changes(RULES, {"colour": "red"})


def test_planning_refuses_invalid_rules():
    with pytest.raises(Exception, match="maxLocations"):
        plan(lines(v1=1), EXPRESS, network=[], rules=RoutingRules(max_locations=0), destination=CUSTOMER)
