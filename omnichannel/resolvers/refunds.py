"""refundOrder and confirmRefund: money back for a paid order, whole or by lines, and returns.

- refundOrder (head office, the payment provider, or a store manager of a store that fulfilled the
  order: returns at the counter) records a PENDING refund of the lines' share of what was paid
  (domain.refunds), with the order's row locked: two refunds of one order are decided one after
  the other, so the second sees the first and never takes the same units.
- confirmRefund (the payment provider) ends it. SUCCEEDED: the redeemed points in its share come
  back, the earned points in it are taken back (never below zero: the shortfall is recorded), the
  returned goods go back on hand at restockStoreId (RETURN movements), and once the whole order is
  refunded its coupons come back (if still valid). FAILED: nothing moves; its units may be refunded
  again. The same reference twice is a no-op.
- cancelOrder on a paid order requests a whole refund of what is left in the same transaction
  (`request`, with no points: the cancellation gives them back itself).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from ..domain import refunds as rules
from ..domain.access import Role, require_role, require_signed_in
from ..domain.errors import AccessDenied, DomainError, ErrorCode
from ..domain.events import (
    RefundedLine,
    RefundFailed,
    RefundRequested,
    RefundSucceeded,
    StockChanged,
    VariantAmount,
)
from ..domain.inventory import MovementReason, StockMovement
from ..domain.loyalty import LoyaltyRules
from ..domain.orders import Order, OrderStatus
from ..domain.refunds import Refund, RefundStatus
from ..persistence.repositories import refunds as repo
from ..persistence.uow import UnitOfWork, transactional
from . import coupons as coupon_use_cases
from . import points as points_use_cases
from .context import Context
from .orders import fulfilling_codes, order_for_action
from .publish import publish
from .results import Result

REFUNDERS = (Role.HQ_ADMIN, Role.SERVICE, Role.STORE_MANAGER)
HANDED_OVER = frozenset({OrderStatus.SHIPPED, OrderStatus.COMPLETED})  # goods a customer can bring back
MAX_REFERENCE = 100
SYSTEM = "system:refunds"


def _actor(ctx: Context) -> str:
    return f"{ctx.principal.role.value if ctx.principal.role else 'ANONYMOUS'}:{ctx.principal.subject}"


async def _check_caller(ctx: Context, order: Order, restock_location_id: int | None) -> None:
    """Store managers refund orders their store fulfilled, and restock only at their own store."""
    if ctx.principal.role is not Role.STORE_MANAGER:
        return
    if ctx.principal.store_code not in await fulfilling_codes(ctx, order):
        raise AccessDenied()
    if restock_location_id is not None:
        location = await ctx.loaders.location.load(restock_location_id)
        if location is None or location.code != ctx.principal.store_code:
            raise AccessDenied()


async def refund_order(
    ctx: Context,
    *,
    order_id: int,
    lines: Sequence[tuple[int, int]] | None,
    reason: str,
    restock_location_id: int | None,
) -> Result[Refund]:
    require_signed_in(ctx.principal)
    if ctx.principal.role not in REFUNDERS:
        raise AccessDenied()
    try:
        order = await order_for_action(ctx, order_id)
    except DomainError as error:
        return Result.fail(error)
    await _check_caller(ctx, order, restock_location_id)
    try:
        cleaned = rules.check_reason(reason)
        if restock_location_id is not None:
            if await ctx.loaders.location.load(restock_location_id) is None:
                raise DomainError(ErrorCode.NOT_FOUND, "No such store or warehouse.", ["restockStoreId"])
            if order.status not in HANDED_OVER:
                raise DomainError(
                    ErrorCode.INVALID_INPUT,
                    "Nothing of this order was handed over or shipped: there are no goods to put back on hand.",
                    ["restockStoreId"],
                )
    except DomainError as error:
        return Result.fail(error)
    now, actor = ctx.now(), _actor(ctx)

    async def work(uow: UnitOfWork) -> Refund:
        locked = await uow.orders.lock(order_id)
        assert locked is not None
        return await request(
            uow, locked, wanted=lines, reason=cleaned, restock_location_id=restock_location_id, actor=actor, now=now
        )

    try:
        refund, events = await transactional(work)
    except DomainError as error:
        return Result.fail(error)
    await publish(ctx.broker, events)
    ctx.loaders.refunds_of_order.clear(order_id)
    return Result.ok(refund)


async def _stores(uow: UnitOfWork, order: Order) -> tuple[int, ...]:
    stores = {f.location_id for f in await uow.orders.fulfillments(order.id)}
    if order.placed_at_location_id is not None:
        stores.add(order.placed_at_location_id)
    return tuple(sorted(stores))


async def _lines(uow: UnitOfWork, lines: Sequence[rules.RefundLine]) -> tuple[RefundedLine, ...]:
    skus = await repo.skus(uow.conn, sorted({line.variant_id for line in lines}))
    return tuple(
        RefundedLine(line.line_id, line.variant_id, skus.get(line.variant_id, ""), line.quantity, line.amount)
        for line in lines
    )


async def request(
    uow: UnitOfWork,
    order: Order,
    *,
    wanted: Sequence[tuple[int, int]] | None,
    reason: str,
    restock_location_id: int | None,
    actor: str,
    now: datetime,
    points: bool = True,
) -> Refund:
    """A PENDING refund of `wanted` (or of all that is left), in the caller's transaction; the
    caller holds the order's row lock."""
    paid = await repo.paid_order(uow.conn, order.id)
    assert paid is not None
    plan = rules.plan(paid, await repo.of_order(uow.conn, order.id), wanted)
    if not points:
        plan = dataclasses.replace(plan, points_returned=0, points_reversed=0)
    refund = await repo.create(
        uow.conn,
        order_id=order.id,
        plan=plan,
        currency=order.total.currency,
        reason=reason,
        restock_location_id=restock_location_id,
        actor=actor,
        now=now,
    )
    uow.record(
        RefundRequested(
            refund_id=refund.id,
            order_id=order.id,
            number=order.number,
            member_id=order.member_id,
            location_ids=await _stores(uow, order),
            placed_at_location_id=order.placed_at_location_id,
            attributed_staff_id=order.attributed_staff_id,
            amount=refund.amount,
            currency=refund.currency,
            lines=await _lines(uow, refund.lines),
            points_returned=refund.points_returned,
            points_reversed=refund.points_reversed,
            reason=reason,
            restock_location_id=restock_location_id,
            whole=plan.whole,
            at=now,
        )
    )
    return refund


