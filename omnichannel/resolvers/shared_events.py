"""Decoding a published event once per process, with one set of loaders shared by its subscribers.

A store feed may have a thousand subscribers in one process. Each receives the same message; they
all need the same order. Decoding once and loading through one shared set of loaders turns a
thousand identical queries into one, and every subscriber sees the same snapshot of the order.
The loaders hold plain rows only: each subscriber's own context still decides what it may see.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from ..persistence.loaders import Loaders
from ..subscriptions import codec

CAPACITY = 256  # recent events kept; far more than can be in flight at once


class SharedEvents:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._entries: OrderedDict[bytes, tuple[Any, Loaders]] = OrderedDict()
        self._capacity = capacity

    def get(self, data: bytes) -> tuple[Any, Loaders]:
        """The decoded event and the loaders every subscriber of this very message shares."""
        entry = self._entries.get(data)
        if entry is None:
            entry = (codec.loads(data), Loaders())
            self._entries[data] = entry
            if len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return entry
