"""recommendations(memberId, first): the smart guide's follow-up, from aggregates kept at payment.

Four indexed reads whatever the number of orders: the member's purchases (member_purchase), their
recent try-ons, the strongest partners of their recent variants (variant_pair) and the best sellers
of those variants' categories (category_sales); domain.recommendations ranks and explains.
"""

from __future__ import annotations

from ..domain.catalog import Variant
from ..domain.errors import DomainError, ErrorCode
from ..domain.locations import Location
from ..domain.recommendations import (
    DEFAULT_FIRST,
    MAX_FIRST,
    SEEDS,
    Recommendation,
    Tried,
    check_may_read,
    recommend,
)
from ..domain.try_ons import TryOn
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
    bought = await aggregates.bought(member.id)
    bought_ids = {variant_id for variant_id, _ in bought}
    try_ons: list[TryOn] = await ctx.loaders.try_ons_of_member.load((member.id, TRY_ONS_READ))
    recent = sorted(
        [(t.at, t.variant_id) for t in try_ons] + [(at, variant_id) for variant_id, at in bought], reverse=True
    )
    seeds = list(dict.fromkeys(variant_id for _, variant_id in recent))[:SEEDS]
    if not seeds:
        return []
    exclude = sorted(bought_ids)
    bought_with = await aggregates.bought_with(seeds, exclude, size)
    best = await aggregates.best_sellers(seeds, exclude, size)
    stores: list[Location | None] = await ctx.loaders.location.load_many(sorted({t.location_id for t in try_ons}))
    names = {s.id: s.name for s in stores if s is not None}
    variants: list[Variant | None] = await ctx.loaders.variant.load_many(
        sorted({b.via_variant_id for b in bought_with} | {t.variant_id for t in try_ons})
    )
    titles = {v.id: v.title for v in variants if v is not None and v.active}
    tried = [Tried(t.variant_id, names.get(t.location_id, "a store"), t.at) for t in try_ons if t.variant_id in titles]
    found = recommend(
        bought=bought_ids,
        tried=tried,
        bought_with=bought_with,
        best_sellers=best,
        titles=titles,
        now=ctx.now(),
        first=size,
    )
    await ctx.loaders.variant.prefetch([r.variant_id for r in found])
    return found
