"""Reading coupons: what is on offer, a member's coupons, who may see a code, the audit trail."""

from __future__ import annotations

from collections.abc import Sequence

from ..domain.access import Role, require_role
from ..domain.coupons import AuditEvent, AuditKind, Coupon, CouponTemplate
from ..persistence.repositories import coupons as coupon_repo
from .catalog import check_page_size
from .context import Context


async def templates_page(
    ctx: Context, *, first: int | None, after_id: int | None, include_closed: bool
) -> tuple[list[CouponTemplate], bool]:
    """Coupons on offer (everyone); head office may also list closed and exhausted ones."""
    if include_closed:
        require_role(ctx.principal, Role.HQ_ADMIN)
    size = check_page_size(first)
    rows = await coupon_repo.templates_page(
        after_id=after_id, limit=size + 1, claimable_at=None if include_closed else ctx.now()
    )
    for template in rows[:size]:
        ctx.loaders.coupon_template.prime(template.id, template)
    return rows[:size], len(rows) > size


async def audit(
    ctx: Context,
    *,
    first: int | None,
    before_id: int | None,
    template_id: int | None,
    coupon_id: int | None,
    member_id: int | None,
    kinds: Sequence[AuditKind] | None,
) -> tuple[list[AuditEvent], bool]:
    """The audit trail of claims, uses, returns and refusals: head office, and analysts (read only)."""
    require_role(ctx.principal, Role.HQ_ADMIN, Role.ANALYST)
    size = check_page_size(first)
    rows = await coupon_repo.audit_page(
        before_id=before_id,
        limit=size + 1,
        template_id=template_id,
        coupon_id=coupon_id,
        member_id=member_id,
        kinds=kinds,
    )
    return rows[:size], len(rows) > size


async def coupons_of(ctx: Context, member_id: int) -> list[Coupon]:
    found: list[Coupon] = await ctx.loaders.coupons_of_member.load(member_id)
    return found


def may_see_code(ctx: Context, coupon: Coupon) -> bool:
    """A code is the coupon: only its member and head office see it in full."""
    principal = ctx.principal
    return principal.role is Role.HQ_ADMIN or (
        principal.role is Role.MEMBER and principal.member_id == coupon.member_id
    )


async def visible_coupon(ctx: Context, coupon_id: int) -> Coupon | None:
    """node(id): the coupon's member and head office."""
    coupon: Coupon | None = await ctx.loaders.coupon.load(coupon_id)
    if coupon is None or not may_see_code(ctx, coupon):
        return None
    return coupon
