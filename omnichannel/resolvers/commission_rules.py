"""createCommissionRule, endCommissionRule, commissionRules: head office manages the rules.

Rules are never edited: a changed rule is a new rule and the old one ended, so the entries written
under a rule keep meaning what they said.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from ..domain.access import Role
from ..domain.catalog import Category, SalesChannel
from ..domain.commission import CommissionRule, check_may_manage_rules, new_rule
from ..domain.errors import DomainError, ErrorCode
from ..domain.order_access import actor
from ..domain.ports import UnitOfWork
from ..persistence.repositories import commission as repo
from .context import Context


async def create_rule(
    ctx: Context,
    uow: UnitOfWork,
    *,
    name: str,
    rate_percent: Decimal,
    channels: Sequence[SalesChannel],
    category_ids: Sequence[int],
    valid_from: datetime | None,
    valid_until: datetime | None,
) -> CommissionRule:
    check_may_manage_rules(ctx.principal)
    rule = new_rule(
        name=name,
        rate_percent=rate_percent,
        channels=channels,
        category_ids=category_ids,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    missing = await uow.commission_rules.missing_categories(rule.category_ids)
    if missing:
        index = list(category_ids).index(missing[0])
        raise DomainError(ErrorCode.NOT_FOUND, "No such category.", ["categoryIds", str(index)])
    return await uow.commission_rules.create(rule, actor=actor(ctx.principal), now=ctx.now())


async def end_rule(ctx: Context, uow: UnitOfWork, *, rule_id: int) -> CommissionRule:
    check_may_manage_rules(ctx.principal)
    rule = await uow.commission_rules.end(rule_id, ctx.now())
    if rule is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such commission rule.", ["ruleId"])
    return rule


async def rules(ctx: Context) -> list[CommissionRule]:
    check_may_manage_rules(ctx.principal)
    return await repo.rules()


async def rules_by_ids(ctx: Context, ids: Sequence[int]) -> dict[int, CommissionRule]:
    """The rules entries name (entries are visible to clerks: the rule's name and rate come with them)."""
    key = ("commission-rules", tuple(sorted(set(ids))))
    found = ctx.memo.get(key)
    if found is None:
        found = ctx.memo[key] = {r.id: r for r in await repo.rules_by_ids(sorted(set(ids)))}
    return dict(found)


async def visible_rule(ctx: Context, rule_id: int) -> CommissionRule | None:
    """node(id:) of a rule: head office only."""
    if ctx.principal.role is not Role.HQ_ADMIN:
        return None
    return (await rules_by_ids(ctx, [rule_id])).get(rule_id)


async def categories_of(ctx: Context, rule: CommissionRule) -> list[Category]:
    """The categories a rule is limited to (batched across rules: the request's category loader)."""
    found: list[Category | None] = await ctx.loaders.category.load_many(sorted(rule.category_ids))
    return [c for c in found if c is not None]
