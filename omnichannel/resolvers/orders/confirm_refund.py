"""confirmRefund: the payment provider (SERVICE) says how a refund ended.

SUCCEEDED, in the same transaction: the redeemed points in its share come back and the earned
points in it are taken back (never below zero: the shortfall is recorded), the amount stops counting
towards the member's tier, the returned goods go back on hand at restockStoreId (RETURN movements),
and once the whole order is refunded its coupons come back (if still valid). An order that was
cancelled gave its points and coupons back with the cancellation: its refunds move money only.
FAILED: nothing moves; its units may be refunded again. The same reference twice is a no-op that
returns the refund; another outcome for an ended refund is INVALID_TRANSITION.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ...domain import refunds as rules
from ...domain.access import Role
from ...domain.errors import DomainError, ErrorCode
from ...domain.events import RefundFailed, RefundSucceeded, StockChanged, VariantAmount
from ...domain.inventory import MovementReason, StockMovement
from ...domain.loyalty import LoyaltyRules
from ...domain.order_aggregate import facts_of
from ...domain.orders import Order, OrderStatus
from ...domain.ports import UnitOfWork
from ...domain.refunds import Refund, RefundStatus
from .. import coupons, points
from ..context import Context
from ..mutation import requires
from .refund import refunded_lines

MAX_REFERENCE = 100
SYSTEM = "system:refunds"
NOTHING = rules.PointsOutcome(0, 0, 0)


def _check_reference(reference: str) -> str:
    cleaned = reference.strip()
    if not cleaned or len(cleaned) > MAX_REFERENCE or not cleaned.isprintable():
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"reference must be 1 to {MAX_REFERENCE} printable characters.", ["reference"]
        )
    return cleaned


@requires(Role.SERVICE)
async def confirm_refund(ctx: Context, uow: UnitOfWork, *, refund_id: int, reference: str, succeeded: bool) -> Refund:
    cleaned = _check_reference(reference)
    now, loyalty = ctx.now(), ctx.services.loyalty
    order_id = await uow.refunds.order_of(refund_id)
    if order_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such refund.", ["refundId"])

    async def confirm(tx: UnitOfWork) -> Refund:
        found = await tx.orders.get_for_update(order_id)  # the order first, as every order change locks it
        refund = await tx.refunds.lock(refund_id)
        assert found is not None and refund is not None
        used_by = await tx.refunds.with_reference(cleaned)
        if used_by is not None and used_by != refund_id:
            raise DomainError(ErrorCode.PAYMENT_REFERENCE_USED, "This reference ended another refund.", ["reference"])
        decision = rules.confirm(refund, cleaned, succeeded)
        if not decision.changed:
            return refund  # the provider called twice
        if decision.status is RefundStatus.FAILED:
            return await _failed(tx, found.order, refund, cleaned, now)
        return await _succeeded(tx, found.order, refund, cleaned, now, loyalty)

    return await uow.atomic(confirm)


async def _failed(tx: UnitOfWork, order: Order, refund: Refund, reference: str, now: datetime) -> Refund:
    done = await tx.refunds.complete(
        refund.id, status=RefundStatus.FAILED, reference=reference, points=NOTHING, now=now
    )
    tx.record(
        RefundFailed(
            **facts_of(order, await tx.orders.fulfillments(order.id), now),
            refund_id=done.id,
            amount=done.amount,
            currency=done.currency,
            lines=await refunded_lines(tx, done.lines),
            reference=reference,
        )
    )
    return done


async def _restock(tx: UnitOfWork, order: Order, refund: Refund, now: datetime) -> None:
    """The returned units go back on hand where they were handed in (RETURN movements)."""
    location = refund.restock_location_id
    assert location is not None
    for line in sorted(refund.lines, key=lambda li: li.variant_id):  # stock rows in lock order
        level = await tx.stock.lock_level(location, line.variant_id)
        after = level._replace(on_hand=level.on_hand + line.quantity)
        movement = StockMovement(
            location,
            line.variant_id,
            MovementReason.RETURN,
            line.quantity,
            0,
            after.on_hand,
            after.reserved,
            f"refund {refund.id}",
            order.number,
        )
        await tx.stock.apply(after, movement, SYSTEM)
        tx.record(
            StockChanged(
                location,
                line.variant_id,
                after.on_hand,
                after.reserved,
                after.safety_stock,
                MovementReason.RETURN.value,
                now,
                on_hand_delta=line.quantity,
                reference=order.number,
            )
        )


async def _loyalty(
    tx: UnitOfWork, order: Order, refund: Refund, now: datetime, rules_: LoyaltyRules
) -> rules.PointsOutcome:
    if order.status is OrderStatus.CANCELLED or order.member_id is None:
        return NOTHING  # a cancelled order's points and spend went back with the cancellation
    await points.refund_spend(
        tx, member_id=order.member_id, order_id=order.id, refund_id=refund.id, amount=refund.amount, now=now
    )
    if not (refund.points_returned or refund.points_reversed):
        return NOTHING
    return await points.refund_points(
        tx,
        member_id=order.member_id,
        order_id=order.id,
        refund_id=refund.id,
        returned=refund.points_returned,
        reversed_planned=refund.points_reversed,
        now=now,
        rules=rules_,
        actor=SYSTEM,
    )


async def _succeeded(
    tx: UnitOfWork, order: Order, refund: Refund, reference: str, now: datetime, loyalty: LoyaltyRules
) -> Refund:
    moved = await _loyalty(tx, order, refund, now, loyalty)
    if refund.restock_location_id is not None:
        await _restock(tx, order, refund, now)
    done = await tx.refunds.complete(
        refund.id, status=RefundStatus.SUCCEEDED, reference=reference, points=moved, now=now
    )
    paid = await tx.refunds.paid_order(order.id)
    assert paid is not None
    everything = await tx.refunds.of_order(order.id)
    whole = rules.fully_refunded(paid, everything)
    if whole:
        await coupons.return_for_order(tx, order_id=order.id, now=now, actor=SYSTEM)
    succeeded = [r for r in everything if r.status is RefundStatus.SUCCEEDED]
    by_variant: dict[int, Decimal] = {}
    for line in (line for r in succeeded for line in r.lines):
        by_variant[line.variant_id] = by_variant.get(line.variant_id, Decimal("0.00")) + line.amount
    tx.record(
        RefundSucceeded(
            **facts_of(order, await tx.orders.fulfillments(order.id), now),
            refund_id=done.id,
            amount=done.amount,
            currency=done.currency,
            lines=await refunded_lines(tx, done.lines),
            points_returned=done.points_returned,
            points_reversed=done.points_reversed,
            points_shortfall=done.points_shortfall,
            reason=done.reason,
            restock_location_id=done.restock_location_id,
            reference=reference,
            refunded_total=sum((r.amount for r in succeeded), Decimal("0.00")),
            refunded_by_variant=tuple(VariantAmount(v, a) for v, a in sorted(by_variant.items())),
            fully_refunded=whole,
        )
    )
    return done
