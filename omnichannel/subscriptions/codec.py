"""Events to bytes and back (JSON), so every process and language can read them."""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from typing import Any

import orjson

from ..domain import events as domain_events

_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in vars(domain_events).values()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == domain_events.__name__
}
_DATETIME_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(f for f, hint in typing.get_type_hints(cls).items() if hint is datetime) for name, cls in _TYPES.items()
}
_TUPLE_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(f for f, hint in typing.get_type_hints(cls).items() if typing.get_origin(hint) is tuple)
    for name, cls in _TYPES.items()
}


def dumps(event: Any) -> bytes:
    payload = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    payload["type"] = type(event).__name__
    return orjson.dumps(payload)


def loads(data: bytes | str) -> Any:
    payload = orjson.loads(data)
    name = payload.pop("type")
    cls = _TYPES[name]
    for field in _DATETIME_FIELDS[name]:
        if payload.get(field) is not None:
            payload[field] = datetime.fromisoformat(payload[field])
    for field in _TUPLE_FIELDS[name]:
        if payload.get(field) is not None:
            payload[field] = tuple(payload[field])
    return cls(**payload)
