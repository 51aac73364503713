"""Per-request DataLoaders of the store floor: try-ons, credit splits (exposed through persistence.loaders.Loaders)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from aiodataloader import DataLoader

from ..domain.credit import SalesCredit
from ..domain.try_ons import TryOn
from .repositories import credit, floor

# (member id, how many): one query per distinct page size for any number of members
TryOnsKey = tuple[int, int]


class TryOnsOfMember(DataLoader[TryOnsKey, list[TryOn]]):
    async def batch_load_fn(self, keys: Sequence[TryOnsKey]) -> list[list[TryOn]]:
        by_limit: dict[int, list[int]] = defaultdict(list)
        for member_id, limit in keys:
            by_limit[limit].append(member_id)
        found: dict[TryOnsKey, list[TryOn]] = defaultdict(list)
        for limit, member_ids in by_limit.items():
            for try_on in await floor.try_ons_of_members(member_ids, limit):
                found[(try_on.member_id, limit)].append(try_on)
        return [found.get(key, []) for key in keys]


class TryOnById(DataLoader[int, TryOn | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[TryOn | None]:
        index = {t.id: t for t in await floor.try_ons_by_ids(keys)}
        return [index.get(k) for k in keys]


class PaidCreditByOrder(DataLoader[int, list[SalesCredit]]):
    """The credit split recorded at payment (empty for an order not paid yet)."""

    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[SalesCredit]]:
        grouped: dict[int, list[SalesCredit]] = defaultdict(list)
        for order_id, credit_ in await credit.paid_splits(keys):
            grouped[order_id].append(credit_)
        return [grouped.get(k, []) for k in keys]