def _check_reference(reference: str) -> str:
    cleaned = reference.strip()
    if not cleaned or len(cleaned) > MAX_REFERENCE or not cleaned.isprintable():
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"reference must be 1 to {MAX_REFERENCE} printable characters.", ["reference"]
        )
    return cleaned


async def confirm_refund(ctx: Context, *, refund_id: int, reference: str, succeeded: bool) -> Result[Refund]:
    require_role(ctx.principal, Role.SERVICE)
    try:
        cleaned = _check_reference(reference)
    except DomainError as error:
        return Result.fail(error)
    now, loyalty = ctx.now(), ctx.services.loyalty

    async def work(uow: UnitOfWork) -> Refund:
        order_id = await repo.order_of(uow.conn, refund_id)
        if order_id is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such refund.", ["refundId"])
        order = await uow.orders.lock(order_id)  # the order first, as refundOrder and cancelOrder lock it
        refund = await repo.lock(uow.conn, refund_id)
        assert order is not None and refund is not None
        used_by = await repo.refund_with_reference(uow.conn, cleaned)
        if used_by is not None and used_by != refund_id:
            raise DomainError(ErrorCode.PAYMENT_REFERENCE_USED, "This reference ended another refund.", ["reference"])
        decision = rules.confirm(refund, cleaned, succeeded)
        if not decision.changed:
            return refund  # the provider called twice
        if decision.status is RefundStatus.FAILED:
            return await _failed(uow, order, refund, cleaned, now)
        return await _succeeded(uow, order, refund, cleaned, now, loyalty)

    try:
        refund, events = await transactional(work)
    except DomainError as error:
        return Result.fail(error)
    await publish(ctx.broker, events)
    ctx.loaders.refunds_of_order.clear(refund.order_id)
    ctx.loaders.order.clear(refund.order_id)
    return Result.ok(refund)


