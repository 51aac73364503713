"""The one entry point: check the request, then plan it by its fulfilment mode."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import DomainError, ErrorCode
from ..geo import GeoPoint
from ..locations import FulfillmentMode, Location
from .candidates import Demand, Holdings
from .express import plan_express
from .model import LocationStock, Plan, RouteLine, RoutingRules, check_rules
from .pickup import plan_pickup
from .same_city import plan_same_city


def check_lines(lines: Sequence[RouteLine]) -> None:
    if not lines:
        raise DomainError(ErrorCode.INVALID_INPUT, "An order needs at least one line.", ["lines"])
    for index, line in enumerate(lines):
        if line.quantity <= 0:
            raise DomainError(
                ErrorCode.INVALID_INPUT, "Every quantity must be at least 1.", ["lines", str(index), "quantity"]
            )


def plan(
    lines: Sequence[RouteLine],
    mode: FulfillmentMode,
    *,
    network: Sequence[LocationStock],
    rules: RoutingRules,
    pickup_location: Location | None = None,
    destination: GeoPoint | None = None,
    item_names: Mapping[int, str] | None = None,
) -> Plan:
    """Where the order is fulfilled from, and why. Deterministic: the same input gives the same plan.

    network holds one entry per location (stock already net of reservations and safety stock);
    item_names (variant id -> title) make the explanation readable, when given.
    """
    check_lines(lines)
    problems = check_rules(rules)
    if problems:
        raise problems[0]
    names = item_names or {}
    if mode is FulfillmentMode.PICKUP and pickup_location is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Pickup needs a pickup store.", ["pickupStoreId"])
    if mode is not FulfillmentMode.PICKUP and destination is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Delivery needs a destination.", ["destination"])
    holdings = Holdings(network, Demand.of(lines))
    if pickup_location is not None and mode is FulfillmentMode.PICKUP:
        return plan_pickup(holdings, rules, pickup_location, names)
    assert destination is not None
    if mode is FulfillmentMode.EXPRESS:
        return plan_express(holdings, rules, destination, names)
    return plan_same_city(holdings, rules, destination, names)
