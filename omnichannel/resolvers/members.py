"""Members: who may see whom, a merged member resolving to its survivor, tiers, merging duplicates."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ..domain.access import Principal, Role
from ..domain.coupons import AuditEvent, AuditKind
from ..domain.errors import DomainError, ErrorCode
from ..domain.events import MemberMerged
from ..domain.loyalty import Tier
from ..domain.members import Identity, MergeSummary, check_merge
from ..domain.people import Member
from ..domain.ports import UnitOfWork
from ..persistence.repositories import members as member_repo
from .context import Context
from .mutation import requires

# Staff serve members at the counter and on the clerk pad; analysts read aggregates, not people.
MEMBER_READERS = frozenset({Role.CLERK, Role.STORE_MANAGER, Role.HQ_ADMIN, Role.SERVICE})


def actor_of(principal: Principal) -> str:
    return f"{principal.role.value if principal.role else 'ANONYMOUS'}:{principal.subject}"


async def effective_principal(principal: Principal) -> Principal:
    """A member token of a merged (closed) member acts as the survivor."""
    if principal.role is not Role.MEMBER or principal.member_id is None:
        return principal
    current = (await member_repo.survivors([principal.member_id])).get(principal.member_id)
    if current is None or current == principal.member_id:
        return principal
    return replace(principal, member_id=current)


async def current_member(ctx: Context, member_id: int) -> Member | None:
    """The member this id is now: itself, or the survivor it was merged into."""
    member: Member | None = await ctx.loaders.member.load(member_id)
    if member is None or member.merged_into_id is None:
        return member
    survivor = (await member_repo.survivors([member_id])).get(member_id)
    return await ctx.loaders.member.load(survivor) if survivor is not None else None


def may_see_member(principal: Principal, member_id: int) -> bool:
    if principal.role is Role.MEMBER:
        return principal.member_id == member_id
    return principal.role in MEMBER_READERS


async def visible_member(ctx: Context, member_id: int) -> Member | None:
    """The member (or its survivor), when the caller may see them: themselves, staff, head office, services."""
    if ctx.principal.role not in MEMBER_READERS and ctx.principal.role is not Role.MEMBER:
        return None
    member = await current_member(ctx, member_id)
    if member is None or not may_see_member(ctx.principal, member.id):
        return None
    return member


async def me(ctx: Context) -> Member | None:
    principal = ctx.principal
    if principal.role is not Role.MEMBER or principal.member_id is None:
        return None
    return await current_member(ctx, principal.member_id)


async def tier_of(ctx: Context, member: Member) -> tuple[Tier, Decimal]:
    """The member's tier now and the rolling spend behind it."""
    rules = ctx.services.loyalty
    spend = await ctx.loaders.spend.load((member.id, rules.tier_window_start(ctx.now())))
    return rules.tier_for(spend), spend


async def identities_of(ctx: Context, member: Member) -> list[Identity]:
    """Identities are personal: the member and head office see them."""
    if ctx.principal.role is Role.HQ_ADMIN or (
        ctx.principal.role is Role.MEMBER and ctx.principal.member_id == member.id
    ):
        found: list[Identity] = await ctx.loaders.identities.load(member.id)
        return found
    return []


@requires(Role.HQ_ADMIN)
async def merge_members(
    ctx: Context, uow: UnitOfWork, *, survivor_id: int, duplicate_id: int
) -> tuple[Member, MergeSummary]:
    """Head office folds a duplicate into the survivor: orders, points, coupons and identities move."""
    now = ctx.now()
    actor = actor_of(ctx.principal)

    async def change(tx: UnitOfWork) -> tuple[Member, MergeSummary]:
        locked = await tx.members.lock([survivor_id, duplicate_id])
        for member_id, field in ((survivor_id, "survivorId"), (duplicate_id, "duplicateId")):
            if member_id not in locked:
                raise DomainError(ErrorCode.NOT_FOUND, "No such member.", [field])
        survivor, duplicate = locked[survivor_id], locked[duplicate_id]
        check_merge(survivor, duplicate)
        moved = await tx.coupons.member_coupon_ids(duplicate.id)
        summary = await tx.members.merge(survivor, duplicate, now=now, actor=actor)
        await tx.coupons.audit(
            [
                AuditEvent(
                    AuditKind.MOVED_BY_MERGE,
                    now,
                    template_id=template_id,
                    coupon_id=coupon_id,
                    member_id=survivor.id,
                    detail=f"from {duplicate.member_number} to {survivor.member_number}",
                    actor=actor,
                )
                for coupon_id, template_id in moved
            ]
        )
        tx.record(MemberMerged(survivor.id, survivor.member_number, duplicate.id, duplicate.member_number, now))
        after = await tx.members.lock([survivor.id])
        return after[survivor.id], summary

    return await uow.atomic(change)
