"""The order routing engine: where an order is fulfilled from, by which mode, and why.

Pure: it sees the lines, the mode, the candidate locations with what they can promise, and the
head-office rules, and returns a Plan with sentences a clerk can read out. The same plan serves the
`fulfillmentPlan` preview and `placeOrder`, so the two always agree.

- PICKUP: everything from the pickup store when it has it; otherwise what it lacks, the nearest
  stores that have it all, and (when head office enables it) transfers into the pickup store.
- EXPRESS: the fewest parcels; one location with everything first; stores within
  rules.store_preference_km of the customer before regional warehouses; then the nearest; a split
  takes the fewest locations, then the least total distance; one line may be split.
- SAME_CITY: one store offering it whose delivery radius reaches the customer, nearest first;
  otherwise infeasible, naming the modes that would work.
Inactive locations and locations without the mode are never used; ties go to the lower code.

For callers placing orders: a Shipment with `transfer_to` set (PICKUP with transfers, only when
rules.transfer_enabled) is stock that `location` sends to the pickup store `transfer_to`, ready
`ready_after_hours` later; the customer collects everything at the pickup store. `Plan.reason`
gives an infeasible plan's stable ErrorCode (OUT_OF_STOCK, OUT_OF_DELIVERY_AREA, MODE_NOT_OFFERED,
LOCATION_INACTIVE, SPLIT_NOT_ALLOWED, TOO_MANY_PARCELS), ready to become a userError.
"""

from .merge import merge_targets, same_address
from .model import (
    LocationStock,
    OpenParcel,
    Plan,
    RouteLine,
    RoutingRules,
    Shipment,
    check_rules,
    with_changes,
)
from .planner import check_lines, plan

__all__ = [
    "LocationStock",
    "OpenParcel",
    "Plan",
    "RouteLine",
    "RoutingRules",
    "Shipment",
    "check_lines",
    "check_rules",
    "merge_targets",
    "plan",
    "same_address",
    "with_changes",
]
