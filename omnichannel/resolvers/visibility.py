"""Who sees what of the catalogue: products head office took off sale are for staff eyes only."""

from __future__ import annotations

from ..domain.access import Role
from .context import Context

MEMBER_FACING = frozenset({None, Role.MEMBER})


def sees_inactive(ctx: Context) -> bool:
    """Staff (head office included) and the ERP see inactive products; members and anonymous callers do not."""
    return ctx.principal.role not in MEMBER_FACING
