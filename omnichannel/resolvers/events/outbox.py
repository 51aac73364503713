"""The transactional outbox as an in-transaction handler: the last one of every change.

It runs after the per-type handlers (so the facts they recorded are in too) and before COMMIT, and
hands all the change's facts to the event log's writer (domain.event_log says which it keeps). One
INSERT per change, whatever the number of facts; none when the change logged nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...domain.events import DomainEvent
from ...domain.ports import UnitOfWork


async def append(uow: UnitOfWork, events: Sequence[DomainEvent]) -> None:
    await uow.event_log.append(events)
