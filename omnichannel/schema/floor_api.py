"""Root fields of the store floor: memberLookup, pickList, signedInStaff, recordTryOn."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from ..resolvers import member_lookup as lookup_use_cases
from ..resolvers import pick_list as pick_use_cases
from ..resolvers import recommendations as recommendation_use_cases
from ..resolvers import try_ons as try_on_use_cases
from ..resolvers import viewer
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from .enums import TryOnSource
from .errors import UserError
from .floor import PickListLine, Recommendation, TryOn
from .members import Member
from .people import Staff
from .relay import decode_id


@strawberry.input
class RecordTryOnInput:
    store_id: strawberry.ID
    member_id: strawberry.ID
    variant_ids: list[strawberry.ID] = strawberry.field(
        description="1 to 50; a variant recorded for the member in the last 10 minutes is not recorded again"
    )
    source: TryOnSource


@strawberry.type
class RecordTryOnPayload:
    try_ons: list[TryOn] = strawberry.field(description="one per distinct variant asked, new or recorded just before")
    user_errors: list[UserError]


@strawberry.type
class FloorQuery:
    @strawberry.field(
        description="store staff and head office: a member by phone, store card or member number (exactly one); "
        "every look-up is audited"
    )
    async def member_lookup(
        self,
        info: Info[Context, None],
        phone: str | None = None,
        store_card: str | None = None,
        member_number: str | None = None,
    ) -> Member | None:
        member = await lookup_use_cases.member_lookup(
            info.context, phone=phone, store_card=store_card, member_number=member_number
        )
        return Member.from_domain(member) if member else None

    @strawberry.field(
        description="what the store's paid fulfilments not yet ready need picked, grouped by variant (by SKU)"
    )
    async def pick_list(self, info: Info[Context, None], store_id: strawberry.ID) -> list[PickListLine]:
        lines = await pick_use_cases.pick_list(info.context, decode_id(store_id, "Store"))
        return [PickListLine.from_domain(line) for line in lines]

    @strawberry.field(
        description="the member's own recommendations (MEMBER), or a member's for store staff and head office: "
        "what they tried on and did not buy, what others bought with it, best sellers of their categories"
    )
    async def recommendations(
        self, info: Info[Context, None], member_id: strawberry.ID | None = None, first: int | None = 10
    ) -> list[Recommendation]:
        found = await recommendation_use_cases.recommendations(
            info.context, member_id=decode_id(member_id, "Member") if member_id else None, first=first
        )
        return [Recommendation.from_domain(r) for r in found]

    @strawberry.field(description="the signed-in member of staff (their name, role and store); null for others")
    async def signed_in_staff(self, info: Info[Context, None]) -> Staff | None:
        staff = await viewer.signed_in_staff(info.context)
        return Staff.from_domain(staff) if staff else None


@strawberry.type
class FloorMutation:
    @strawberry.mutation(
        description="Store staff record what a member tries on (RFID or scan), a batch of variants per call"
    )
    async def record_try_on(self, info: Info[Context, None], input: RecordTryOnInput) -> RecordTryOnPayload:
        result = await mutate(
            info.context,
            try_on_use_cases.record_try_on,
            location_id=decode_id(input.store_id, "Store"),
            member_id=decode_id(input.member_id, "Member"),
            variant_ids=[decode_id(v, "Variant") for v in input.variant_ids[:51]],
            source=input.source,
        )
        return RecordTryOnPayload(
            try_ons=[TryOn.from_domain(t) for t in result.value or []], user_errors=UserError.many(result.errors)
        )
