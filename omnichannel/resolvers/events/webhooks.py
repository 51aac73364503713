"""Head office manages webhooks: create (the secret is shown once), list, delete, read the attempts.

A new webhook receives the entries positioned after its creation; a deleted one receives nothing
more once deleteWebhook has answered. The target's addresses are checked here and again at every
connection (subscriptions.webhook_http).
"""

from __future__ import annotations

from collections.abc import Sequence

from ...domain import webhooks as rules
from ...domain.access import Role, require_role
from ...domain.errors import DomainError, ErrorCode
from ...domain.webhooks import Webhook, WebhookDelivery
from ...persistence.repositories import webhooks as repo
from ...subscriptions.webhook_http import resolve
from ..catalog import check_page_size
from ..context import Context
from ..results import Result


def _actor(ctx: Context) -> str:
    role = ctx.principal.role.value if ctx.principal.role else "ANONYMOUS"
    return f"{role}:{ctx.principal.subject}"[:140]


async def _check_target(ctx: Context, url: str) -> None:
    target = rules.check_url(url)
    if ctx.services.webhooks.allow_private_targets:
        return
    try:
        addresses = await resolve(target.host, target.port)
    except OSError:
        raise DomainError(ErrorCode.INVALID_INPUT, f"The host {target.host!r} does not resolve.", ["url"]) from None
    rules.check_addresses(target.host, addresses)


async def create_webhook(ctx: Context, *, url: str, event_types: Sequence[str]) -> Result[tuple[Webhook, str]]:
    """A new webhook and its signing secret (returned here only)."""
    require_role(ctx.principal, Role.HQ_ADMIN)
    try:
        types = rules.check_event_types(event_types)
        await _check_target(ctx, url)
        if await repo.active_count() >= rules.MAX_WEBHOOKS:
            raise DomainError(
                ErrorCode.INVALID_INPUT, f"At most {rules.MAX_WEBHOOKS} webhooks; delete one first.", ["url"]
            )
    except DomainError as error:
        return Result.fail(error)
    secret = rules.new_secret()
    webhook = await repo.create(url.strip(), types, secret, _actor(ctx))
    return Result.ok((webhook, secret))


async def delete_webhook(ctx: Context, *, webhook_id: int) -> Result[Webhook]:
    require_role(ctx.principal, Role.HQ_ADMIN)
    deleted = await repo.delete(webhook_id)
    if deleted is None:
        return Result.fail(DomainError(ErrorCode.NOT_FOUND, "No such webhook.", ["webhookId"]))
    ctx.loaders.webhook.clear(webhook_id)
    return Result.ok(deleted)


async def webhooks(ctx: Context) -> list[Webhook]:
    require_role(ctx.principal, Role.HQ_ADMIN)
    return await repo.active()


async def webhook_node(ctx: Context, webhook_id: int) -> Webhook | None:
    if ctx.principal.role is not Role.HQ_ADMIN:
        return None
    found: Webhook | None = await ctx.loaders.webhook.load(webhook_id)
    return found


async def deliveries(
    ctx: Context, webhook_id: int, *, first: int | None, before_id: int | None
) -> tuple[list[WebhookDelivery], bool]:
    """A page of the webhook's attempts, newest first, and whether there are more."""
    size = check_page_size(first)
    found: list[WebhookDelivery] = await ctx.loaders.deliveries_of_webhook.load((webhook_id, before_id, size + 1))
    return found[:size], len(found) > size
