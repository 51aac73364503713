"""memberLookup: store staff and head office find a member by phone, store card or member number.

Every look-up that reaches the database is audited (who, when, which key, whom it found), found or not.
"""

from __future__ import annotations

from ..domain.member_lookup import Lookup, LookupKey, LookupRecord, check_may_look_up, lookup_of
from ..domain.members import Identity, IdentityKind
from ..domain.order_access import actor
from ..domain.people import Member
from ..persistence.repositories import floor as floor_repo
from ..persistence.repositories import members as member_repo
from ..persistence.repositories import people as people_repo
from .context import Context
from .members import current_member


async def member_lookup(
    ctx: Context, *, phone: str | None, store_card: str | None, member_number: str | None
) -> Member | None:
    principal = ctx.principal
    check_may_look_up(principal)
    lookup = lookup_of(phone, store_card, member_number)
    member = await _find(ctx, lookup)
    location_id = None
    if principal.store_code:
        store = await ctx.loaders.location_by_code.load(principal.store_code)
        location_id = store.id if store is not None else None
    await floor_repo.record_lookup(
        LookupRecord(
            staff_id=principal.staff_id,
            actor=actor(principal),
            location_id=location_id,
            kind=lookup.kind,
            value=lookup.value,
            member_id=member.id if member else None,
            at=ctx.now(),
        )
    )
    return member


async def _find(ctx: Context, lookup: Lookup) -> Member | None:
    if lookup.kind is LookupKey.MEMBER_NUMBER:
        found = await people_repo.member_by_number(lookup.value)
    else:
        kind = IdentityKind.PHONE if lookup.kind is LookupKey.PHONE else IdentityKind.STORE_CARD
        found = await member_repo.by_identity(Identity(kind, lookup.value))
    if found is None:
        return None
    ctx.loaders.member.prime(found.id, found)
    return await current_member(ctx, found.id)  # a merged duplicate's number finds the survivor
