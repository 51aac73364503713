"""sellAtTill: a sale at the counter, priced, paid and handed over in one step (domain.till).

Store staff (CLERK, STORE_MANAGER) at their own store. Top to bottom: who rings it up
(domain.order_access.till_placement: attributed to them), what is malformed (the order request's
own checks, the payment reference), the store, variants, prices and shelf stock in one read
(uow.catalog.for_placement), an idempotent retry answered from uow.idempotency, the price with
promotions, coupons and points (benefits.py, the placement path's own pricing), then one
transaction: claim the key, take the units off the shelf (uow.stock.sell_from_shelf: a conditional
UPDATE per row in lock order, SALE movements, no reservation), write the order, use its coupons
and points, record the payment and hand it over (COMPLETED). The in-transaction handlers of the
facts it records (OrderPaid ...) earn the member's points and book the credit and the clerk's
commission in the same transaction. Every refusal is a userError with nothing written.
"""

from __future__ import annotations

import dataclasses

from ...domain import order_requests, reservations
from ...domain.access import Role
from ...domain.errors import DomainError, DomainErrors, ErrorCode
from ...domain.order_access import Placement, till_placement
from ...domain.order_aggregate import placed
from ...domain.order_requests import OrderDraft, OrderRequest, ShipmentDraft
from ...domain.orders import Order
from ...domain.payments import MAX_REFERENCE
from ...domain.ports import PlacementSnapshot, StockShort, UnitOfWork
from ...domain.reservations import Shortage
from ...domain.till import TillSale, check_till, sale_fingerprint, shelf_available
from ..context import Context
from ..mutation import requires
from . import benefits


def _reference(reference: str) -> str:
    cleaned = reference.strip()
    if not cleaned or len(cleaned) > MAX_REFERENCE or not cleaned.isprintable():
        raise DomainError(
            ErrorCode.INVALID_INPUT,
            f"paymentReference must be 1 to {MAX_REFERENCE} printable characters.",
            ["paymentReference"],
        )
    return cleaned


def _reference_used() -> DomainError:
    return DomainError(
        ErrorCode.PAYMENT_REFERENCE_USED, "This payment reference paid another sale.", ["paymentReference"]
    )


@requires(Role.CLERK, Role.STORE_MANAGER)
async def sell_at_till(ctx: Context, uow: UnitOfWork, sale: TillSale) -> Order:
    location = check_till(await uow.locations.get(sale.store_id))
    if sale.member_id is not None:  # a sale to a member merged away is the survivor's
        current = await uow.members.current(sale.member_id)
        if current is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such member.", ["memberId"])
        sale = dataclasses.replace(sale, member_id=current.id)
    who = till_placement(ctx.principal, sale.member_id, location.code)  # AccessDenied: not their store
    request = sale.order_request()
    problems = order_requests.problems(request)
    if problems:
        raise DomainErrors(problems)
    reference = _reference(sale.payment_reference)
    request = order_requests.merged(request)
    snapshot = await uow.catalog.for_placement([line.variant_id for line in request.lines], location.id)
    order_requests.sellable(request, snapshot.variants)
    caller, fingerprint = who.placed_by, sale_fingerprint(request, reference)
    replay = await _replay(uow, request, caller, fingerprint)
    if replay is not None:
        return replay
    short = reservations.shortages(
        [(line.variant_id, line.quantity) for line in request.lines],
        {v: shelf_available(level.on_hand, level.reserved) for v, level in snapshot.levels.items()},
    )
    if short:
        raise _out_of_stock(snapshot, short)
    draft = await _draft(ctx, uow, request, who, snapshot, location.id)
    now = ctx.now()

    async def ring_up(tx: UnitOfWork) -> int:
        claim_id = None
        if request.idempotency_key is not None:
            claim = await tx.idempotency.claim(caller, request.idempotency_key, fingerprint)
            if not claim.ours:  # a concurrent duplicate rang it up first
                order_requests.check_same_request(claim.fingerprint, fingerprint)
                assert claim.order_id is not None
                return claim.order_id
            claim_id = claim.id
        if await tx.payments.order_paid_with(reference) is not None:
            raise _reference_used()
        holds = draft.holds
        levels = await tx.stock.sell_from_shelf(holds, count_sale=True)
        order, fulfillments = await tx.orders.create(draft, [], actor=caller, idempotency_id=claim_id)
        await benefits.use(tx, order, draft, by=caller)  # coupons used, points spent, discount lines
        moves = reservations.sold_from_shelf(holds, levels, reference=order.number, at=now)
        await tx.stock.add_movements(moves.movements, caller)
        sold = await tx.orders.get_for_update(order.id)
        assert sold is not None
        sold.sell_at_till(reference=reference, now=now)
        if not await tx.payments.record(
            order_id=order.id,
            reference=reference,
            amount=sold.order.total.amount,
            currency=order.total.currency,
            actor=caller,
        ):
            raise _reference_used()
        await tx.orders.save(sold)
        tx.record(*moves.events, placed(draft, order, fulfillments), *sold.events)
        return order.id

    try:
        order_id = await uow.atomic(ring_up)
    except StockShort as lost:  # another sale took the units between our read and our UPDATE
        index = next(i for i, line in enumerate(request.lines) if line.variant_id == lost.hold.variant_id)
        raise _out_of_stock(snapshot, [Shortage(index, lost.hold.variant_id, lost.hold.quantity, 0)]) from None
    rung_up = await uow.orders.get(order_id)  # as committed: with the points it earned
    assert rung_up is not None
    return rung_up


async def _replay(uow: UnitOfWork, request: OrderRequest, caller: str, fingerprint: str) -> Order | None:
    """A retry of a sale already rung up gets that order back (another sale under the key is refused)."""
    key = request.idempotency_key
    claim = await uow.idempotency.lookup(caller, key) if key is not None else None
    if claim is None or claim.order_id is None:
        return None
    order_requests.check_same_request(claim.fingerprint, fingerprint)
    return await uow.orders.get(claim.order_id)


async def _draft(
    ctx: Context, uow: UnitOfWork, request: OrderRequest, who: Placement, snapshot: PlacementSnapshot, store_id: int
) -> OrderDraft:
    priced = order_requests.price_lines(
        request.lines, snapshot.variants, snapshot.overrides, request.channel, store_id, ctx.now()
    )
    shipments = [ShipmentDraft(store_id, tuple(priced))]
    prices = await benefits.price(ctx, uow, request, shipments, store_id)
    return order_requests.draft(request, who, store_id, shipments, prices, ctx.now(), ctx.services.reservation_ttl)


def _out_of_stock(snapshot: PlacementSnapshot, short: list[Shortage]) -> DomainErrors:
    assert snapshot.location is not None
    return DomainErrors(reservations.out_of_stock(short, snapshot.variants, snapshot.location, {}, []))
