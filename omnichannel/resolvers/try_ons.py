"""recordTryOn and Member.tryOns: the smart guide's try-on records.

recordTryOn locks the member's row, so two readers reporting the same garment at once still record
it once (domain.try_ons: one try-on per member and variant within ten minutes).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..domain.errors import DomainError, ErrorCode
from ..domain.locations import Location
from ..domain.ports import UnitOfWork
from ..domain.try_ons import (
    MAX_VARIANTS_PER_CALL,
    TRY_ON_WINDOW,
    TryOn,
    TryOnSource,
    check_may_record,
    distinct,
    may_read,
    to_record,
)
from .catalog import check_page_size
from .context import Context


async def record_try_on(
    ctx: Context,
    uow: UnitOfWork,
    *,
    location_id: int,
    member_id: int,
    variant_ids: Sequence[int],
    source: TryOnSource,
) -> list[TryOn]:
    location: Location | None = await uow.locations.get(location_id)
    check_may_record(ctx.principal, location.code if location else None)
    if not 1 <= len(variant_ids) <= MAX_VARIANTS_PER_CALL:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Give 1 to {MAX_VARIANTS_PER_CALL} variants.", ["variantIds"])
    member = await uow.members.current(member_id)
    if member is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such member.", ["memberId"])
    known = await uow.catalog.variants(list(variant_ids))
    for index, variant_id in enumerate(variant_ids):
        if variant_id not in known:
            raise DomainError(ErrorCode.NOT_FOUND, "No such variant.", ["variantIds", str(index)])
    wanted = distinct(variant_ids)
    now = ctx.now()

    async def record(tx: UnitOfWork) -> list[TryOn]:
        await tx.members.lock([member.id])  # one member's records queue here
        new = to_record(wanted, await tx.try_ons.last_seen(member.id, wanted, now - TRY_ON_WINDOW), now)
        await tx.try_ons.add(member.id, location_id, new, source, ctx.principal.staff_id, now)
        latest = {t.variant_id: t for t in await tx.try_ons.latest(member.id, wanted)}
        return [latest[v] for v in wanted]

    return await uow.atomic(record)


async def try_ons_of(ctx: Context, member_id: int, first: int | None) -> list[TryOn]:
    """Newest first: the member, store staff and head office; nobody else sees any."""
    if not may_read(ctx.principal, member_id):
        return []
    size = check_page_size(first, default=20)
    found: list[TryOn] = await ctx.loaders.try_ons_of_member.load((member_id, size))
    for try_on in found:
        ctx.loaders.try_on.prime(try_on.id, try_on)
    return found


async def visible_try_on(ctx: Context, try_on_id: int) -> TryOn | None:
    try_on: TryOn | None = await ctx.loaders.try_on.load(try_on_id)
    if try_on is None or not may_read(ctx.principal, try_on.member_id):
        return None
    return try_on
