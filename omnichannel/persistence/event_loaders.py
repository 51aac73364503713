"""Per-request DataLoaders of events out: log entries, webhooks and their delivery attempts (exposed
through persistence.loaders.Loaders)."""

from __future__ import annotations

from collections.abc import Sequence

from aiodataloader import DataLoader

from ..domain.event_log import LoggedEvent
from ..domain.webhooks import Webhook, WebhookDelivery
from .repositories import event_log, webhooks


class EventById(DataLoader[int, LoggedEvent | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[LoggedEvent | None]:
        found = await event_log.by_ids(keys)
        return [found.get(k) for k in keys]


class WebhookById(DataLoader[int, Webhook | None]):
    async def batch_load_fn(self, keys: Sequence[int]) -> list[Webhook | None]:
        index = {w.id: w for w in await webhooks.by_ids(keys)}
        return [index.get(k) for k in keys]


# (webhook id, before delivery id or None, limit)
DeliveriesKey = tuple[int, int | None, int]


class DeliveriesByWebhook(DataLoader[DeliveriesKey, list[WebhookDelivery]]):
    async def batch_load_fn(self, keys: Sequence[DeliveriesKey]) -> list[list[WebhookDelivery]]:
        found = await webhooks.deliveries_of(keys)
        return [found.get(k, []) for k in keys]
