"""Publishing committed events to the broker."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from ..subscriptions import codec, topics
from ..subscriptions.broker import Broker, BrokerUnavailable

log = logging.getLogger("omnichannel.events")


async def publish(broker: Broker, events: Iterable[Any]) -> None:
    """Send events after commit. A broker outage loses live pushes, never the committed change."""
    messages = [(topic, codec.dumps(event)) for event in events for topic in topics.for_event(event)]
    if not messages:
        return
    try:
        await broker.publish_many(messages)
    except BrokerUnavailable as error:  # an outage, reported by /readyz: a warning, not a traceback per request
        log.warning("broker unavailable, %d live event(s) not sent: %s", len(messages), error)
    except Exception:
        log.exception("could not publish %d message(s) on %s", len(messages), sorted({t for t, _ in messages}))
