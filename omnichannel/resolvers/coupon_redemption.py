"""redeemCoupon: a clerk redeems a coupon at the till, used once whatever the races.

Without an order it is a till sale outside the order centre: the coupon is checked for this store
and the till's channel (STORE_POS) and marked used. With an order waiting for payment at this store,
the coupon also lowers that order's price, in the same transaction: the order's row is locked and
checked first, then the coupon's (resolvers/order_coupon.py reprices it).
Every refusal is audited after the refused transaction has rolled back, and wrong codes count
towards the clerk's and the store's lockout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain import coupon_codes, order_repricing
from ..domain import coupons as rules
from ..domain.access import AccessDenied, Role, require_role
from ..domain.catalog import SalesChannel
from ..domain.coupons import AuditEvent, AuditKind, Coupon
from ..domain.errors import DomainError, ErrorCode
from ..persistence.repositories import coupons as coupon_repo
from ..persistence.repositories.coupons import CouponStore
from ..persistence.uow import UnitOfWork, transactional
from . import coupon_guard, order_coupon
from .context import Context
from .members import actor_of
from .results import Result


@dataclass(frozen=True, slots=True)
class Till:
    """Where, when and by whom a coupon is redeemed."""

    store_id: int
    staff_id: int | None
    actor: str
    now: datetime


async def redeem(ctx: Context, *, code: str, store_id: int, order_id: int | None = None) -> Result[Coupon]:
    """A clerk of an allowed store redeems a coupon at the till, on an open order of the store or not."""
    principal = ctx.principal
    require_role(principal, Role.CLERK, Role.STORE_MANAGER)
    location = await ctx.loaders.location.load(store_id)
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

    async def refuse(error: DomainError, *, guess: bool, coupon: Coupon | None = None) -> Result[Coupon]:
        await coupon_guard.finish_guess(ctx, keys, wrong=guess)
        await coupon_repo.record([_refusal(refusal, error, coupon)])
        return Result.fail(error)

    wait = await coupon_guard.begin_guess(ctx, keys)  # checked and counted in one step, before trying
    if wait:
        limited = rules.too_many_guesses(wait)
        await coupon_repo.record([_refusal(refusal, limited, None)])
        return Result.fail(limited)
    canonical = coupon_codes.canonical(code)
    if canonical is None:
        return await refuse(rules.unknown_code(["code"]), guess=True)

    async def work(uow: UnitOfWork) -> tuple[Coupon, DomainError | None]:
        if order_id is None:
            return await _use_at_till(uow, till, canonical)
        return await _use_on_order(ctx, uow, till, canonical, order_id)

    try:
        (coupon, refused), _ = await transactional(work)
    except DomainError as error:
        return await refuse(error, guess=error.code is ErrorCode.INVALID_COUPON_CODE)
    if refused is not None:
        return await refuse(refused, guess=False, coupon=coupon)
    await coupon_guard.finish_guess(ctx, keys, wrong=False)
    if order_id is not None:  # its price changed: later reads in this request see the new one
        ctx.loaders.order.clear(order_id)
        ctx.loaders.discounts_of_order.clear(order_id)
    return Result.ok(coupon)


async def _use_at_till(uow: UnitOfWork, till: Till, canonical: str) -> tuple[Coupon, DomainError | None]:
    """A till sale outside the order centre: valid here and now, then used."""
    store = CouponStore(uow.conn)
    coupon = await store.lock_by_code(canonical)
    if coupon is None:
        raise rules.unknown_code(["code"])
    template = await store.template(coupon.template_id)
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
    return await _mark_used(uow, till, coupon, SalesChannel.STORE_POS, None), None


async def _use_on_order(
    ctx: Context, uow: UnitOfWork, till: Till, canonical: str, order_id: int
) -> tuple[Coupon, DomainError | None]:
    """On an order of this store waiting for payment: its price drops by the coupon, then it is used.
    The coupon is checked as placeOrder would have checked it for this order (its channel, its stores,
    its member), so the use is audited in the order's channel."""
    order = order_repricing.check_order(await uow.orders.lock(order_id), till.store_id, till.now)
    coupon = await CouponStore(uow.conn).lock_by_code(canonical)
    if coupon is None:
        raise rules.unknown_code(["code"])
    try:  # before the order's own coupons are locked: two tills crossing used coupons never wait on each other
        rules.check_status(coupon, now=till.now, field=["code"])
    except DomainError as error:
        return coupon, error
    refused = await order_coupon.reprice(ctx, uow, order, coupon, till.now)
    if refused is not None:
        return coupon, refused
    return await _mark_used(uow, till, coupon, order.channel, order.id), None


async def _mark_used(
    uow: UnitOfWork, till: Till, coupon: Coupon, channel: SalesChannel, order_id: int | None
) -> Coupon:
    """The locked, checked coupon is used here (on this order), with its USED audit line."""
    store = CouponStore(uow.conn)
    if not await store.mark_used(
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
    await coupon_repo.record([used], conn=uow.conn)
    return (await store.lock_by_ids([coupon.id]))[0]


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
