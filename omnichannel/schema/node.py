"""node(id:): resolving any global ID to its object. Areas register their Node types here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ..resolvers.context import Context
from .relay import split_id

NodeFetcher = Callable[[Context, int], Awaitable[Any]]
_FETCHERS: dict[str, NodeFetcher] = {}


def register_node(type_name: str, fetch: NodeFetcher) -> None:
    """fetch(ctx, pk) returns the strawberry object, or None when absent or not visible to the caller."""
    _FETCHERS[type_name] = fetch


async def resolve_node(ctx: Context, global_id: str) -> Any:
    type_name, pk = split_id(global_id)
    fetch = _FETCHERS.get(type_name)
    if fetch is None:
        return None
    return await fetch(ctx, pk)
