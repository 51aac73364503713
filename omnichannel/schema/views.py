"""The one place schema types bend for the speed of a catalogue page (about 3,000 fields).

Schema types are otherwise plain strawberry dataclasses. Three shims serve the views a page builds
by the thousand; each is defined here and used only through these names (a test in
`tests/schema/test_views.py` finds any other `object.__new__`, `__getattr__` or attribute of type
`X | Awaitable[X]` in `omnichannel/schema` and fails):

- `bulk_view` / `NEW_VIEW`: a view filled without the dataclass `__init__` (its keyword handling costs
  about half a microsecond a view); the caller passes every field `__init__` would store, and the
  tests compare the two. `NEW_VIEW` is `object.__new__`, for a loop that inlines `bulk_view`.
- `ReadThrough`: fields read from the view's private domain object only when a query asks for them
  (a stock view holds three entries instead of six), through `__getattr__`.
- `Eventually[T]`: a plain attribute field that holds its value, or an awaitable of it until the row
  it needs is loaded. graphql-core and the fast executor (`execution.py`) both await an awaitable
  attribute; a resolver method would cost a call per view and lose the fast executor's reuse of an
  object's completed fields (a page names the same few stores hundreds of times).

Both executors run these views (`OMNICHANNEL_FAST_EXECUTOR=0` too), so none of them depends on it.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, ClassVar, TypeAlias, TypeVar

T = TypeVar("T")

NEW_VIEW = object.__new__

Eventually: TypeAlias = T | Awaitable[T]


def bulk_view(cls: type[T], fields: dict[str, Any]) -> T:
    """cls(**fields), without the dataclass __init__ (strawberry types define no __post_init__)."""
    view = NEW_VIEW(cls)
    view.__dict__ = fields
    return view


class ReadThrough:
    """A view whose fields named in `_read_through` come from its private domain object (the
    attribute `_source` names) when the view was built without them."""

    _read_through: ClassVar[frozenset[str]] = frozenset()
    _source: ClassVar[str] = ""

    def __getattr__(self, name: str) -> Any:
        if name in self._read_through:
            return getattr(self.__dict__[self._source], name)
        raise AttributeError(name)


__all__ = ["NEW_VIEW", "Eventually", "ReadThrough", "bulk_view"]
