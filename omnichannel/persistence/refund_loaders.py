"""Per-request DataLoaders of refunds (exposed through persistence.loaders.Loaders)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from aiodataloader import DataLoader

from ..domain.refunds import Refund
from .repositories import refunds


class RefundsByOrder(DataLoader[int, list[Refund]]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[list[Refund]]:
        grouped: dict[int, list[Refund]] = defaultdict(list)
        for refund in await refunds.of_orders(keys):
            grouped[refund.order_id].append(refund)
        return [grouped.get(k, []) for k in keys]


class RefundById(DataLoader[int, Refund | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Refund | None]:
        index = {r.id: r for r in await refunds.by_ids(keys)}
        return [index.get(k) for k in keys]
