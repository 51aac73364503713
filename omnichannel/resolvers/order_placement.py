"""placeOrder: price the lines, hold the stock and write the order in one transaction.

PICKUP reserves every line at the pickup store or refuses the whole order (OUT_OF_STOCK per short
line, naming nearby stores that have it). EXPRESS and SAME_CITY are routed by the routing engine
(resolvers/order_routing.py). An idempotency key makes retries and concurrent duplicates return the
one order.
"""

from __future__ import annotations

import dataclasses

from ..domain import order_requests, reservations
from ..domain.catalog import PriceOverride, Variant
from ..domain.errors import DomainError, ErrorCode
from ..domain.locations import FulfillmentMode, Location
from ..domain.order_access import Placement, actor, placement
from ..domain.order_requests import OrderRequest, ShipmentDraft
from ..domain.orders import Order
from ..domain.reservations import Shortage
from ..persistence.repositories import idempotency
from ..persistence.repositories import inventory as stock_repo
from ..persistence.repositories import placement as placement_repo
from ..persistence.repositories.reservations import StockShort
from . import order_hooks, order_routing, stock_availability
from .context import Context
from .members import current_member
from .order_commit import Prepared, check_same_request, commit
from .results import Result


async def place_order(ctx: Context, request: OrderRequest) -> Result[Order]:
    request = await _current_member(ctx, request)
    who = placement(ctx.principal, request.channel, request.member_id)  # AccessDenied for the wrong caller
    problems = order_requests.problems(request)
    if problems:
        return Result(errors=problems)
    try:
        request = order_requests.merged(request)  # the same variant twice: one line (its limits apply)
        if request.mode is FulfillmentMode.PICKUP:
            return await _place_pickup(ctx, request, who)
        prepared = await _prepare(ctx, request, who, await _catalog(ctx, request))
        replay = await _replay(ctx, prepared)
        if replay is not None:
            return Result.ok(replay)
        return await order_routing.place_routed(ctx, prepared)
    except DomainError as error:
        return Result.fail(error)


async def _current_member(ctx: Context, request: OrderRequest) -> OrderRequest:
    """An order for a member merged away is the survivor's order."""
    if request.member_id is None:
        return request
    current = await current_member(ctx, request.member_id)
    if current is None or current.id == request.member_id:
        return request
    return dataclasses.replace(request, member_id=current.id)


Catalog = tuple[dict[int, Variant], dict[int, list[PriceOverride]]]


async def _catalog(ctx: Context, request: OrderRequest) -> Catalog:
    ids = [line.variant_id for line in request.lines]
    loaded: list[Variant | None] = await ctx.loaders.variant.load_many(ids)
    overrides: list[list[PriceOverride]] = await ctx.loaders.price_overrides.load_many(ids)
    return {v.id: v for v in loaded if v is not None}, dict(zip(ids, overrides, strict=True))


async def _prepare(ctx: Context, request: OrderRequest, who: Placement, catalog: Catalog) -> Prepared:
    if request.member_id is not None and await ctx.loaders.member.load(request.member_id) is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such member.", ["memberId"])
    variants, overrides = catalog
    order_requests.sellable(request, variants)
    placed_at = None
    if who.placed_at_store_code is not None:
        store = await ctx.loaders.location_by_code.load(who.placed_at_store_code)
        placed_at = store.id if store is not None else None
    caller = actor(ctx.principal)
    return Prepared(request, who, placed_at, variants, overrides, caller, order_requests.fingerprint(request))


async def _replay(ctx: Context, prepared: Prepared) -> Order | None:
    """A retry of a request that already created its order gets that order back."""
    key = prepared.request.idempotency_key
    if key is None:
        return None
    claim = await idempotency.lookup(prepared.caller, key)
    if claim is None or claim.order_id is None:
        return None
    check_same_request(claim.fingerprint, prepared.fingerprint)
    order: Order | None = await ctx.loaders.order.load(claim.order_id)
    return order


async def _place_pickup(ctx: Context, request: OrderRequest, who: Placement) -> Result[Order]:
    assert request.pickup_location_id is not None
    wanted = [(line.variant_id, line.quantity) for line in request.lines]
    # the store, the variants, their prices and the store's stock of them: one round trip
    snapshot = await placement_repo.snapshot([v for v, _ in wanted], request.pickup_location_id)
    for variant in snapshot.variants.values():
        ctx.loaders.variant.prime(variant.id, variant)
    prepared = await _prepare(ctx, request, who, (snapshot.variants, snapshot.overrides))
    replay = await _replay(ctx, prepared)
    if replay is not None:
        return Result.ok(replay)
    location = snapshot.location
    order_requests.fulfilled_at(FulfillmentMode.PICKUP, location)
    assert location is not None
    ctx.loaders.location.prime(location.id, location)
    order_requests.check_till_pickup(request, location, who)
    priced = order_requests.price_lines(
        request.lines, prepared.variants, prepared.overrides, request.channel, location.id
    )
    shipments = [ShipmentDraft(location.id, tuple(priced))]
    benefits = await order_hooks.apply_benefits(ctx, request, shipments, prepared.placed_at_location_id)
    available = {variant_id: level.available for variant_id, level in snapshot.levels.items()}
    short = reservations.shortages(wanted, available)
    if short:
        return await _refuse(ctx, prepared, location, short)
    draft = order_requests.draft(
        request,
        who,
        prepared.placed_at_location_id,
        shipments,
        benefits,
        ctx.now(),
        ctx.services.reservation_ttl,
    )
    try:
        return Result.ok(await commit(ctx, prepared, draft))
    except StockShort as lost:  # another order took the units between our read and our UPDATE
        short = reservations.shortages(wanted, await _available(location.id, [v for v, _ in wanted]))
        if not short:
            index = next(i for i, (v, _) in enumerate(wanted) if v == lost.hold.variant_id)
            short = [Shortage(index, lost.hold.variant_id, lost.hold.quantity, 0)]
        return await _refuse(ctx, prepared, location, short)


async def _available(location_id: int, variant_ids: list[int]) -> dict[int, int]:
    return {level.variant_id: level.available for level in await stock_repo.levels(variant_ids, [location_id])}


async def _refuse(ctx: Context, prepared: Prepared, location: Location, short: list[Shortage]) -> Result[Order]:
    wanted = [(line.variant_id, line.quantity) for line in prepared.request.lines]
    network = await stock_availability.pickup_network(ctx, location, [v for v, _ in wanted])
    alternatives = reservations.stores_that_have(wanted, network, location)
    nearby = {s.variant_id: reservations.stores_that_have([(s.variant_id, s.wanted)], network, location) for s in short}
    return Result(errors=list(reservations.out_of_stock(short, prepared.variants, location, nearby, alternatives)))
