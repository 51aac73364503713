"""Where a unit of work's repositories run their statements, and what the request has read already.

`conn` is the open transaction's connection while `TortoiseUnitOfWork.atomic` runs, else None: each
statement then runs on its own pooled connection (the reads a use case makes before deciding, the
one-statement placement). `loaders` are the request's DataLoaders: reads outside a transaction go
through them, so the GraphQL payload reuses what the use case read. Writes name the loader entries
they make stale; those are forgotten when the transaction ends (at once outside a transaction), so
the payload and later reads of the request see the change.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

from tortoise.backends.base.client import BaseDBAsyncClient

if TYPE_CHECKING:
    from .loaders import Loaders


class Session:
    __slots__ = ("_stale", "conn", "loaders")

    def __init__(self, loaders: Loaders) -> None:
        self.conn: BaseDBAsyncClient | None = None
        self.loaders = loaders
        self._stale: list[tuple[str, Hashable]] = []

    @property
    def in_transaction(self) -> bool:
        return self.conn is not None

    def stale(self, loader: str, key: Hashable) -> None:
        """A write changed what `loaders.<loader>` holds for key."""
        self._stale.append((loader, key))
        if self.conn is None:
            self.forget_stale()

    def forget_stale(self) -> None:
        for loader, key in self._stale:
            getattr(self.loaders, loader).clear(key)
        self._stale.clear()
