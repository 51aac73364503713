"""Values that are ready now or later: use cases over prefetched data answer without awaiting.

A resolver that returns `then(loaders.x.get(key), shape)` completes synchronously when the request
already loaded `key` (prefetch, an earlier batch) and returns an awaitable otherwise; GraphQL
execution handles both, and a synchronous answer costs no task, no future and no event-loop turn.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, TypeAlias, TypeVar

T = TypeVar("T")
U = TypeVar("U")

MaybeAwaitable: TypeAlias = T | Awaitable[T]


_READY = frozenset({list, tuple, dict, type(None)})


def then(value: MaybeAwaitable[T], shape: Callable[[T], U]) -> MaybeAwaitable[U]:
    """shape(value), now when the value is ready, else once it is."""
    if type(value) not in _READY and hasattr(value, "__await__"):  # coroutines and futures

        async def later() -> U:
            return shape(await value)

        return later()
    return shape(value)  # type: ignore[arg-type]


class Later(Generic[T]):
    """An awaitable that starts its work only when awaited: a value that may never be asked for
    (a field the query does not select) costs nothing and warns of nothing."""

    __slots__ = ("_start",)

    def __init__(self, start: Callable[[], MaybeAwaitable[T]]) -> None:
        self._start = start

    def __await__(self) -> Generator[Any, None, T]:
        result = self._start()
        if hasattr(result, "__await__"):
            return (yield from result.__await__())
        return result
