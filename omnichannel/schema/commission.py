"""Commission: rules (head office), entries (clerks their own, managers their store's) and the summary."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.types import Info

from ..domain import commission as domain
from ..domain.money import Money as DomainMoney
from ..resolvers import commission_rules as rule_use_cases
from ..resolvers.context import Context
from .catalog import Money
from .categories import Category
from .enums import CommissionEntryKind, SalesChannel
from .errors import UserError
from .node import register_node
from .orders import Order
from .people import Staff
from .references import referenced
from .relay import Node, PageInfo, encode_id


@strawberry.type(description="Head office's commission rule: a percentage of what was paid, by channel and category.")
class CommissionRule(Node):
    name: str
    rate_percent: Decimal = strawberry.field(description="percent of the order's paid total")
    channels: list[SalesChannel] = strawberry.field(description="empty: every channel")
    valid_from: datetime | None
    valid_until: datetime | None
    _rule: strawberry.Private[domain.CommissionRule]

    @staticmethod
    def from_domain(rule: domain.CommissionRule) -> CommissionRule:
        return CommissionRule(
            id=strawberry.ID(encode_id("CommissionRule", rule.id)),
            name=rule.name,
            rate_percent=rule.rate_percent,
            channels=sorted(rule.channels),
            valid_from=rule.valid_from,
            valid_until=rule.valid_until,
            _rule=rule,
        )

    @strawberry.field(
        description="empty: every category; a category covers the categories under it in the tree, and a "
        "product counts in every category it is listed in"
    )
    async def categories(self, info: Info[Context, None]) -> list[Category]:
        return [Category.from_domain(c) for c in await rule_use_cases.categories_of(info.context, self._rule)]

    @strawberry.field(description="in force now: within its window and not ended")
    def active(self, info: Info[Context, None]) -> bool:
        return self._rule.active_at(info.context.now())

    @strawberry.field(description="when head office ended it (null while it runs)")
    def ended_at(self) -> datetime | None:
        return self._rule.ended_at


@strawberry.type(description="Commission a clerk earned on an order when it was paid, or gave back on a refund.")
class CommissionEntry(Node):
    kind: CommissionEntryKind
    amount: Money = strawberry.field(description="negative for REVERSED")
    sales: Money = strawberry.field(description="what was paid (negative: what was given back)")
    at: datetime
    _entry: strawberry.Private[domain.Entry]

    @staticmethod
    def from_domain(entry: domain.Entry) -> CommissionEntry:
        return CommissionEntry(
            id=strawberry.ID(encode_id("CommissionEntry", entry.id)),
            kind=entry.kind,
            amount=Money.from_domain(DomainMoney.of(entry.amount)),
            sales=Money.from_domain(DomainMoney.of(entry.sales)),
            at=entry.at,
            _entry=entry,
        )

    @strawberry.field
    async def staff(self, info: Info[Context, None]) -> Staff:
        return Staff.from_domain(
            referenced(await info.context.loaders.staff.load(self._entry.staff_id), "staff", self._entry.staff_id)
        )

    @strawberry.field
    async def order(self, info: Info[Context, None]) -> Order:
        return Order.from_domain(
            referenced(await info.context.loaders.order.load(self._entry.order_id), "order", self._entry.order_id)
        )

    @strawberry.field(description="the rule that earned most of it (null when no rule matched)")
    async def rule(self, info: Info[Context, None]) -> CommissionRule | None:
        if self._entry.rule_id is None:
            return None
        rules = await rule_use_cases.rules_by_ids(info.context, [self._entry.rule_id])
        rule = rules.get(self._entry.rule_id)
        return CommissionRule.from_domain(rule) if rule else None


@strawberry.type
class CommissionEntryEdge:
    cursor: str
    node: CommissionEntry


@strawberry.type
class CommissionEntryConnection:
    edges: list[CommissionEntryEdge]
    page_info: PageInfo


@strawberry.type(description="One clerk's figures over a period: orders paid, net sales, net commission.")
class CommissionSummaryRow:
    orders: int
    sales: Money
    commission: Money
    _row: strawberry.Private[domain.SummaryRow]

    @staticmethod
    def from_domain(row: domain.SummaryRow) -> CommissionSummaryRow:
        return CommissionSummaryRow(
            orders=row.orders,
            sales=Money.from_domain(DomainMoney.of(row.sales)),
            commission=Money.from_domain(DomainMoney.of(row.commission)),
            _row=row,
        )

    @strawberry.field
    async def staff(self, info: Info[Context, None]) -> Staff:
        return Staff.from_domain(
            referenced(await info.context.loaders.staff.load(self._row.staff_id), "staff", self._row.staff_id)
        )


@strawberry.input
class CreateCommissionRuleInput:
    name: str
    rate_percent: Decimal
    channels: list[SalesChannel] | None = None
    category_ids: list[strawberry.ID] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@strawberry.input
class EndCommissionRuleInput:
    rule_id: strawberry.ID


@strawberry.type
class CommissionRulePayload:
    rule: CommissionRule | None
    user_errors: list[UserError]


async def _fetch_rule(ctx: Context, pk: int) -> CommissionRule | None:
    rule = await rule_use_cases.visible_rule(ctx, pk)
    return CommissionRule.from_domain(rule) if rule else None


register_node("CommissionRule", _fetch_rule)
