"""The one mutation wrapper: authorisation, the unit of work, refusals as userErrors, publish after commit.

    @requires(Role.HQ_ADMIN)                                        # resolvers/<area>.py: the use case
    async def end_promotion(ctx: Context, uow: UnitOfWork, *, promotion_id: int) -> Promotion:
        ended = await uow.atomic(lambda tx: tx.promotions.end(promotion_id))
        if ended is None:
            raise DomainError(ErrorCode.NOT_FOUND, "No such promotion.", ["promotionId"])
        return ended

    result = await mutate(info.context, end_promotion, promotion_id=decode_id(input.promotion_id, "Promotion"))
    return PromotionPayload(promotion=..., user_errors=UserError.many(result.errors))     # schema: the mapping

`mutate` checks the roles the use case `requires` (AccessDenied and AuthenticationRequired reach
the client as top-level FORBIDDEN / UNAUTHENTICATED errors), gives it a unit of work bound to the
request (its reads go through the request's loaders; its writes refresh them), turns a raised
DomainError (or DomainErrors: several at once) into the Result's errors, and publishes every event
the unit of work committed (`publish`, below) - also when a refusal was raised after a commit (a
wrong pickup code is counted, then refused). Finer access checks that need loaded data stay in the
use case.
(Saleor's BaseMutation.mutate / handle_errors, without the metaclass.)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Concatenate, ParamSpec, TypeVar

from ..domain.access import Role, require_role
from ..domain.errors import DomainError, refusals
from ..domain.event_log import is_logged
from ..domain.events import DomainEvent
from ..domain.ports import UnitOfWork
from ..subscriptions import codec, topics
from ..subscriptions.broker import Broker, BrokerUnavailable
from .context import Context
from .results import Result

log = logging.getLogger("omnichannel.events")

P = ParamSpec("P")
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., object])

REQUIRED_ROLES = "required_roles"


def requires(*roles: Role) -> Callable[[F], F]:
    """Declare the roles that may run a use case; `mutate` refuses everyone else before it starts."""

    def declare(use_case: F) -> F:
        setattr(use_case, REQUIRED_ROLES, roles)
        return use_case

    return declare


async def mutate(
    ctx: Context,
    use_case: Callable[Concatenate[Context, UnitOfWork, P], Awaitable[T]],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> Result[T]:
    roles: tuple[Role, ...] = getattr(use_case, REQUIRED_ROLES, ())
    if roles:
        require_role(ctx.principal, *roles)
    uow = ctx.uow()
    try:
        return Result.ok(await use_case(ctx, uow, *args, **kwargs))
    except DomainError as refused:
        return Result(errors=refusals(refused))
    finally:
        await publish(ctx.broker, uow.committed)


async def publish(broker: Broker, events: Iterable[DomainEvent]) -> None:
    """Send committed events to the live feeds (subscriptions/topics.py says where; facts with no
    live topic are skipped). A broker outage loses live pushes, never the committed change.

    Facts the durable event log keeps (domain.event_log) were written in their transaction; every
    process's log tail hands them to its subscribers, so for those this only waits until this
    process has (a push never trails the mutation's answer). Without a log (OMNICHANNEL_EVENT_LOG=0)
    they go over the broker like the rest.
    """
    follower = broker.log_follower
    live: list[DomainEvent] = []
    logged = False
    for event in events:
        if follower is not None and is_logged(event):
            logged = True
        else:
            live.append(event)
    if logged:
        assert follower is not None
        await follower.committed()
    messages = [(topic, codec.dumps(event)) for event in live for topic in topics.for_event(event)]
    if not messages:
        return
    try:
        await broker.publish_many(messages)
    except BrokerUnavailable as error:  # an outage, reported by /readyz: a warning, not a traceback per request
        log.warning("broker unavailable, %d live event(s) not sent: %s", len(messages), error)
    except Exception:
        log.exception("could not publish %d message(s) on %s", len(messages), sorted({t for t, _ in messages}))
