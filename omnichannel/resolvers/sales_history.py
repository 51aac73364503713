"""Sales kept per level as they happen, and what reads them: slowMovers and transferProposals.

`count_sales` is an in-transaction handler (resolvers/in_transaction.py) on FulfillmentAdvanced: a
pickup handed over or a parcel shipped adds its lines to sales_day in the same transaction, so a
sale counts as soon as the step commits. The reads use that aggregate and the stock levels only,
never a scan of the orders (domain.sales_history has the rules).
"""

from __future__ import annotations

from collections import defaultdict

from ..domain import sales_history as rules
from ..domain.access import Role, require_signed_in
from ..domain.errors import AccessDenied, DomainError, ErrorCode
from ..domain.events import FulfillmentAdvanced
from ..domain.locations import Location, LocationKind
from ..domain.ports import UnitOfWork
from ..domain.sales_history import LevelSales, Proposal
from ..persistence.repositories import locations as location_repo
from ..persistence.repositories import sales_history as sales_repo
from .catalog import check_page_size
from .context import Context

PROPOSAL_SOURCES = 1000  # slow levels a proposal search starts from (the slowest first)
PROPOSAL_BATCH = 100  # of those, how many one read of the destinations' sales covers


async def count_sales(uow: UnitOfWork, event: FulfillmentAdvanced) -> None:
    sold = rules.sales_of(event)
    if sold:
        await uow.sales.add(sold)


async def _scope(ctx: Context, location_id: int | None) -> int | None:
    """The store whose figures the caller may read: store managers their own, head office and analysts
    any (None: every store)."""
    principal = ctx.principal
    require_signed_in(principal)
    if principal.role in (Role.HQ_ADMIN, Role.ANALYST):
        if location_id is not None and await ctx.loaders.location.load(location_id) is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such store or warehouse.", ["storeId"])
        return location_id
    if principal.role is not Role.STORE_MANAGER or principal.store_code is None:
        raise AccessDenied()
    own = await ctx.loaders.location_by_code.load(principal.store_code)
    if own is None or (location_id is not None and location_id != own.id):
        raise AccessDenied()
    return int(own.id)


async def slow_movers(
    ctx: Context,
    *,
    location_id: int | None,
    window_days: int | None,
    min_days_of_cover: float | None,
    first: int | None,
) -> list[LevelSales]:
    scope = await _scope(ctx, location_id)
    window, cover = rules.check_window(window_days, min_days_of_cover)
    size = check_page_size(first)
    return await sales_repo.slow_levels(
        scope,
        since=rules.window_start(ctx.now(), window),
        window_days=window,
        min_days_of_cover=cover,
        limit=size,
    )


async def transfer_proposals(ctx: Context, *, location_id: int | None, first: int | None) -> list[Proposal]:
    scope = await _scope(ctx, location_id)
    size = check_page_size(first)
    if size == 0:
        return []
    window = rules.PROPOSAL_WINDOW_DAYS
    since = rules.window_start(ctx.now(), window)
    sources = await sales_repo.slow_levels(
        scope,
        since=since,
        window_days=window,
        min_days_of_cover=rules.DEFAULT_MIN_DAYS_OF_COVER,
        limit=PROPOSAL_SOURCES,
    )
    if not sources:
        return []
    radius = (await ctx.uow().routing.rules()).search_radius_km
    places = {place.id: place for place in await location_repo.all_active()}
    for place in places.values():
        ctx.loaders.location.prime(place.id, place)
    stores = [place for place in places.values() if place.kind is LocationKind.STORE]
    codes = {place.id: place.code for place in places.values()}
    near: dict[int, list[tuple[Location, float]]] = {}

    def nearby(source_id: int) -> list[tuple[Location, float]]:
        """The stores within the search radius of a source (computed once per source location)."""
        if source_id not in near:
            origin = places.get(source_id)
            near[source_id] = (
                []
                if origin is None
                else [(s, d) for s in stores if s.id != source_id and (d := s.distance_to(origin.point)) <= radius]
            )
        return near[source_id]

    made: list[Proposal] = []
    # Slowest first, a batch at a time: the destinations' sales are read only for the sources a page
    # needs (most pages are full after the first batch; the 1,000 at once made the p99).
    for start in range(0, len(sources), PROPOSAL_BATCH):
        batch = sources[start : start + PROPOSAL_BATCH]
        candidates = sorted({store.id for level in batch for store, _ in nearby(level.location_id)})
        sold = await sales_repo.sold_at(
            sorted({level.variant_id for level in batch}), candidates, since=since, window_days=window
        )
        by_variant: dict[int, dict[int, LevelSales]] = defaultdict(dict)
        for level in sold:
            by_variant[level.variant_id][level.location_id] = level
        for source in batch:
            selling = by_variant.get(source.variant_id, {})
            destinations = [(selling[s.id], d) for s, d in nearby(source.location_id) if s.id in selling]
            made.extend(rules.propose(source, destinations, codes))
            if len(made) >= size:
                return made[:size]
    return made
