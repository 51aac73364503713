"""Building GraphQL views in bulk.

A strawberry type is a dataclass; its keyword `__init__` costs about half a microsecond more than
filling the instance directly. Types built by the thousand per page (stock levels) use `bulk_view`;
the caller passes every field, exactly as `__init__` would store them (tests compare the two).
"""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")

_new = object.__new__


def bulk_view(cls: type[T], fields: dict[str, Any]) -> T:
    """cls(**fields), without the dataclass __init__ (strawberry types define no __post_init__)."""
    view = _new(cls)
    view.__dict__ = fields
    return view
