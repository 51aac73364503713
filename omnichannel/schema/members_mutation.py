"""Member sign-in by phone, merging duplicates, and head office's points adjustments."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from ..resolvers import member_sign_in as sign_in_use_cases
from ..resolvers import members as use_cases
from ..resolvers import points as points_use_cases
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from .enums import IdentityKind, SalesChannel
from .errors import UserError
from .members import Member
from .relay import decode_id


@strawberry.input
class RequestSignInCodeInput:
    phone: str


@strawberry.type
class RequestSignInCodePayload:
    sent_to: str | None = strawberry.field(description="the phone the code went to, masked")
    expires_at: datetime | None
    resend_after: datetime | None = strawberry.field(description="when another code may be asked for")
    user_errors: list[UserError]


@strawberry.input(description="An identity of the channel signing in, linked to the member on success.")
class IdentityInput:
    kind: IdentityKind = strawberry.field(description="WECHAT_OPENID, WECHAT_UNIONID or STORE_CARD")
    value: str


@strawberry.input
class SignInWithCodeInput:
    phone: str
    code: str
    channel: SalesChannel | None = None
    link: list[IdentityInput] | None = None


@strawberry.type
class MemberSignInPayload:
    token: str | None = strawberry.field(description="a MEMBER token: send as 'Authorization: Bearer <token>'")
    member: Member | None
    user_errors: list[UserError]


@strawberry.input
class MergeMembersInput:
    survivor_id: strawberry.ID = strawberry.field(description="the member that remains")
    duplicate_id: strawberry.ID = strawberry.field(description="the member that is closed into the survivor")


@strawberry.type
class MergeMembersPayload:
    member: Member | None = strawberry.field(description="the survivor, with everything of both")
    moved_points: int
    moved_coupons: int
    moved_identities: int
    moved_orders: int
    user_errors: list[UserError]


@strawberry.input
class AdjustPointsInput:
    member_id: strawberry.ID
    delta: int
    reason: str


@strawberry.type
class AdjustPointsPayload:
    member: Member | None
    user_errors: list[UserError]


@strawberry.type
class MemberMutation:
    @strawberry.mutation(description="Text a one-time sign-in code to a phone (throttled).")
    async def request_sign_in_code(
        self, info: Info[Context, None], input: RequestSignInCodeInput
    ) -> RequestSignInCodePayload:
        result = await mutate(info.context, sign_in_use_cases.request_code, phone=input.phone)
        sent = result.value
        return RequestSignInCodePayload(
            sent_to=sent.sent_to if sent else None,
            expires_at=sent.expires_at if sent else None,
            resend_after=sent.resend_after if sent else None,
            user_errors=UserError.many(result.errors),
        )

    @strawberry.mutation(description="Exchange a phone's one-time code for a MEMBER token (a new phone joins).")
    async def sign_in_with_code(self, info: Info[Context, None], input: SignInWithCodeInput) -> MemberSignInPayload:
        result = await mutate(
            info.context,
            sign_in_use_cases.sign_in_with_code,
            phone=input.phone,
            code=input.code,
            links=[(item.kind, item.value) for item in input.link or []],
        )
        if result.value is None:
            return MemberSignInPayload(token=None, member=None, user_errors=UserError.many(result.errors))
        token, member = result.value
        return MemberSignInPayload(token=token, member=Member.from_domain(member), user_errors=[])

    @strawberry.mutation(description="Head office: fold a duplicate member into the survivor; the duplicate closes.")
    async def merge_members(self, info: Info[Context, None], input: MergeMembersInput) -> MergeMembersPayload:
        result = await mutate(
            info.context,
            use_cases.merge_members,
            survivor_id=decode_id(input.survivor_id, "Member"),
            duplicate_id=decode_id(input.duplicate_id, "Member"),
        )
        if result.value is None:
            return MergeMembersPayload(
                member=None,
                moved_points=0,
                moved_coupons=0,
                moved_identities=0,
                moved_orders=0,
                user_errors=UserError.many(result.errors),
            )
        member, moved = result.value
        return MergeMembersPayload(
            member=Member.from_domain(member),
            moved_points=moved.points,
            moved_coupons=moved.coupons,
            moved_identities=moved.identities,
            moved_orders=moved.orders,
            user_errors=[],
        )

    @strawberry.mutation(description="head office goodwill or correction; never below zero")
    async def adjust_points(self, info: Info[Context, None], input: AdjustPointsInput) -> AdjustPointsPayload:
        result = await mutate(
            info.context,
            points_use_cases.adjust_points,
            member_id=decode_id(input.member_id, "Member"),
            delta=input.delta,
            reason=input.reason,
        )
        member = Member.from_domain(result.value) if result.value is not None else None
        return AdjustPointsPayload(member=member, user_errors=UserError.many(result.errors))
