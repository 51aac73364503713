"""Routing: the fulfilment plan preview and head office's routing rules.

`plan_fulfillment` is what `placeOrder` (orders) calls too, so the preview and the real order are
planned by the same code over the same kind of data. It reads stock without locks: the order
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
from ..domain.errors import DomainError, ErrorCode
from ..domain.geo import GeoPoint, bounding_box
from ..domain.locations import FulfillmentMode, Location
from ..domain.routing import Plan, RouteLine, RoutingRules
from ..persistence.repositories import routing as routing_repo
from ..persistence.uow import UnitOfWork, transactional
from .context import Context
from .results import Result

MAX_LINES = order_requests.MAX_LINES  # the plan of a cart is the plan of the order it becomes
MAX_QUANTITY = order_requests.MAX_QUANTITY
RULE_READERS = (Role.CLERK, Role.STORE_MANAGER, Role.HQ_ADMIN, Role.ANALYST, Role.SERVICE)


async def current_rules() -> RoutingRules:
    """The rules in force: what head office set, or the defaults when they never did."""
    return await routing_repo.rules()


async def plan_fulfillment(
    ctx: Context,
    *,
    lines: Sequence[RouteLine],
    mode: FulfillmentMode,
    pickup_location_id: int | None,
    destination: GeoPoint | None,
) -> Plan:
    """Where these lines would be fulfilled from, by this mode, and why. Raises DomainError on bad input."""
    _check_size(lines)
    routing.check_lines(lines)
    pickup: Location | None = None
    if mode is FulfillmentMode.PICKUP:
        if pickup_location_id is None:
            raise DomainError(ErrorCode.INVALID_INPUT, "Pickup needs a pickup store.", ["pickupStoreId"])
        pickup = await ctx.loaders.location.load(pickup_location_id)
        if pickup is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such store.", ["pickupStoreId"])
    elif destination is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "Delivery needs a destination.", ["destination"])
    variants = await _variants(ctx, lines)
    rules = await current_rules()
    center = pickup.point if pickup is not None else destination
    assert center is not None
    network = await routing_repo.candidate_stock(list(variants), bounding_box(center, rules.search_radius_km))
    for entry in network:
        ctx.loaders.location.prime(entry.location.id, entry.location)
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


async def _variants(ctx: Context, lines: Sequence[RouteLine]) -> dict[int, Variant]:
    """The lines' variants by id; unknown or discontinued ones are NOT_FOUND."""
    wanted = list(dict.fromkeys(line.variant_id for line in lines))
    found: list[Variant | None] = await ctx.loaders.variant.load_many(wanted)
    by_id = {v.id: v for v in found if v is not None and v.active}
    for index, line in enumerate(lines):
        if line.variant_id not in by_id:
            raise DomainError(ErrorCode.NOT_FOUND, "No such variant.", ["lines", str(index), "variantId"])
    return by_id


async def routing_rules(ctx: Context) -> RoutingRules:
    """The rules in force, for staff and services."""
    require_role(ctx.principal, *RULE_READERS)
    return await current_rules()


async def update_routing_rules(ctx: Context, changes: Mapping[str, object]) -> Result[RoutingRules]:
    """Head office changes some rules; the others keep their value. Every bad value is reported."""
    require_role(ctx.principal, Role.HQ_ADMIN)
    given = {name: value for name, value in changes.items() if value is not None}
    if not given:
        return Result.fail(DomainError(ErrorCode.INVALID_INPUT, "Give at least one rule to change.", None))
    problems = routing.check_rules(routing.with_changes(RoutingRules(), given))
    if problems:
        return Result(errors=problems)
    actor = f"{ctx.principal.role.value if ctx.principal.role else 'ANONYMOUS'}:{ctx.principal.subject}"

    async def work(uow: UnitOfWork) -> RoutingRules:
        updated = routing.with_changes(await uow.routing_rules.lock(), given)
        await uow.routing_rules.save(updated, actor)
        return updated

    rules, _ = await transactional(work)
    return Result.ok(rules)
