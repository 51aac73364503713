"""Publishing committed events.

Events that go into the durable event log (domain.event_log.MAPPERS) were written in the
transaction itself; every process's log tail hands them to its subscribers, so here we only wait
until this process has (the push never trails the mutation's answer). Other events go over the
broker as before (at most once).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from ..domain.event_log import is_logged
from ..subscriptions import codec, topics
from ..subscriptions.broker import Broker, BrokerUnavailable

log = logging.getLogger("omnichannel.events")


def _topics(event: Any) -> list[str]:
    if is_logged(event):  # without a log follower (no server loop running): live only, if it has topics
        try:
            return topics.for_event(event)
        except TypeError:
            return []
    return topics.for_event(event)


async def publish(broker: Broker, events: Iterable[Any]) -> None:
    """Send events after commit. A broker outage loses live-only pushes, never the committed change."""
    follower = broker.log_follower
    live, logged = [], False
    for event in events:
        if follower is not None and is_logged(event):
            logged = True
        else:
            live.append(event)
    if logged:
        assert follower is not None
        await follower.committed()
    messages = [(topic, codec.dumps(event)) for event in live for topic in _topics(event)]
    if not messages:
        return
    try:
        await broker.publish_many(messages)
    except BrokerUnavailable as error:  # an outage, reported by /readyz: a warning, not a traceback per request
        log.warning("broker unavailable, %d live event(s) not sent: %s", len(messages), error)
    except Exception:
        log.exception("could not publish %d message(s) on %s", len(messages), sorted({t for t, _ in messages}))
