"""Publishing committed events to the broker."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from ..subscriptions import codec, topics
from ..subscriptions.broker import Broker

log = logging.getLogger("omnichannel.events")


async def publish(broker: Broker, events: Iterable[Any]) -> None:
    """Send events after commit. A broker outage loses live pushes, never the committed change."""
    for event in events:
        data = codec.dumps(event)
        for topic in topics.for_event(event):
            try:
                await broker.publish(topic, data)
            except Exception:
                log.exception("could not publish %s on %s", type(event).__name__, topic)
