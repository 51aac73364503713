"""Events to bytes and back (JSON), so every process and language can read them."""

from __future__ import annotations

from typing import Any

import orjson

from ..domain.event_records import from_record, to_record


def dumps(event: Any) -> bytes:
    return orjson.dumps(to_record(event))


def loads(data: bytes | str) -> Any:
    return from_record(orjson.loads(data))
