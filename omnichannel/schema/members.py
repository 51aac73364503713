"""Members: one customer across every channel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from ..domain.money import Money as DomainMoney
from ..domain.people import Member as DomainMember
from ..resolvers import coupon_reads as coupon_use_cases
from ..resolvers import members as use_cases
from ..resolvers import points as points_use_cases
from ..resolvers import try_ons as try_on_use_cases
from ..resolvers.context import Context
from .catalog import Money
from .coupons import Coupon
from .enums import CouponStatus, IdentityKind, SalesChannel
from .floor import TryOn
from .node import register_node
from .points import PointsEntry, PointsEntryConnection, PointsEntryEdge
from .relay import Node, PageInfo, decode_cursor, encode_cursor, encode_id

if TYPE_CHECKING:
    from .orders import OrderConnection


@strawberry.type(description="A way the member is recognised: phone, WeChat id, store card.")
class MemberIdentity:
    kind: IdentityKind
    value: str


@strawberry.type(description="A customer: one member number across the app, the mini-program and the stores.")
class Member(Node):
    member_number: str
    display_name: str | None
    points_balance: int = strawberry.field(description="the sum of the member's points entries; never below 0")
    _member: strawberry.Private[DomainMember]

    @staticmethod
    def from_domain(member: DomainMember) -> Member:
        return Member(
            id=strawberry.ID(encode_id("Member", member.id)),
            member_number=member.member_number,
            display_name=member.display_name,
            points_balance=member.points_balance,
            _member=member,
        )

    @strawberry.field(description="BASIC, SILVER, GOLD, PLATINUM: by the rolling 12-month spend")
    async def tier(self, info: Info[Context, None]) -> str:
        tier, _ = await use_cases.tier_of(info.context, self._member)
        return tier.name

    @strawberry.field(description="what the member paid over the rolling 12 months (the tier's basis)")
    async def rolling_spend(self, info: Info[Context, None]) -> Money:
        _, spend = await use_cases.tier_of(info.context, self._member)
        return Money.from_domain(DomainMoney.of(spend))

    @strawberry.field(description="the member's coupons, newest first; only these statuses when given")
    async def coupons(self, info: Info[Context, None], status: list[CouponStatus] | None = None) -> list[Coupon]:
        ctx = info.context
        found = [Coupon.from_domain(c, ctx) for c in await coupon_use_cases.coupons_of(ctx, self._member.id)]
        return [c for c in found if status is None or c.status in status]

    @strawberry.field(description="the points ledger, newest first")
    async def points_history(
        self, info: Info[Context, None], first: int | None = 20, after: str | None = None
    ) -> PointsEntryConnection:
        page = await points_use_cases.history(
            info.context, member_id=self._member.id, first=first, before_id=decode_cursor(after, "points")
        )
        entries, has_next = page if page is not None else ([], False)
        edges = [
            PointsEntryEdge(cursor=encode_cursor("points", e.id), node=PointsEntry.from_domain(e)) for e in entries
        ]
        return PointsEntryConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, has_previous=after is not None),
        )

    @strawberry.field(description="phone, WeChat ids, store cards: for the member and head office")
    async def identities(self, info: Info[Context, None]) -> list[MemberIdentity]:
        found = await use_cases.identities_of(info.context, self._member)
        return [MemberIdentity(kind=i.kind, value=i.value) for i in found]

    @strawberry.field(
        description="the member's purchase history across channels, newest first (only this channel when given; "
        "store staff: the orders their store handled)"
    )
    async def orders(
        self,
        info: Info[Context, None],
        first: int | None = 20,
        after: str | None = None,
        channel: SalesChannel | None = None,
    ) -> Annotated[OrderConnection, strawberry.lazy("omnichannel.schema.orders")]:
        from ..resolvers.orders import reads as order_use_cases
        from .order_query import order_connection

        orders, has_next = await order_use_cases.orders_of_member(
            info.context, self._member.id, first=first, before_id=decode_cursor(after, "order"), channel=channel
        )
        return order_connection(orders, has_next, after is not None)

    @strawberry.field(description="what the member tried on in stores, newest first (the member and store staff)")
    async def try_ons(self, info: Info[Context, None], first: int | None = 20) -> list[TryOn]:
        return [TryOn.from_domain(t) for t in await try_on_use_cases.try_ons_of(info.context, self._member.id, first)]


async def _fetch_member(ctx: Context, pk: int) -> Member | None:
    member = await use_cases.visible_member(ctx, pk)
    return Member.from_domain(member) if member else None


register_node("Member", _fetch_member)


@strawberry.type
class MemberQuery:
    @strawberry.field(description="The signed-in member (MEMBER tokens); null for everyone else.")
    async def me(self, info: Info[Context, None]) -> Member | None:
        member = await use_cases.me(info.context)
        return Member.from_domain(member) if member else None
