"""Root fields of commission: rules (head office), entries and the per-clerk summary."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from ..resolvers import commission_reads as read_use_cases
from ..resolvers import commission_rules as rule_use_cases
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from ..resolvers.results import Result
from .commission import (
    CommissionEntry,
    CommissionEntryConnection,
    CommissionEntryEdge,
    CommissionRule,
    CommissionRulePayload,
    CommissionSummaryRow,
    CreateCommissionRuleInput,
    EndCommissionRuleInput,
)
from .errors import UserError
from .relay import PageInfo, decode_cursor, decode_id, encode_cursor


def _payload(result: Result) -> CommissionRulePayload:  # type: ignore[type-arg]
    rule = CommissionRule.from_domain(result.value) if result.value is not None else None
    return CommissionRulePayload(rule=rule, user_errors=UserError.many(result.errors))


@strawberry.type
class CommissionQuery:
    @strawberry.field(description="every commission rule, oldest first (head office)")
    async def commission_rules(self, info: Info[Context, None]) -> list[CommissionRule]:
        return [CommissionRule.from_domain(r) for r in await rule_use_cases.rules(info.context)]

    @strawberry.field(description="clerks see their own entries, managers their store's, head office all; newest first")
    async def commission_entries(
        self,
        info: Info[Context, None],
        staff_id: strawberry.ID | None = None,
        store_id: strawberry.ID | None = None,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> CommissionEntryConnection:
        found, has_next = await read_use_cases.entries(
            info.context,
            staff_id=decode_id(staff_id, "Staff") if staff_id else None,
            location_id=decode_id(store_id, "Store") if store_id else None,
            start=from_,
            end=to,
            first=first,
            before_id=decode_cursor(after, "commission"),
        )
        edges = [
            CommissionEntryEdge(cursor=encode_cursor("commission", e.id), node=CommissionEntry.from_domain(e))
            for e in found
        ]
        return CommissionEntryConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, has_previous=after is not None),
        )

    @strawberry.field(description="per clerk over [from, to): orders paid, net sales and net commission")
    async def commission_summary(
        self,
        info: Info[Context, None],
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        store_id: strawberry.ID | None = None,
    ) -> list[CommissionSummaryRow]:
        rows = await read_use_cases.summary(
            info.context, location_id=decode_id(store_id, "Store") if store_id else None, start=from_, end=to
        )
        return [CommissionSummaryRow.from_domain(r) for r in rows]


@strawberry.type
class CommissionMutation:
    @strawberry.mutation(description="Head office creates a commission rule (rules are ended, never edited).")
    async def create_commission_rule(
        self, info: Info[Context, None], input: CreateCommissionRuleInput
    ) -> CommissionRulePayload:
        result = await mutate(
            info.context,
            rule_use_cases.create_rule,
            name=input.name,
            rate_percent=input.rate_percent,
            channels=input.channels or [],
            category_ids=[decode_id(c, "Category") for c in (input.category_ids or [])[:101]],
            valid_from=input.valid_from,
            valid_until=input.valid_until,
        )
        return _payload(result)

    @strawberry.mutation(description="Head office ends a rule now; entries already written keep it.")
    async def end_commission_rule(
        self, info: Info[Context, None], input: EndCommissionRuleInput
    ) -> CommissionRulePayload:
        rule_id = decode_id(input.rule_id, "CommissionRule")
        return _payload(await mutate(info.context, rule_use_cases.end_rule, rule_id=rule_id))
