"""signedInStaff: who the bearer token belongs to, for staff front ends (the clerk pad's kiosk mode)."""

from __future__ import annotations

from ..domain.people import StaffMember
from .context import Context


async def signed_in_staff(ctx: Context) -> StaffMember | None:
    """The caller's own staff record; None for members, services and anonymous callers."""
    if ctx.principal.staff_id is None:
        return None
    staff: StaffMember | None = await ctx.loaders.staff.load(ctx.principal.staff_id)
    return staff if staff is not None and staff.active else None
