"""Writing a placed order: claim the idempotency key, reserve every hold, create the order, publish."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import reservations
from ..domain.catalog import PriceOverride, Variant
from ..domain.errors import DomainError, ErrorCode
from ..domain.events import OrderChanged, OrderEventKind, StockChanged
from ..domain.inventory import MovementReason
from ..domain.order_access import Placement
from ..domain.order_requests import OrderDraft, OrderRequest
from ..domain.orders import Order, OrderStatus
from ..domain.reservations import Hold
from ..persistence.repositories import idempotency, order_creation
from ..persistence.repositories.reservations import StockShort
from ..persistence.uow import UnitOfWork, transactional
from . import order_hooks
from .context import Context
from .publish import publish
from .stock_holds import order_event


@dataclass(frozen=True, slots=True)
class Prepared:
    """A validated request with everything loaded that pricing and writing need."""

    request: OrderRequest
    placement: Placement
    placed_at_location_id: int | None
    variants: dict[int, Variant]
    overrides: dict[int, list[PriceOverride]]
    caller: str
    fingerprint: str


def check_same_request(stored: str, given: str) -> None:
    if stored != given:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This idempotency key was already used for a different order.",
            ["idempotencyKey"],
        )


async def commit(ctx: Context, prepared: Prepared, draft: OrderDraft) -> Order:
    """Claim the idempotency key, reserve every hold (in lock order) and write the order; then publish.

    Raises StockShort when a reservation loses a race (nothing is written) and DomainError when the
    key belongs to a different request.
    """
    holds = draft.holds
    if prepared.request.idempotency_key is None and len(holds) == 1 and not order_hooks.writes_when_placed(draft):
        return await _commit_one_hold(ctx, prepared, draft, holds[0])
    result, events = await transactional(lambda uow: _write(uow, prepared, draft))
    if isinstance(result, int):  # a concurrent duplicate created it first
        existing: Order | None = await ctx.loaders.order.load(result)
        assert existing is not None
        return existing
    await publish(ctx.broker, events)
    ctx.loaders.order.prime(result.id, result)
    return result


async def _write(uow: UnitOfWork, prepared: Prepared, draft: OrderDraft) -> Order | int:
    key = prepared.request.idempotency_key
    claim_id = None
    if key is not None:
        claim = await idempotency.claim(uow.conn, prepared.caller, key, prepared.fingerprint)
        if not claim.ours:
            check_same_request(claim.fingerprint, prepared.fingerprint)
            assert claim.order_id is not None  # the key and its order commit together
            return claim.order_id
        claim_id = claim.id
    holds = draft.holds
    levels = await uow.reservations.reserve(holds)
    movements = reservations.movements(MovementReason.RESERVATION, holds, levels)
    order, fulfillments = await order_creation.after_reserving(uow.conn, draft, movements, prepared.caller, claim_id)
    await order_hooks.on_placed(uow, order, draft, prepared.caller)  # coupons used, points spent, discount lines
    for event in reservations.stock_events(MovementReason.RESERVATION, levels, draft.created_at):
        uow.record(event)
    uow.record(order_event(order, fulfillments, OrderEventKind.CREATED, draft.created_at))
    return order


async def _commit_one_hold(ctx: Context, prepared: Prepared, draft: OrderDraft, hold: Hold) -> Order:
    """The common order (one line, one location, no key, nothing for loyalty to write): one statement
    reserves and writes it all."""
    stores = {hold.location_id} | ({draft.placed_at_location_id} if draft.placed_at_location_id is not None else set())
    to_log = (
        StockChanged(hold.location_id, hold.variant_id, 0, 0, 0, MovementReason.RESERVATION.value, draft.created_at),
        OrderChanged(
            0, OrderEventKind.CREATED.value, OrderStatus.PENDING_PAYMENT.value, tuple(sorted(stores)),
            draft.placement.member_id, draft.created_at,
        ),
    )  # fmt: skip
    written = await order_creation.reserving_one(draft, hold, prepared.caller, to_log)
    if written is None:
        raise StockShort(hold)
    order, fulfillments, level = written
    events = [
        *reservations.stock_events(MovementReason.RESERVATION, [level], draft.created_at),
        order_event(order, fulfillments, OrderEventKind.CREATED, draft.created_at),
    ]
    await publish(ctx.broker, events)
    ctx.loaders.order.prime(order.id, order)
    return order
