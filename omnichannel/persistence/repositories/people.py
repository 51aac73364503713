"""Staff accounts and members."""

from __future__ import annotations

from collections.abc import Sequence

from ...domain.access import Role
from ...domain.people import Member, StaffMember
from ..db import fetch
from ..mappers import MEMBER_COLUMNS, to_member, to_staff

STAFF_COLUMNS = "id, email, name, role, location_id, active"


async def staff_with_hash(email: str) -> tuple[StaffMember, str] | None:
    """An active staff account and its password hash, for signing in."""
    rows = await fetch(f"SELECT {STAFF_COLUMNS}, password_hash FROM staff WHERE email = $1 AND active", [email])
    return (to_staff(rows[0]), rows[0]["password_hash"]) if rows else None


async def staff_by_ids(ids: Sequence[int]) -> list[StaffMember]:
    rows = await fetch(f"SELECT {STAFF_COLUMNS} FROM staff WHERE id = ANY($1::int[])", [list(ids)])
    return [to_staff(r) for r in rows]


async def staff_by_email(email: str) -> StaffMember | None:
    rows = await fetch(f"SELECT {STAFF_COLUMNS} FROM staff WHERE email = $1", [email])
    return to_staff(rows[0]) if rows else None


async def first_staff(role: Role, location_id: int | None) -> StaffMember | None:
    """The first active staff member with this role (at this location), by id."""
    rows = await fetch(
        f"SELECT {STAFF_COLUMNS} FROM staff WHERE role = $1 AND active "
        "AND location_id IS NOT DISTINCT FROM $2 ORDER BY id LIMIT 1",
        [role.value, location_id],
    )
    return to_staff(rows[0]) if rows else None


async def members_by_ids(ids: Sequence[int]) -> list[Member]:
    rows = await fetch(f"SELECT {MEMBER_COLUMNS} FROM member WHERE id = ANY($1::int[])", [list(ids)])
    return [to_member(r) for r in rows]


async def member_by_number(number: str) -> Member | None:
    rows = await fetch(f"SELECT {MEMBER_COLUMNS} FROM member WHERE member_number = $1", [number])
    return to_member(rows[0]) if rows else None