async def _failed(uow: UnitOfWork, order: Order, refund: Refund, reference: str, now: datetime) -> Refund:
    done = await repo.complete(
        uow.conn,
        refund.id,
        status=RefundStatus.FAILED,
        reference=reference,
        points_returned=0,
        points_reversed=0,
        points_shortfall=0,
        now=now,
    )
    uow.record(
        RefundFailed(
            refund_id=done.id,
            order_id=order.id,
            number=order.number,
            member_id=order.member_id,
            location_ids=await _stores(uow, order),
            amount=done.amount,
            currency=done.currency,
            lines=await _lines(uow, done.lines),
            reference=reference,
            at=now,
        )
    )
    return done


async def _restock(uow: UnitOfWork, order: Order, refund: Refund, now: datetime) -> None:
    """The returned units go back on hand where they were handed in (RETURN movements)."""
    assert refund.restock_location_id is not None
    location = refund.restock_location_id
    for line in sorted(refund.lines, key=lambda li: li.variant_id):  # lock order: by variant
        level = await uow.stock.lock_level(location, line.variant_id)
        after = level._replace(on_hand=level.on_hand + line.quantity)
        note = f"refund {refund.id}"
        movement = StockMovement(
            location,
            line.variant_id,
            MovementReason.RETURN,
            line.quantity,
            0,
            after.on_hand,
            after.reserved,
            note,
            order.number,
        )
        await uow.stock.apply(after, movement, SYSTEM)
        uow.record(
            StockChanged(location, line.variant_id, after.on_hand, after.reserved, after.safety_stock, "RETURN", now)
        )


async def _succeeded(
    uow: UnitOfWork, order: Order, refund: Refund, reference: str, now: datetime, loyalty: LoyaltyRules
) -> Refund:
    moved = rules.PointsOutcome(0, 0, 0)
    settled = order.status is OrderStatus.CANCELLED  # the cancellation gave points and spend back itself
    if not settled and order.member_id is not None and (refund.points_returned or refund.points_reversed):
        moved = await points_use_cases.refund_points(
            uow,
            member_id=order.member_id,
            order_id=order.id,
            refund_id=refund.id,
            returned=refund.points_returned,
            reversed_planned=refund.points_reversed,
            now=now,
            rules=loyalty,
            actor=SYSTEM,
        )
    if not settled and order.member_id is not None:
        await points_use_cases.refund_spend(
            uow, member_id=order.member_id, order_id=order.id, refund_id=refund.id, amount=refund.amount, now=now
        )
    if refund.restock_location_id is not None:
        await _restock(uow, order, refund, now)
    done = await repo.complete(
        uow.conn,
        refund.id,
        status=RefundStatus.SUCCEEDED,
        reference=reference,
        points_returned=moved.returned,
        points_reversed=moved.reversed,
        points_shortfall=moved.shortfall,
        now=now,
    )
    paid = await repo.paid_order(uow.conn, order.id)
    assert paid is not None
    everything = await repo.of_order(uow.conn, order.id)
    whole = rules.fully_refunded(paid, everything)
    if whole:
        await coupon_use_cases.return_for_order(uow, order_id=order.id, now=now, actor=SYSTEM)
    succeeded = [r for r in everything if r.status is RefundStatus.SUCCEEDED]
    refunded = sum((r.amount for r in succeeded), Decimal("0.00"))
    by_variant: dict[int, Decimal] = {}
    for line in (line for r in succeeded for line in r.lines):
        by_variant[line.variant_id] = by_variant.get(line.variant_id, Decimal("0.00")) + line.amount
    uow.record(
        RefundSucceeded(
            refund_id=done.id,
            order_id=order.id,
            number=order.number,
            member_id=order.member_id,
            location_ids=await _stores(uow, order),
            placed_at_location_id=order.placed_at_location_id,
            attributed_staff_id=order.attributed_staff_id,
            amount=done.amount,
            currency=done.currency,
            lines=await _lines(uow, done.lines),
            points_returned=done.points_returned,
            points_reversed=done.points_reversed,
            points_shortfall=done.points_shortfall,
            reason=done.reason,
            restock_location_id=done.restock_location_id,
            reference=reference,
            refunded_total=refunded,
            refunded_by_variant=tuple(VariantAmount(v, a) for v, a in sorted(by_variant.items())),
            fully_refunded=whole,
            at=now,
        )
    )
    return done
