"""Values that are ready now or later: use cases over prefetched data answer without awaiting.

A resolver that returns `then(loaders.x.get(key), shape)` completes synchronously when the request
already loaded `key` (prefetch, an earlier batch) and returns an awaitable otherwise; GraphQL
execution handles both, and a synchronous answer costs no task, no future and no event-loop turn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
U = TypeVar("U")

MaybeAwaitable = T | Awaitable[T]


_READY = frozenset({list, tuple, dict, type(None)})


def then(value: MaybeAwaitable[T], shape: Callable[[T], U]) -> MaybeAwaitable[U]:
    """shape(value), now when the value is ready, else once it is."""
    if type(value) not in _READY and hasattr(value, "__await__"):  # coroutines and futures

        async def later() -> U:
            return shape(await value)

        return later()
    return shape(value)  # type: ignore[arg-type]
