"""Staff accounts and signing in."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from ..domain.access import STAFF_ROLES, Role
from ..domain.people import StaffMember
from ..resolvers import auth as use_cases
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from .errors import UserError
from .locations import Store
from .node import register_node
from .relay import Node, encode_id


@strawberry.type(description="A member of staff: clerk, store manager, head office or analyst.")
class Staff(Node):
    name: str
    role: str
    _staff: strawberry.Private[StaffMember]

    @staticmethod
    def from_domain(staff: StaffMember) -> Staff:
        return Staff(
            id=strawberry.ID(encode_id("Staff", staff.id)), name=staff.name, role=staff.role.value, _staff=staff
        )

    @strawberry.field
    async def store(self, info: Info[Context, None]) -> Store | None:
        if self._staff.location_id is None:
            return None
        location = await info.context.loaders.location.load(self._staff.location_id)
        return Store.from_domain(location) if location else None


async def _fetch_staff(ctx: Context, pk: int) -> Staff | None:
    if not (ctx.principal.role in STAFF_ROLES or ctx.principal.role is Role.SERVICE):
        return None  # staff records are not public
    staff = await ctx.loaders.staff.load(pk)
    return Staff.from_domain(staff) if staff else None


register_node("Staff", _fetch_staff)


@strawberry.input
class SignInInput:
    email: str
    password: str


@strawberry.type
class SignInPayload:
    token: str | None = strawberry.field(description="send as 'Authorization: Bearer <token>'")
    staff: Staff | None
    user_errors: list[UserError]


async def sign_in(info: Info[Context, None], input: SignInInput) -> SignInPayload:
    result = await mutate(info.context, use_cases.sign_in, email=input.email, password=input.password)
    if result.value is None:
        return SignInPayload(token=None, staff=None, user_errors=UserError.many(result.errors))
    token, staff = result.value
    return SignInPayload(token=token, staff=Staff.from_domain(staff), user_errors=[])
