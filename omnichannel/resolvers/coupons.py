"""Coupons: head office creates templates, members claim coupons (clerks redeem them at the till:
resolvers/coupon_redemption.py), cancelled or expired orders give theirs back.

Every claim, use and refusal lands in the audit trail (refusals after the refused transaction has
rolled back, so they are never lost with it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from ..domain import coupons as rules
from ..domain.access import Role
from ..domain.catalog import SalesChannel
from ..domain.coupons import AuditEvent, AuditKind, Coupon, CouponKind, CouponTemplate
from ..domain.errors import DomainError, ErrorCode
from ..domain.ports import UnitOfWork
from .context import Context
from .members import actor_of
from .mutation import requires


@requires(Role.HQ_ADMIN)
async def create_template(
    ctx: Context,
    uow: UnitOfWork,
    *,
    title: str,
    kind: CouponKind,
    value: Decimal,
    max_discount: Decimal | None = None,
    min_spend: Decimal | None = None,
    total_quantity: int | None = None,
    per_member_limit: int | None = None,
    channels: Sequence[SalesChannel] = (),
    store_ids: Sequence[int] = (),
    category_ids: Sequence[int] = (),
    product_ids: Sequence[int] = (),
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
) -> CouponTemplate:
    now, actor = ctx.now(), actor_of(ctx.principal)
    spec = rules.new_template(
        title=title,
        kind=kind,
        value=value,
        max_discount=max_discount,
        min_spend=min_spend,
        total_quantity=total_quantity,
        per_member_limit=per_member_limit,
        channels=channels,
        store_ids=store_ids,
        category_ids=category_ids,
        product_ids=product_ids,
        valid_from=valid_from,
        valid_until=valid_until,
        now=now,
    )
    known = await uow.locations.many(sorted(spec.store_ids))
    for n, store_id in enumerate(spec.store_ids):
        if store_id not in known:
            raise DomainError(ErrorCode.NOT_FOUND, "No such store.", ["storeIds", str(n)])

    async def change(tx: UnitOfWork) -> CouponTemplate:
        template = await tx.coupons.create_template(spec, actor)
        await tx.coupons.audit([AuditEvent(AuditKind.TEMPLATE_CREATED, now, template_id=template.id, actor=actor)])
        return template

    return await uow.atomic(change)


@requires(Role.MEMBER)
async def claim(ctx: Context, uow: UnitOfWork, *, template_id: int, channel: SalesChannel | None = None) -> Coupon:
    """A member claims a coupon; the total and their own limit hold however many claim at once."""
    principal_member = ctx.principal.member_id
    assert principal_member is not None
    now, actor = ctx.now(), actor_of(ctx.principal)

    async def change(tx: UnitOfWork) -> Coupon:
        # one claim of this member at a time (and never onto a member merged away meanwhile)
        member = await tx.members.lock_current(principal_member)
        template = await tx.coupons.template(template_id)
        if member is None or template is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such coupon.", ["templateId"])
        member_id = member.id
        rules.check_claim(template, now=now, already_held=await tx.coupons.held(member_id, template_id))
        if not await tx.coupons.take_one(template_id):
            raise rules.exhausted()
        coupon = await tx.coupons.issue(template, member_id, now)
        event = AuditEvent(
            AuditKind.CLAIMED, now, template_id, coupon.id, member_id, channel, code=coupon.code, actor=actor
        )
        await tx.coupons.audit([event])
        return coupon

    try:
        return await uow.atomic(change)
    except DomainError as error:
        refused = AuditEvent(
            AuditKind.CLAIM_REFUSED,
            now,
            template_id if error.code is not ErrorCode.NOT_FOUND else None,
            member_id=principal_member,
            channel=channel,
            error_code=error.code.value,
            detail=error.message,
            actor=actor,
        )
        await uow.coupons.audit([refused])  # after the rollback, on its own: never lost with it
        raise


async def return_for_order(uow: UnitOfWork, *, order_id: int, now: datetime, actor: str) -> list[Coupon]:
    """An order is cancelled or expired: its coupons come back once (or retire, when past their window)."""
    returned = []
    events = []
    for coupon in await uow.coupons.lock_for_order(order_id):
        still_valid = coupon.valid_until is None or now < coupon.valid_until
        status = rules.CouponStatus.ACTIVE if still_valid else rules.CouponStatus.EXPIRED
        if not await uow.coupons.release(coupon.id, status):
            continue  # not REDEEMED: already given back
        kind = AuditKind.RETURNED if still_valid else AuditKind.NOT_RETURNED_EXPIRED
        events.append(
            AuditEvent(
                kind,
                now,
                coupon.template_id,
                coupon.id,
                coupon.member_id,
                order_id=order_id,
                code=coupon.code,
                actor=actor,
            )
        )
        returned.append(coupon)
    await uow.coupons.audit(events)
    return returned


@requires(Role.HQ_ADMIN)
async def void_coupon(ctx: Context, uow: UnitOfWork, *, coupon_id: int, reason: str) -> Coupon:
    """Head office withdraws an unused coupon (fraud, mistake); it can never be used afterwards."""
    now, actor = ctx.now(), actor_of(ctx.principal)
    cleaned = reason.strip()
    if not cleaned or len(cleaned) > 200:
        raise DomainError(ErrorCode.INVALID_INPUT, "Say why (1 to 200 characters).", ["reason"])

    async def change(tx: UnitOfWork) -> Coupon:
        found = await tx.coupons.lock_by_ids([coupon_id])
        if not found:
            raise DomainError(ErrorCode.NOT_FOUND, "No such coupon.", ["couponId"])
        coupon = found[0]
        if not await tx.coupons.void(coupon.id):
            if coupon.status is rules.CouponStatus.VOID:
                raise DomainError(ErrorCode.COUPON_VOID, "This coupon was already withdrawn.", ["couponId"])
            raise DomainError(ErrorCode.COUPON_ALREADY_USED, "A used coupon cannot be withdrawn.", ["couponId"])
        event = AuditEvent(
            AuditKind.VOIDED,
            now,
            coupon.template_id,
            coupon.id,
            coupon.member_id,
            code=coupon.code,
            detail=cleaned,
            actor=actor,
        )
        await tx.coupons.audit([event])
        return (await tx.coupons.lock_by_ids([coupon_id]))[0]

    return await uow.atomic(change)


@requires(Role.HQ_ADMIN)
async def end_template(ctx: Context, uow: UnitOfWork, *, template_id: int) -> CouponTemplate:
    """Head office stops a template: no more claims; coupons already claimed stay valid."""
    now, actor = ctx.now(), actor_of(ctx.principal)

    async def change(tx: UnitOfWork) -> CouponTemplate:
        template = await tx.coupons.end_template(template_id)
        if template is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such coupon template.", ["templateId"])
        await tx.coupons.audit([AuditEvent(AuditKind.TEMPLATE_ENDED, now, template.id, actor=actor)])
        return template

    return await uow.atomic(change)
