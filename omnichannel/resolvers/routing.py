"""Routing: the fulfilment plan preview and head office's routing rules.

`plan_fulfillment` is what `placeOrder` (orders/place.py) calls too, so the preview and the real
order are planned by the same code over the same kind of data. It reads stock without locks: the order
reserves the plan's quantities with conditional UPDATEs and re-plans if it loses a race.

Who may ask for a plan: anyone, signed in or not. The app shows delivery options before sign-in
and the clerk pad previews for a customer at the counter; a plan reveals no more than
`stockAvailability`, which anonymous callers may already read. Changing the rules: head office
only. Reading them: staff and services.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..domain import order_requests, routing
from ..domain.access import Role, require_role
from ..domain.catalog import Variant
from ..domain.errors import DomainError, DomainErrors, ErrorCode
from ..domain.geo import GeoPoint, bounding_box
from ..domain.locations import FulfillmentMode, Location
from ..domain.ports import UnitOfWork
from ..domain.routing import Plan, RouteLine, RoutingRules
from .context import Context
from .members import actor_of
from .mutation import requires

MAX_LINES = order_requests.MAX_LINES  # the plan of a cart is the plan of the order it becomes
MAX_QUANTITY = order_requests.MAX_QUANTITY
RULE_READERS = (Role.CLERK, Role.STORE_MANAGER, Role.HQ_ADMIN, Role.ANALYST, Role.SERVICE)


async def fulfillment_plan(
    ctx: Context,
    *,
    lines: Sequence[RouteLine],
    mode: FulfillmentMode,
    pickup_location_id: int | None,
    destination: GeoPoint | None,
    online: bool = False,
) -> Plan:
    """fulfillmentPlan: the plan preview, for anyone (online: within the stores' online shares)."""
    return await plan_fulfillment(
        ctx.uow(),
        lines=lines,
        mode=mode,
        pickup_location_id=pickup_location_id,
        destination=destination,
        online=online,
    )


async def plan_fulfillment(
    uow: UnitOfWork,
    *,
    lines: Sequence[RouteLine],
    mode: FulfillmentMode,
    pickup_location_id: int | None,
    destination: GeoPoint | None,
    online: bool = False,
) -> Plan:
    """Where these lines would be fulfilled from, by this mode, and why (online: within each store's
    online allocation share). Raises DomainError on bad input."""
    _check_size(lines)
    routing.check_lines(lines)
    pickup: Location | None = None
    if mode is FulfillmentMode.PICKUP:
        if pickup_location_id is None:
            raise DomainError(ErrorCode.INVALID_INPUT, "Pickup needs a pickup store.", ["pickupStoreId"])
        pickup = await uow.locations.get(pickup_location_id)
        if pickup is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such store.", ["pickupStoreId"])
    elif destination is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Delivery needs a destination.", ["destination"])
    variants = await _variants(uow, lines)
    rules = await uow.routing.rules()
    center = pickup.point if pickup is not None else destination
    assert center is not None
    network = await uow.routing.candidate_stock(
        list(variants), bounding_box(center, rules.search_radius_km), online=online
    )
    return routing.plan(
        lines,
        mode,
        network=network,
        rules=rules,
        pickup_location=pickup,
        destination=destination,
        item_names={v.id: v.title for v in variants.values()},
    )


def _check_size(lines: Sequence[RouteLine]) -> None:
    if len(lines) > MAX_LINES:
        raise DomainError(ErrorCode.INVALID_INPUT, f"An order has at most {MAX_LINES} lines.", ["lines"])
    for index, line in enumerate(lines):
        if line.quantity > MAX_QUANTITY:
            raise DomainError(
                ErrorCode.INVALID_INPUT,
                f"A line has at most {MAX_QUANTITY} units.",
                ["lines", str(index), "quantity"],
            )


async def _variants(uow: UnitOfWork, lines: Sequence[RouteLine]) -> dict[int, Variant]:
    """The lines' variants by id; unknown or discontinued ones are NOT_FOUND."""
    wanted = list(dict.fromkeys(line.variant_id for line in lines))
    found = await uow.catalog.variants(wanted)
    by_id = {v.id: v for v in found.values() if v.active}
    for index, line in enumerate(lines):
        if line.variant_id not in by_id:
            raise DomainError(ErrorCode.NOT_FOUND, "No such variant.", ["lines", str(index), "variantId"])
    return by_id


async def routing_rules(ctx: Context) -> RoutingRules:
    """The rules in force, for staff and services."""
    require_role(ctx.principal, *RULE_READERS)
    return await ctx.uow().routing.rules()


@requires(Role.HQ_ADMIN)
async def update_routing_rules(ctx: Context, uow: UnitOfWork, changes: Mapping[str, object]) -> RoutingRules:
    """Head office changes some rules; the others keep their value. Every bad value is reported."""
    given = {name: value for name, value in changes.items() if value is not None}
    if not given:
        raise DomainError(ErrorCode.INVALID_INPUT, "Give at least one rule to change.", None)
    problems = routing.check_rules(routing.with_changes(RoutingRules(), given))
    if problems:
        raise DomainErrors(problems)
    actor = actor_of(ctx.principal)

    async def change(tx: UnitOfWork) -> RoutingRules:
        updated = routing.with_changes(await tx.routing.lock_rules(), given)
        await tx.routing.save_rules(updated, actor)
        return updated

    return await uow.atomic(change)
