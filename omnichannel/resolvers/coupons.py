"""Coupons: head office creates templates, members claim coupons (clerks redeem them at the till:
resolvers/coupon_redemption.py), cancelled or expired orders give theirs back.

Every claim, use and refusal lands in the audit trail (refusals after the refused transaction has
rolled back, so they are never lost with it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from ..domain import coupons as rules
from ..domain.access import Role, require_role
from ..domain.catalog import SalesChannel
from ..domain.coupons import AuditEvent, AuditKind, Coupon, CouponKind, CouponTemplate
from ..domain.errors import DomainError, ErrorCode
from ..persistence.repositories import coupons as coupon_repo
from ..persistence.repositories.coupons import CouponStore
from ..persistence.repositories.members import MemberStore
from ..persistence.uow import UnitOfWork, transactional
from .context import Context
from .members import actor_of
from .results import Result


async def create_template(
    ctx: Context,
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
) -> Result[CouponTemplate]:
    require_role(ctx.principal, Role.HQ_ADMIN)
    now, actor = ctx.now(), actor_of(ctx.principal)
    try:
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
        await _check_references(ctx, spec.store_ids, "storeIds")
    except DomainError as error:
        return Result.fail(error)

    async def work(uow: UnitOfWork) -> CouponTemplate:
        template = await CouponStore(uow.conn).create_template(spec, actor)
        await coupon_repo.record(
            [AuditEvent(AuditKind.TEMPLATE_CREATED, now, template_id=template.id, actor=actor)], conn=uow.conn
        )
        return template

    template, _ = await transactional(work)
    return Result.ok(template)


async def _check_references(ctx: Context, store_ids: Iterable[int], field: str) -> None:
    for n, found in enumerate(await ctx.loaders.location.load_many(list(store_ids))):
        if found is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such store.", [field, str(n)])


async def claim(ctx: Context, *, template_id: int, channel: SalesChannel | None = None) -> Result[Coupon]:
    """A member claims a coupon; the total and their own limit hold however many claim at once."""
    require_role(ctx.principal, Role.MEMBER)
    principal_member = ctx.principal.member_id
    assert principal_member is not None
    now, actor = ctx.now(), actor_of(ctx.principal)

    async def work(uow: UnitOfWork) -> Coupon:
        # one claim of this member at a time (and never onto a member merged away meanwhile)
        member = await MemberStore(uow.conn).lock_current(principal_member)
        store = CouponStore(uow.conn)
        template = await store.template(template_id)
        if member is None or template is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such coupon.", ["templateId"])
        member_id = member.id
        rules.check_claim(template, now=now, already_held=await store.held(member_id, template_id))
        if not await store.take_one(template_id):
            raise rules.exhausted()
        coupon = await store.issue(template, member_id, now)
        event = AuditEvent(
            AuditKind.CLAIMED, now, template_id, coupon.id, member_id, channel, code=coupon.code, actor=actor
        )
        await coupon_repo.record([event], conn=uow.conn)
        return coupon

    try:
        coupon, _ = await transactional(work)
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
        await coupon_repo.record([refused])
        return Result.fail(error)
    return Result.ok(coupon)


async def return_for_order(uow: UnitOfWork, *, order_id: int, now: datetime, actor: str) -> list[Coupon]:
    """An order is cancelled or expired: its coupons come back once (or retire, when past their window)."""
    store = CouponStore(uow.conn)
    returned = []
    events = []
    for coupon in await store.lock_for_order(order_id):
        still_valid = coupon.valid_until is None or now < coupon.valid_until
        status = rules.CouponStatus.ACTIVE if still_valid else rules.CouponStatus.EXPIRED
        if not await store.release(coupon.id, status):
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
    await coupon_repo.record(events, conn=uow.conn)
    return returned


async def void_coupon(ctx: Context, *, coupon_id: int, reason: str) -> Result[Coupon]:
    """Head office withdraws an unused coupon (fraud, mistake); it can never be used afterwards."""
    require_role(ctx.principal, Role.HQ_ADMIN)
    now, actor = ctx.now(), actor_of(ctx.principal)
    cleaned = reason.strip()
    if not cleaned or len(cleaned) > 200:
        return Result.fail(DomainError(ErrorCode.INVALID_INPUT, "Say why (1 to 200 characters).", ["reason"]))

    async def work(uow: UnitOfWork) -> Coupon:
        store = CouponStore(uow.conn)
        found = await store.lock_by_ids([coupon_id])
        if not found:
            raise DomainError(ErrorCode.NOT_FOUND, "No such coupon.", ["couponId"])
        coupon = found[0]
        if not await store.void(coupon.id):
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
        await coupon_repo.record([event], conn=uow.conn)
        return (await store.lock_by_ids([coupon_id]))[0]

    try:
        coupon, _ = await transactional(work)
    except DomainError as error:
        return Result.fail(error)
    return Result.ok(coupon)


async def end_template(ctx: Context, *, template_id: int) -> Result[CouponTemplate]:
    """Head office stops a template: no more claims; coupons already claimed stay valid."""
    require_role(ctx.principal, Role.HQ_ADMIN)
    now, actor = ctx.now(), actor_of(ctx.principal)

    async def work(uow: UnitOfWork) -> CouponTemplate:
        template = await CouponStore(uow.conn).end_template(template_id)
        if template is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such coupon template.", ["templateId"])
        await coupon_repo.record([AuditEvent(AuditKind.TEMPLATE_ENDED, now, template.id, actor=actor)], conn=uow.conn)
        return template

    try:
        template, _ = await transactional(work)
    except DomainError as error:
        return Result.fail(error)
    ctx.loaders.coupon_template.clear(template_id)
    return Result.ok(template)
