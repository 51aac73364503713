"""Webhooks as GraphQL: Webhook, its deliveries, and createWebhook / deleteWebhook / webhooks."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from ..domain.webhooks import Webhook as WebhookRecord
from ..domain.webhooks import WebhookDelivery as DeliveryRecord
from ..resolvers.context import Context
from ..resolvers.events import webhooks as use_cases
from .errors import UserError
from .events import Event
from .node import register_node
from .relay import Node, PageInfo, decode_cursor, decode_id, encode_cursor, encode_id


@strawberry.type(description="One attempt to deliver one event to a webhook (the PENDING one is the next attempt).")
class WebhookDelivery:
    attempt: int
    status: str = strawberry.field(description="PENDING, DELIVERED, RETRYING, FAILED")
    response_status: int | None
    error: str | None
    at: datetime
    _delivery: strawberry.Private[DeliveryRecord]

    @staticmethod
    def from_domain(delivery: DeliveryRecord) -> WebhookDelivery:
        return WebhookDelivery(
            attempt=delivery.attempt,
            status=delivery.status.value,
            response_status=delivery.response_status,
            error=delivery.error,
            at=delivery.at,
            _delivery=delivery,
        )

    @strawberry.field
    async def event(self, info: Info[Context, None]) -> Event:
        entry = await info.context.loaders.event.load(self._delivery.event_id)
        assert entry is not None  # a delivery goes with its event (ON DELETE CASCADE)
        return Event.from_domain(entry)


@strawberry.type
class WebhookDeliveryEdge:
    cursor: str
    node: WebhookDelivery


@strawberry.type
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge]
    page_info: PageInfo


@strawberry.type(description="An outside system's endpoint: signed POSTs of the events of these types.")
class Webhook(Node):
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime
    _webhook: strawberry.Private[WebhookRecord]

    @staticmethod
    def from_domain(webhook: WebhookRecord) -> Webhook:
        return Webhook(
            id=strawberry.ID(encode_id("Webhook", webhook.id)),
            url=webhook.url,
            event_types=list(webhook.event_types),
            active=webhook.active,
            created_at=webhook.created_at,
            _webhook=webhook,
        )

    @strawberry.field(description="every delivery attempt, newest first")
    async def deliveries(
        self, info: Info[Context, None], first: int | None = None, after: str | None = None
    ) -> WebhookDeliveryConnection:
        found, more = await use_cases.deliveries(
            info.context, self._webhook.id, first=first, before_id=decode_cursor(after, "delivery")
        )
        edges = [
            WebhookDeliveryEdge(cursor=encode_cursor("delivery", d.id), node=WebhookDelivery.from_domain(d))
            for d in found
        ]
        return WebhookDeliveryConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], has_next=more, has_previous=after is not None),
        )


async def _fetch_webhook(ctx: Context, pk: int) -> Webhook | None:
    found = await use_cases.webhook_node(ctx, pk)
    return Webhook.from_domain(found) if found is not None else None


register_node("Webhook", _fetch_webhook)


@strawberry.input
class CreateWebhookInput:
    url: str
    event_types: list[str]


@strawberry.type
class CreateWebhookPayload:
    webhook: Webhook | None
    secret: str | None = strawberry.field(description="the signing secret, shown only here")
    user_errors: list[UserError]


@strawberry.input
class DeleteWebhookInput:
    webhook_id: strawberry.ID


@strawberry.type
class WebhookPayload:
    webhook: Webhook | None
    user_errors: list[UserError]


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="the active webhooks (head office)")
    async def webhooks(self, info: Info[Context, None]) -> list[Webhook]:
        return [Webhook.from_domain(w) for w in await use_cases.webhooks(info.context)]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="a webhook for these event types (head office); the secret is shown once")
    async def create_webhook(self, info: Info[Context, None], input: CreateWebhookInput) -> CreateWebhookPayload:
        result = await use_cases.create_webhook(info.context, url=input.url, event_types=input.event_types)
        if result.value is None:
            return CreateWebhookPayload(webhook=None, secret=None, user_errors=UserError.many(result.errors))
        webhook, secret = result.value
        return CreateWebhookPayload(webhook=Webhook.from_domain(webhook), secret=secret, user_errors=[])

    @strawberry.mutation(description="stop a webhook: it receives nothing more once this has answered")
    async def delete_webhook(self, info: Info[Context, None], input: DeleteWebhookInput) -> WebhookPayload:
        result = await use_cases.delete_webhook(info.context, webhook_id=decode_id(input.webhook_id, "Webhook"))
        webhook = Webhook.from_domain(result.value) if result.value is not None else None
        return WebhookPayload(webhook=webhook, user_errors=UserError.many(result.errors))
