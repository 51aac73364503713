"""Domain events as plain JSON-ready records and back: {"type": <class name>, <field>: <value>, ...}.

One encoding for every place an event leaves memory (the broker, the event log's replay column), so
a record written by one process decodes the same in every other. Datetimes travel as ISO 8601
text, tuples as lists. Event classes are the dataclasses of `domain.events`, plus any registered.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from typing import Any

from . import events as domain_events

_TYPES: dict[str, type] = {}
_DATETIME_FIELDS: dict[str, tuple[str, ...]] = {}
_TUPLE_FIELDS: dict[str, tuple[str, ...]] = {}


def register(cls: type) -> type:
    """Make an event dataclass (from any domain module) encodable; usable as a class decorator."""
    name = cls.__name__
    hints = typing.get_type_hints(cls)
    _TYPES[name] = cls
    _DATETIME_FIELDS[name] = tuple(f for f, hint in hints.items() if hint is datetime)
    _TUPLE_FIELDS[name] = tuple(f for f, hint in hints.items() if typing.get_origin(hint) is tuple)
    return cls


for _cls in list(vars(domain_events).values()):
    if isinstance(_cls, type) and dataclasses.is_dataclass(_cls) and _cls.__module__ == domain_events.__name__:
        register(_cls)


def to_record(event: Any) -> dict[str, Any]:
    """The event's fields and its type name; datetimes stay datetime (JSON encoders write ISO 8601)."""
    record = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    record["type"] = type(event).__name__
    return record


def from_record(record: dict[str, Any]) -> Any:
    payload = dict(record)
    name = payload.pop("type")
    cls = _TYPES[name]
    for field in _DATETIME_FIELDS[name]:
        if isinstance(payload.get(field), str):
            payload[field] = datetime.fromisoformat(payload[field])
    for field in _TUPLE_FIELDS[name]:
        if payload.get(field) is not None:
            payload[field] = tuple(payload[field])
    return cls(**payload)
