"""EXPRESS and SAME_CITY orders: routed by the routing engine into one or more fulfilments.

The engine plans over unlocked stock; every fulfilment then reserves its lines at its location in
one transaction. When a reservation loses a race (another order took the units since the plan),
nothing is written and the order is planned again, a bounded number of times. A member's new
parcel that leaves the same location for the same address as one of their open parcels is marked
to ship with it.
"""

from __future__ import annotations

from ..domain import order_requests
from ..domain import order_routing as rules
from ..domain.errors import DomainError, ErrorCode
from ..domain.orders import Order
from ..domain.routing import Plan, RouteLine, merge_targets
from ..persistence.repositories import orders as order_repo
from ..persistence.repositories.reservations import StockShort
from . import order_hooks, routing
from .context import Context
from .order_commit import Prepared, commit
from .results import Result

MAX_PLANS = 4


async def place_routed(ctx: Context, prepared: Prepared) -> Result[Order]:
    request = prepared.request
    assert request.address is not None
    lines = [RouteLine(line.variant_id, line.quantity) for line in request.lines]
    for _ in range(MAX_PLANS):
        plan = await routing.plan_fulfillment(
            ctx, lines=lines, mode=request.mode, pickup_location_id=None, destination=request.address.point
        )
        if not plan.feasible:
            return Result(errors=rules.refusals(plan, request.lines, prepared.variants))
        ships_with = await _merge_targets(ctx, prepared, plan)
        shipments = rules.shipments(plan, prepared.variants, prepared.overrides, request.channel, ships_with)
        priced = [line for shipment in shipments for line in shipment.lines]
        benefits = await order_hooks.apply_benefits(ctx, request, priced)
        draft = order_requests.draft(
            request,
            prepared.placement,
            prepared.placed_at_location_id,
            shipments,
            benefits,
            ctx.now(),
            ctx.services.reservation_ttl,
        )
        try:
            return Result.ok(await commit(ctx, prepared, draft))
        except StockShort:
            continue  # the stock moved since the plan: plan again over what is left
    return Result.fail(
        DomainError(
            ErrorCode.OUT_OF_STOCK,
            "The stock for this order is selling fast and could not be held; please try again.",
            ["lines"],
        )
    )


async def _merge_targets(ctx: Context, prepared: Prepared, plan: Plan) -> dict[int, int]:
    """Shipment index -> an open parcel of the same member it ships with."""
    member_id = prepared.placement.member_id
    request = prepared.request
    if member_id is None:
        return {}
    parcels = [rules.open_parcel(f, o) for f, o in await order_repo.open_parcels_of_member(member_id)]
    if not parcels:
        return {}
    assert request.address is not None
    return merge_targets(plan, parcels, request.address.point, await routing.current_rules(), ctx.now())
