"""Members: who may see whom."""

from __future__ import annotations

from ..domain.access import Role
from ..domain.people import Member
from .context import Context

# Staff serve members at the counter and on the clerk pad; analysts read aggregates, not people.
MEMBER_READERS = frozenset({Role.CLERK, Role.STORE_MANAGER, Role.HQ_ADMIN, Role.SERVICE})


async def visible_member(ctx: Context, member_id: int) -> Member | None:
    """The member, when the caller may see them: themselves, store staff, head office, services."""
    principal = ctx.principal
    if principal.role is Role.MEMBER:
        if principal.member_id != member_id:
            return None
    elif principal.role not in MEMBER_READERS:
        return None
    member: Member | None = await ctx.loaders.member.load(member_id)
    return member
