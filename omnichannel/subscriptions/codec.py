"""Events to bytes and back (JSON), so every process and language can read them.

`{"type": "<class name>", <field>: <value>, ...}`: Decimal as a string (exact to the cent), enums as
their value, datetimes in ISO 8601, nested records (EventLine) as objects, tuples as arrays.
Decoding follows each event class's type hints, so any dataclass added to domain.events round-trips.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson

from ..domain import events as domain_events

Decoder = Callable[[Any], Any]


def _decoder(hint: Any) -> Decoder:
    """How to turn the JSON value of a field with this type hint back into the value."""
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        inner = _decoder(options[0]) if len(options) == 1 else _identity
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        item = _decoder(typing.get_args(hint)[0])
        return lambda value: tuple(item(v) for v in value)
    if hint is datetime:
        return datetime.fromisoformat
    if hint is Decimal:
        return Decimal
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _record_decoder(hint)
    return _identity


def _identity(value: Any) -> Any:
    return value


def _record_decoder(cls: type) -> Decoder:
    hints = typing.get_type_hints(cls)
    fields = [(f.name, _decoder(hints[f.name])) for f in dataclasses.fields(cls)]
    plain = {name for name, decode in fields if decode is _identity}

    def decode(payload: dict[str, Any]) -> Any:
        return cls(**{name: value if name in plain else decoders[name](value) for name, value in payload.items()})

    decoders = dict(fields)
    return decode


_TYPES: dict[str, Decoder] = {
    cls.__name__: _record_decoder(cls)
    for cls in vars(domain_events).values()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == domain_events.__name__
}


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(event: Any) -> bytes:
    payload = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)}
    payload["type"] = type(event).__name__
    return orjson.dumps(payload, default=_default)


def loads(data: bytes | str) -> Any:
    payload = orjson.loads(data)
    return _TYPES[payload.pop("type")](payload)
