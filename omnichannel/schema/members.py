"""Members: one customer across every channel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from ..domain.access import Role
from ..domain.people import Member as DomainMember
from ..resolvers import members as use_cases
from ..resolvers.context import Context
from .node import register_node
from .relay import Node, decode_cursor, encode_id

if TYPE_CHECKING:
    from .orders import OrderConnection


@strawberry.type(description="A customer: one member number across the app, the mini-program and the stores.")
class Member(Node):
    member_number: str
    display_name: str | None
    _member: strawberry.Private[DomainMember]

    @staticmethod
    def from_domain(member: DomainMember) -> Member:
        return Member(
            id=strawberry.ID(encode_id("Member", member.id)),
            member_number=member.member_number,
            display_name=member.display_name,
            _member=member,
        )

    @strawberry.field(description="the member's orders, newest first (store staff: those their store handled)")
    async def orders(
        self, info: Info[Context, None], first: int | None = 20, after: str | None = None
    ) -> Annotated[OrderConnection, strawberry.lazy("omnichannel.schema.orders")]:
        from ..resolvers import orders as order_use_cases
        from .order_query import order_connection

        orders, has_next = await order_use_cases.orders_of_member(
            info.context, self._member.id, first=first, before_id=decode_cursor(after, "order")
        )
        return order_connection(orders, has_next, after is not None)


async def _fetch_member(ctx: Context, pk: int) -> Member | None:
    member = await use_cases.visible_member(ctx, pk)
    return Member.from_domain(member) if member else None


register_node("Member", _fetch_member)


@strawberry.type
class MemberQuery:
    @strawberry.field(description="The signed-in member (MEMBER tokens); null for everyone else.")
    async def me(self, info: Info[Context, None]) -> Member | None:
        principal = info.context.principal
        if principal.role is not Role.MEMBER or principal.member_id is None:
            return None
        member = await info.context.loaders.member.load(principal.member_id)
        return Member.from_domain(member) if member else None
