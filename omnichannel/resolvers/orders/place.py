"""placeOrder: price the lines, hold the stock and write the order, all or nothing.

Where the order ships from is the only thing PICKUP and delivery do differently:
- PICKUP: the pickup store, read with the variants, their prices and its stock in one round trip;
  every line is held there or the whole order is refused (OUT_OF_STOCK per short line, naming
  nearby stores that have it);
- EXPRESS and SAME_CITY: the routing engine plans over unlocked stock (resolvers/routing.py, the
  same code as the fulfillmentPlan preview); when a reservation loses a race the order is planned
  again, a bounded number of times. A member's new parcel leaving the same location for the same
  address as one of their open parcels is marked to ship with it.
Then one path for both: benefits (promotions, coupons, points: benefits.py), the draft
(domain.order_requests), and the commit: claim the idempotency key, reserve every hold in lock
order, write the order with its lines, fulfilments and ledger entries, use its coupons and points,
and record its facts (StockChanged per hold, then OrderPlaced). An idempotency key makes retries
and concurrent duplicates return the one order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from ...domain import order_requests, reservations, transfers
from ...domain import order_routing as routed
from ...domain.catalog import PriceOverride, Variant
from ...domain.errors import DomainError, DomainErrors, ErrorCode
from ...domain.events import OrderPlaced, StockChanged
from ...domain.inventory import MovementReason
from ...domain.locations import FulfillmentMode, Location
from ...domain.online_allocation import available_online, is_online
from ...domain.order_access import Placement, actor, placement
from ...domain.order_aggregate import placed_facts
from ...domain.order_requests import OrderDraft, OrderRequest, ShipmentDraft
from ...domain.orders import Order
from ...domain.ports import StockShort, UnitOfWork
from ...domain.reservations import Shortage
from ...domain.routing import RouteLine, merge_targets
from ...domain.transfers import PickupByTransfer
from .. import routing
from ..context import Context
from ..transfers import for_orders
from . import benefits

MAX_PLANS = 4
NEARBY_KM = 20.0


@dataclass(frozen=True, slots=True)
class Prepared:
    """A validated request with what pricing and writing it need."""

    request: OrderRequest
    placement: Placement
    placed_at_location_id: int | None
    variants: Mapping[int, Variant]
    overrides: Mapping[int, list[PriceOverride]]
    caller: str
    fingerprint: str
    priced_at: datetime  # the instant its prices are read at (overrides in force then)


async def place_order(ctx: Context, uow: UnitOfWork, request: OrderRequest) -> Order:
    if request.member_id is not None:  # an order for a member merged away is the survivor's order
        current = await uow.members.current(request.member_id)
        if current is not None:
            request = dataclasses.replace(request, member_id=current.id)
    who = placement(ctx.principal, request.channel, request.member_id)  # AccessDenied for the wrong caller
    problems = order_requests.problems(request)
    if problems:
        raise DomainErrors(problems)
    request = order_requests.merged(request)  # the same variant twice: one line (its limits apply)
    if request.mode is FulfillmentMode.PICKUP:
        return await _place_pickup(ctx, uow, request, who)
    return await _place_routed(ctx, uow, request, who)


async def _place_pickup(ctx: Context, uow: UnitOfWork, request: OrderRequest, who: Placement) -> Order:
    assert request.pickup_location_id is not None
    wanted = [(line.variant_id, line.quantity) for line in request.lines]
    snapshot = await uow.catalog.for_placement([v for v, _ in wanted], request.pickup_location_id)
    prepared = await _prepare(ctx, uow, request, who, snapshot.variants, snapshot.overrides)
    replay = await _replay(uow, prepared)
    if replay is not None:
        return replay
    location = snapshot.location
    order_requests.fulfilled_at(FulfillmentMode.PICKUP, location)
    assert location is not None
    order_requests.check_till_pickup(request, location, who)
    priced = order_requests.price_lines(
        request.lines, prepared.variants, prepared.overrides, request.channel, location.id, prepared.priced_at
    )
    draft = await _draft(ctx, uow, prepared, [ShipmentDraft(location.id, tuple(priced))])
    if is_online(request.channel):  # online channels sell within the store's online share
        available = {v: available_online(level, snapshot.online_share) for v, level in snapshot.levels.items()}
    else:
        available = {variant_id: level.available for variant_id, level in snapshot.levels.items()}
    short = reservations.shortages(wanted, available)
    if short:
        by_transfer = await _place_by_transfer(uow, prepared, location, draft)
        if by_transfer is not None:
            return by_transfer
        raise await _out_of_stock(uow, prepared, location, short)
    try:
        return await _commit(uow, prepared, draft)
    except StockShort as lost:  # another order took the units between our read and our UPDATE
        now_available = await uow.stock.available(
            location.id, [v for v, _ in wanted], online=is_online(request.channel)
        )
        short = reservations.shortages(wanted, now_available)
        if not short:
            index = next(i for i, (v, _) in enumerate(wanted) if v == lost.hold.variant_id)
            short = [Shortage(index, lost.hold.variant_id, lost.hold.quantity, 0)]
        by_transfer = await _place_by_transfer(uow, prepared, location, draft)
        if by_transfer is not None:
            return by_transfer
        raise await _out_of_stock(uow, prepared, location, short) from None


async def _place_by_transfer(
    uow: UnitOfWork, prepared: Prepared, location: Location, draft: OrderDraft
) -> Order | None:
    """The pickup store lacks some of it: when the routing rules enable transfers and the plan brings
    the rest from other locations, place it as planned (resolvers/transfers/for_orders.py); None
    when the plan is not feasible."""
    if not (await uow.routing.rules()).transfer_enabled:
        return None
    lines = [RouteLine(line.variant_id, line.quantity) for line in prepared.request.lines]
    for _ in range(MAX_PLANS):
        plan = await routing.plan_fulfillment(
            uow, lines=lines, mode=FulfillmentMode.PICKUP, pickup_location_id=location.id, destination=None
        )
        if not plan.feasible:
            return None
        planned = transfers.pickup_by_transfer(plan, location.id)
        try:
            return await _commit(uow, prepared, draft, by_transfer=planned)
        except StockShort:
            continue  # the stock moved since the plan: plan again over what is left
    raise DomainError(
        ErrorCode.OUT_OF_STOCK,
        "The stock for this order is selling fast and could not be held; please try again.",
        ["lines"],
    )


async def _place_routed(ctx: Context, uow: UnitOfWork, request: OrderRequest, who: Placement) -> Order:
    assert request.address is not None
    ids = [line.variant_id for line in request.lines]
    variants, overrides = await uow.catalog.variants(ids), await uow.catalog.price_overrides(ids)
    prepared = await _prepare(ctx, uow, request, who, variants, overrides)
    replay = await _replay(uow, prepared)
    if replay is not None:
        return replay
    lines = [RouteLine(line.variant_id, line.quantity) for line in request.lines]
    for _ in range(MAX_PLANS):
        plan = await routing.plan_fulfillment(
            uow,
            lines=lines,
            mode=request.mode,
            pickup_location_id=None,
            destination=request.address.point,
            online=is_online(request.channel),
        )
        if not plan.feasible:
            raise DomainErrors(routed.refusals(plan, request.lines, prepared.variants))
        ships_with: dict[int, int] = {}
        if who.member_id is not None:
            parcels = [routed.open_parcel(f, o) for f, o in await uow.orders.open_parcels_of_member(who.member_id)]
            if parcels:
                rules = await uow.routing.rules()
                ships_with = merge_targets(plan, parcels, request.address.point, rules, ctx.now())
        shipments = routed.shipments(
            plan, prepared.variants, prepared.overrides, request.channel, ships_with, prepared.priced_at
        )
        draft = await _draft(ctx, uow, prepared, shipments)
        try:
            return await _commit(uow, prepared, draft)
        except StockShort:
            continue  # the stock moved since the plan: plan again over what is left
    raise DomainError(
        ErrorCode.OUT_OF_STOCK,
        "The stock for this order is selling fast and could not be held; please try again.",
        ["lines"],
    )


async def _prepare(
    ctx: Context,
    uow: UnitOfWork,
    request: OrderRequest,
    who: Placement,
    variants: Mapping[int, Variant],
    overrides: Mapping[int, list[PriceOverride]],
) -> Prepared:
    if request.member_id is not None and await uow.members.get(request.member_id) is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such member.", ["memberId"])
    order_requests.sellable(request, variants)
    placed_at = None
    if who.placed_at_store_code is not None:
        store = await uow.locations.by_code(who.placed_at_store_code)
        placed_at = store.id if store is not None else None
    fingerprint = order_requests.fingerprint(request)
    return Prepared(request, who, placed_at, variants, overrides, actor(ctx.principal), fingerprint, ctx.now())


async def _replay(uow: UnitOfWork, prepared: Prepared) -> Order | None:
    """A retry of a request that already created its order gets that order back."""
    key = prepared.request.idempotency_key
    claim = await uow.idempotency.lookup(prepared.caller, key) if key is not None else None
    if claim is None or claim.order_id is None:
        return None
    order_requests.check_same_request(claim.fingerprint, prepared.fingerprint)
    return await uow.orders.get(claim.order_id)


async def _draft(ctx: Context, uow: UnitOfWork, prepared: Prepared, shipments: list[ShipmentDraft]) -> OrderDraft:
    request = prepared.request
    priced = await benefits.price(ctx, uow, request, shipments, prepared.placed_at_location_id)
    now, ttl = ctx.now(), ctx.services.reservation_ttl
    return order_requests.draft(
        request, prepared.placement, prepared.placed_at_location_id, shipments, priced, now, ttl
    )


async def _commit(
    uow: UnitOfWork, prepared: Prepared, draft: OrderDraft, *, by_transfer: PickupByTransfer | None = None
) -> Order:
    """Hold the stock and write the order (and, for a pickup by transfer, hold what the pickup store
    has and request the transfers that bring the rest). Raises StockShort when a reservation loses a
    race (nothing is written) and DomainError when the key belongs to a different request."""
    holds = draft.holds if by_transfer is None else by_transfer.holds
    if (
        by_transfer is None
        and prepared.request.idempotency_key is None
        and len(holds) == 1
        and not benefits.writes_when_placed(draft)
        and not uow.handles(OrderPlaced, StockChanged)
    ):
        # One statement, no transaction around it: the conditional UPDATE of the stock row is the
        # first CTE of the INSERTs, so the row is locked for one round trip, not four (BEGIN, UPDATE,
        # INSERT, COMMIT). bench.orders, same runs on the shared 2-vCPU VM: orders/baseline 0.45-0.55
        # with it against 0.26-0.28 through the transaction; one hot SKU 181-213 against 58-70 orders/s.
        written = await uow.orders.create_reserving_one(draft, holds[0], actor=prepared.caller)
        if written is not None:
            order, fulfillments, level = written
            uow.record(*placed_facts(draft, order, fulfillments, [level]))  # committed with the statement
            return order
        # nothing written: short, or the hold would bring the level to its safety stock (a low-stock
        # alert is due) or over the online share - the transaction below decides which
    online = is_online(prepared.request.channel)

    async def write(tx: UnitOfWork) -> Order | int:
        key, claim_id = prepared.request.idempotency_key, None
        if key is not None:
            claim = await tx.idempotency.claim(prepared.caller, key, prepared.fingerprint)
            if not claim.ours:  # a concurrent duplicate created it first
                order_requests.check_same_request(claim.fingerprint, prepared.fingerprint)
                assert claim.order_id is not None  # the key and its order commit together
                return claim.order_id
            claim_id = claim.id
        levels = await tx.stock.reserve(holds, online=online)
        reserved = reservations.movements(MovementReason.RESERVATION, holds, levels)
        order, fulfillments = await tx.orders.create(draft, reserved, actor=prepared.caller, idempotency_id=claim_id)
        await benefits.use(tx, order, draft, by=prepared.caller)  # coupons used, points spent, discount lines
        tx.record(*placed_facts(draft, order, fulfillments, levels, holds))
        if by_transfer is not None:
            await for_orders.request_for_order(
                tx, order.number, by_transfer.transfers, online=online, actor=prepared.caller, now=draft.created_at
            )
        return order

    written_or_id = await uow.atomic(write)
    if isinstance(written_or_id, int):
        existing = await uow.orders.get(written_or_id)
        assert existing is not None
        return existing
    return written_or_id


async def _out_of_stock(uow: UnitOfWork, prepared: Prepared, location: Location, short: list[Shortage]) -> DomainErrors:
    """One OUT_OF_STOCK per short line, naming nearby stores that have it (and those that have it all)."""
    wanted = [(line.variant_id, line.quantity) for line in prepared.request.lines]
    network = await uow.stock.nearby(location, [v for v, _ in wanted], NEARBY_KM)
    alternatives = reservations.stores_that_have(wanted, network, location)
    nearby = {s.variant_id: reservations.stores_that_have([(s.variant_id, s.wanted)], network, location) for s in short}
    return DomainErrors(reservations.out_of_stock(short, prepared.variants, location, nearby, alternatives))
