"""redeemCoupon: a clerk redeems a coupon at the till, used once whatever the races.

Without an order it is a till sale outside the order centre: the coupon is checked for this store
and the till's channel (STORE_POS) and marked used. With an order waiting for payment at this store,
the coupon also lowers that order's price, in the same transaction: the order's row is locked and
checked first, then the coupon's (resolvers/orders/till_coupon.py reprices it).
Every refusal is audited after the refused transaction has rolled back, and wrong codes count
towards the clerk's and the store's lockout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain import coupon_codes
from ..domain import coupons as rules
from ..domain.access import AccessDenied, Role
from ..domain.catalog import SalesChannel
from ..domain.coupons import AuditEvent, AuditKind, Coupon
from ..domain.errors import DomainError, ErrorCode
from ..domain.ports import UnitOfWork
from . import coupon_guard
from .context import Context
from .members import actor_of
from .mutation import requires
from .orders import till_coupon


@dataclass(frozen=True, slots=True)
class Till:
    """Where, when and by whom a coupon is redeemed."""

    store_id: int
    staff_id: int | None
    actor: str
    now: datetime


@requires(Role.CLERK, Role.STORE_MANAGER)
async def redeem(ctx: Context, uow: UnitOfWork, *, code: str, store_id: int, order_id: int | None = None) -> Coupon:
    """A clerk of an allowed store redeems a coupon at the till, on an open order of the store or not."""
    principal = ctx.principal
    location = await uow.locations.get(store_id)
    if location is None or not principal.works_at(location.code):
        raise AccessDenied()
    till = Till(store_id, principal.staff_id, actor_of(principal), ctx.now())
    keys = coupon_guard.guess_keys(principal, store_id)
    refusal = AuditEvent(
        AuditKind.USE_REFUSED,
        till.now,
        channel=SalesChannel.STORE_POS,
        store_id=store_id,
        staff_id=till.staff_id,
        order_id=order_id,
        code=code.strip()[:40],
        actor=till.actor,
    )

    async def refuse(error: DomainError, *, guess: bool, coupon: Coupon | None = None) -> DomainError:
        """End the attempt (a wrong code counts) and audit the refusal, each committed on its own."""
        await coupon_guard.finish_guess(ctx, uow, keys, wrong=guess)
        await uow.coupons.audit([_refusal(refusal, error, coupon)])
        return error

    wait = await coupon_guard.begin_guess(ctx, uow, keys)  # checked and counted in one step, before trying
    if wait:
        locked = rules.too_many_guesses(wait)
        await uow.coupons.audit([_refusal(refusal, locked, None)])
        raise locked
    canonical = coupon_codes.canonical(code)
    if canonical is None:
        raise await refuse(rules.unknown_code(["code"]), guess=True)

    async def use(tx: UnitOfWork) -> tuple[Coupon, DomainError | None]:
        if order_id is None:
            return await _use_at_till(tx, till, canonical)
        return await _use_on_order(ctx, tx, till, canonical, order_id)

    try:
        coupon, refused = await uow.atomic(use)
    except DomainError as error:
        raise await refuse(error, guess=error.code is ErrorCode.INVALID_COUPON_CODE) from None
    if refused is not None:
        raise await refuse(refused, guess=False, coupon=coupon)
    await coupon_guard.finish_guess(ctx, uow, keys, wrong=False)
    return coupon


async def _use_at_till(tx: UnitOfWork, till: Till, canonical: str) -> tuple[Coupon, DomainError | None]:
    """A till sale outside the order centre: valid here and now, then used."""
    coupon = await tx.coupons.lock_by_code(canonical)
    if coupon is None:
        raise rules.unknown_code(["code"])
    template = await tx.coupons.template(coupon.template_id)
    assert template is not None
    try:
        rules.check_use(
            coupon,
            template,
            now=till.now,
            channel=SalesChannel.STORE_POS,
            store_ids=(till.store_id,),
            member_id=None,
            field=["code"],
        )
    except DomainError as error:
        return coupon, error  # nothing written; the refusal is recorded after this transaction
    return await _mark_used(tx, till, coupon, SalesChannel.STORE_POS, None), None


async def _use_on_order(
    ctx: Context, tx: UnitOfWork, till: Till, canonical: str, order_id: int
) -> tuple[Coupon, DomainError | None]:
    """On an order of this store waiting for payment: its price drops by the coupon, then it is used.
    The coupon is checked as placeOrder would have checked it for this order (its channel, its stores,
    its member), so the use is audited in the order's channel."""
    order = await till_coupon.lock_open_order(tx, order_id, store_id=till.store_id, now=till.now)
    coupon = await tx.coupons.lock_by_code(canonical)
    if coupon is None:
        raise rules.unknown_code(["code"])
    try:  # before the order's own coupons are locked: two tills crossing used coupons never wait on each other
        rules.check_status(coupon, now=till.now, field=["code"])
    except DomainError as error:
        return coupon, error
    refused = await till_coupon.reprice(ctx, tx, order, coupon, till.now)
    if refused is not None:
        return coupon, refused
    return await _mark_used(tx, till, coupon, order.order.channel, order_id), None


async def _mark_used(tx: UnitOfWork, till: Till, coupon: Coupon, channel: SalesChannel, order_id: int | None) -> Coupon:
    """The locked, checked coupon is used here (on this order), with its USED audit line."""
    if not await tx.coupons.mark_used(
        coupon.id, now=till.now, store_id=till.store_id, staff_id=till.staff_id, order_id=order_id
    ):
        raise AssertionError("a locked active coupon could not be marked used")
    used = AuditEvent(
        AuditKind.USED,
        till.now,
        coupon.template_id,
        coupon.id,
        coupon.member_id,
        channel,
        till.store_id,
        till.staff_id,
        order_id,
        code=coupon.code,
        actor=till.actor,
    )
    await tx.coupons.audit([used])
    return (await tx.coupons.lock_by_ids([coupon.id]))[0]


def _refusal(base: AuditEvent, error: DomainError, coupon: Coupon | None) -> AuditEvent:
    return AuditEvent(
        base.kind,
        base.at,
        coupon.template_id if coupon else None,
        coupon.id if coupon else None,
        coupon.member_id if coupon else None,
        base.channel,
        base.store_id,
        base.staff_id,
        base.order_id,
        coupon.code if coupon else base.code,
        error.code.value,
        error.message,
        base.actor,
    )
