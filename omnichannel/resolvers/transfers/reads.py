"""transfers(storeId, status, first, after) and Transfer nodes: staff of either location, head office, analysts."""

from __future__ import annotations

from collections.abc import Sequence

from ...domain import transfers
from ...domain.access import Role, require_signed_in
from ...domain.errors import AccessDenied, DomainError, ErrorCode
from ...domain.transfers import Transfer, TransferStatus
from ...persistence.repositories import transfers as transfer_repo
from ..catalog import check_page_size
from ..context import Context


async def transfers_page(
    ctx: Context,
    *,
    location_id: int | None,
    statuses: Sequence[TransferStatus] | None,
    first: int | None,
    after_id: int | None,
) -> tuple[list[Transfer], bool]:
    """Newest first, into or out of the location; without one: the caller's own store (head office and
    analysts: every transfer)."""
    require_signed_in(ctx.principal)
    size = check_page_size(first)
    if location_id is None and ctx.principal.role not in (Role.HQ_ADMIN, Role.ANALYST):
        if ctx.principal.store_code is None:
            raise AccessDenied()
        own = await ctx.loaders.location_by_code.load(ctx.principal.store_code)
        if own is None:
            raise AccessDenied()
        location_id = own.id
    if location_id is not None:
        location = await ctx.loaders.location.load(location_id)
        if location is None:
            if ctx.principal.role in (Role.HQ_ADMIN, Role.ANALYST):
                raise DomainError(ErrorCode.NOT_FOUND, "No such store or warehouse.", ["storeId"])
            raise AccessDenied()
        if not transfers.may_read(ctx.principal, [location]):
            raise AccessDenied()
    found = await transfer_repo.page(
        location_id=location_id,
        statuses=list(dict.fromkeys(statuses)) if statuses else None,
        after_id=after_id,
        limit=size + 1,
    )
    return found[:size], len(found) > size


async def transfer_node(ctx: Context, transfer_id: int) -> Transfer | None:
    """A transfer for node(id:): None for callers who may not see it (as for one that does not exist)."""
    if ctx.principal.is_anonymous:
        return None
    found = (await transfer_repo.by_ids([transfer_id])).get(transfer_id)
    if found is None:
        return None
    places = await ctx.loaders.location.load_many(list(found.location_ids))
    if not transfers.may_read(ctx.principal, [p for p in places if p is not None]):
        return None
    return found
