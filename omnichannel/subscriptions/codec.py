"""Events to bytes and back (JSON), so every process and language can read them.

`{"type": "<class name>", <field>: <value>, ...}`: Decimal as a string (exact to the cent), enums as
their value, datetimes in ISO 8601, nested records (EventLine) as objects, tuples as arrays. The
records are domain.event_records', the same the event log stores for replay, so a message and a
replayed entry decode alike; decoding follows each event class's type hints.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..domain.event_records import from_record, to_record


def dumps(event: Any) -> bytes:
    return orjson.dumps(to_record(event))


def loads(data: bytes | str) -> Any:
    return from_record(orjson.loads(data))
