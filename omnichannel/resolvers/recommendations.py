"""recommendations(memberId, first): the smart guide's follow-up, from aggregates kept at payment.

One statement of indexed reads whatever the number of orders (persistence.repositories.recommendations
.signals): the member's purchases (member_purchase), their recent try-ons, the strongest partners of
their recent variants (variant_pair), the best sellers of those variants' categories (category_sales);
domain.recommendations ranks and explains.
"""

from __future__ import annotations

from ..domain.errors import DomainError, ErrorCode
from ..domain.recommendations import (
    DEFAULT_FIRST,
    MAX_FIRST,
    Recommendation,
    check_may_read,
    recommend,
)
from ..persistence.repositories import recommendations as aggregates
from .context import Context
from .members import current_member

TRY_ONS_READ = 50


async def recommendations(ctx: Context, *, member_id: int | None, first: int | None) -> list[Recommendation]:
    target = check_may_read(ctx.principal, member_id)
    size = DEFAULT_FIRST if first is None else first
    if not 0 <= size <= MAX_FIRST:
        raise DomainError(ErrorCode.INVALID_INPUT, f"first must be between 0 and {MAX_FIRST}.", ["first"])
    member = await current_member(ctx, target)
    if member is None or size == 0:
        return []
    found = await aggregates.signals(member.id, limit=size)
    ctx.loaders.variant.prime_many(found.variants.items())  # the views below read them without a query
    return recommend(
        bought=found.bought,
        tried=found.tried,
        bought_with=found.bought_with,
        best_sellers=found.best_sellers,
        now=ctx.now(),
        first=size,
    )
