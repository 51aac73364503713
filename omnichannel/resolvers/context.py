"""What every use case receives: the caller, the per-request loaders and the process services."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from ..domain.access import ANONYMOUS, Principal
from ..domain.loyalty import LoyaltyRules
from ..domain.ports import EventHandlers, UnitOfWork
from ..domain.webhooks import WebhookPolicy
from ..persistence.loaders import Loaders
from ..persistence.uow import TortoiseUnitOfWork
from ..security import TokenService
from ..sms import CodeSender, LogCodeSender
from ..subscriptions.broker import Broker
from .events.log import EventLog
from .shared_events import SharedEvents


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, loaders: Loaders | None, handlers: EventHandlers) -> UnitOfWork: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """Built once per process by the composition root (app.py)."""

    broker: Broker
    tokens: TokenService
    reservation_ttl: int = 900
    demo: bool = False
    clock: Callable[[], datetime] = utc_now
    shared_events: SharedEvents = field(default_factory=SharedEvents)
    loyalty: LoyaltyRules = field(default_factory=LoyaltyRules)
    code_sender: CodeSender = field(default_factory=LogCodeSender)
    store_credit_share: Decimal = Decimal("0.3")  # of an online order, to the store that fulfils it
    # in-transaction event handlers: app.py passes resolvers/in_transaction.handlers_for(...)
    handlers: EventHandlers = field(default_factory=EventHandlers)
    # how a unit of work is made (tests pass an in-memory one: tests/unit/fakes.py)
    unit_of_work: UnitOfWorkFactory = TortoiseUnitOfWork

    def new_uow(self, loaders: Loaders | None = None) -> UnitOfWork:
        """A unit of work with this process's in-transaction handlers (jobs; requests use Context.uow)."""
        return self.unit_of_work(loaders=loaders, handlers=self.handlers)

    event_log: EventLog | None = None  # this process's log tail (None: live events over the broker only)
    webhooks: WebhookPolicy = field(default_factory=WebhookPolicy)


@dataclass
class Connection:
    """One websocket, shared by every operation on it (each operation has a Context of its own)."""

    expires_at: float | None = None  # the token's exp (unix seconds): nothing is delivered or run from then
    channels: int = 0  # broker topics its subscriptions listen to now (capped per socket)

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass
class Context:
    services: Services
    principal: Principal = ANONYMOUS
    loaders: Loaders = field(default_factory=Loaders)
    # filled by the transport: strawberry sets connection_params from a websocket's connection_init
    request: Any = None
    response: Any = None
    connection_params: dict[str, Any] | None = None
    connection: Connection | None = None  # websockets only
    address: str = "unknown"  # the client's network address (throttles key on it)

    def for_operation(self) -> Context:
        """The context of one operation: a websocket's context is shared by all its operations, so
        each gets a copy with loaders of its own (two subscriptions never see each other's loaders)."""
        if self.connection is None:
            return self
        return replace(self, loaders=Loaders())

    @property
    def memo(self) -> dict[Hashable, Any]:
        """Objects derived from what the loaders loaded (e.g. one GraphQL view per row): they live and
        go with the loaders, so a fresh set of loaders never meets views of older rows."""
        return self.loaders.memo

    @property
    def broker(self) -> Broker:
        return self.services.broker

    def now(self) -> datetime:
        return self.services.clock()

    def uow(self) -> UnitOfWork:
        """A unit of work for this request: its reads go through (and its writes refresh) our loaders."""
        return self.services.new_uow(self.loaders)

    def fresh_loaders(self) -> Loaders:
        """New loaders (websocket contexts live as long as the socket; each event starts clean)."""
        self.loaders = Loaders()
        return self.loaders
