"""Domain events as plain JSON-ready records and back: {"type": <class name>, <field>: <value>, ...}.

One encoding for every place an event leaves memory (the broker, the event log's replay column), so
a record written by one process decodes the same in every other. Datetimes travel as ISO 8601
text, Decimals as strings, enums as their value, tuples as lists, nested dataclasses as objects.
Event classes are the dataclasses of `domain.events`, plus any registered.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from . import events as domain_events

_TYPES: dict[str, type] = {}


def register(cls: type) -> type:
    """Make an event dataclass (from any domain module) encodable; usable as a class decorator."""
    _TYPES[cls.__name__] = cls
    return cls


for _cls in list(vars(domain_events).values()):
    if isinstance(_cls, type) and dataclasses.is_dataclass(_cls) and _cls.__module__ == domain_events.__name__:
        register(_cls)
del _cls


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value  # str, int, bool, None, datetime (JSON encoders write ISO 8601)


def to_record(event: Any) -> dict[str, Any]:
    """The event's fields (JSON-ready) and its type name."""
    record = {f.name: _plain(getattr(event, f.name)) for f in dataclasses.fields(event)}
    record["type"] = type(event).__name__
    return record


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _typed(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        args = typing.get_args(hint)
        inner = args[0] if args else Any
        return tuple(_typed(inner, v) for v in value)
    if hint is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if hint is Decimal:
        return Decimal(value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return _build(hint, value)
    return value


@functools.cache
def _fields(cls: type) -> dict[str, Any]:
    """Each field's type (resolved once per class: live events decode this on every message)."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _build(cls: type, payload: dict[str, Any]) -> Any:
    """An instance from a record; fields it does not know (written by newer code) are ignored."""
    fields = _fields(cls)
    return cls(**{name: _typed(fields[name], value) for name, value in payload.items() if name in fields})


def from_record(record: dict[str, Any]) -> Any:
    payload = dict(record)
    cls = _TYPES[payload.pop("type")]
    return _build(cls, payload)
