"""Per-request DataLoaders of transfers (exposed through persistence.loaders.Loaders)."""

from __future__ import annotations

from collections.abc import Sequence

from aiodataloader import DataLoader

from .repositories import transfers


class AwaitedByOrder(DataLoader[str, frozenset[int]]):
    """Order number -> the locations a transfer it asked for is still on its way to (PICKUP by transfer)."""

    async def batch_load_fn(self, keys: Sequence[str]) -> list[frozenset[int]]:
        found = await transfers.awaited_by(keys)
        return [found.get(k, frozenset()) for k in keys]
