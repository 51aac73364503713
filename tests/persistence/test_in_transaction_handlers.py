"""In-transaction handlers on PostgreSQL: their writes commit with the change, or roll back with it.

The handler here writes a failure counter (a harmless row of its own); the change is a real
confirmPayment through the mutation wrapper, with a unit of work carrying the test's handlers.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from omnichannel.domain.access import Principal, Role
from omnichannel.domain.errors import DomainError, ErrorCode
from omnichannel.domain.events import DomainEvent, OrderEvent, OrderPaid
from omnichannel.domain.ports import EventHandlers, UnitOfWork
from omnichannel.domain.throttle import ThrottlePolicy
from omnichannel.persistence import db
from omnichannel.resolvers.context import Context
from omnichannel.resolvers.mutation import mutate
from omnichannel.resolvers.orders import pay
from omnichannel.schema.relay import decode_id
from omnichannel.subscriptions import codec, topics
from omnichannel.subscriptions.broker import InMemoryBroker
from tests.orders_support import PLACE_ORDER, level, location_id, new_variant, pickup_input, store_gid

POLICY = ThrottlePolicy(max_failures=100, window=timedelta(minutes=1), lockout=timedelta(minutes=1))


class RecordingBroker(InMemoryBroker):
    """What the wrapper publishes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, Any]] = []

    async def publish_many(self, messages: Iterable[tuple[str, bytes]]) -> None:
        self.sent.extend((topic, codec.loads(data)) for topic, data in messages)


def pk(global_id: str) -> int:
    return decode_id(global_id, "Order")


async def _unpaid_order(gql: Any, token: Any) -> tuple[dict[str, Any], int]:
    variant = await new_variant({"S04": 3}, price="20.00")
    member = await token("MEMBER", member="M0011")
    answer = await gql(PLACE_ORDER, {"input": pickup_input(variant, await store_gid("S04"), 2)}, token=member)
    return answer["data"]["placeOrder"]["order"], variant


def _service_context(app: Any, handlers: EventHandlers) -> Context:
    services = dataclasses.replace(app.state.services, handlers=handlers, broker=RecordingBroker())
    return Context(services=services, principal=Principal(role=Role.SERVICE, subject="service:test"))


async def _counter(key: str) -> int | None:
    rows = await db.fetch("SELECT failures FROM throttle WHERE key = $1", [key])
    return int(rows[0]["failures"]) if rows else None


async def test_a_handlers_write_commits_with_the_change_and_its_facts_are_published_after(app, gql, token):
    order, variant = await _unpaid_order(gql, token)
    key = f"test:handler:{secrets.token_hex(4)}"
    heard: list[DomainEvent] = []

    async def note_payment(uow: UnitOfWork, event: OrderPaid) -> None:
        await uow.throttles.record_failure(key, POLICY, datetime.now(UTC))
        heard.append(event)

    async def note_every_order_fact(uow: UnitOfWork, event: OrderEvent) -> None:  # a base class hears them all
        heard.append(event)

    handlers = EventHandlers().add(OrderPaid, note_payment).add(OrderEvent, note_every_order_fact)
    ctx = _service_context(app, handlers)
    try:
        result = await mutate(
            ctx, pay.confirm_payment, order_id=pk(order["id"]), amount=Decimal("40.00"), reference=key
        )
        assert result.errors == [] and result.value is not None and result.value.status.value == "CONFIRMED"
        assert await _counter(key) == 1  # the handler's row committed with the payment
        assert [type(e) for e in heard] == [OrderPaid, OrderPaid] and heard[0].order_id == pk(order["id"])
        assert isinstance(ctx.broker, RecordingBroker)
        assert [(topic, type(event)) for topic, event in ctx.broker.sent] == [
            (topics.orders_at(await location_id("S04")), OrderPaid)
        ]
    finally:
        await db.execute("DELETE FROM throttle WHERE key = $1", [key])
    assert (await level(variant, "S04"))["reserved"] == 2


async def test_a_handler_that_refuses_rolls_the_change_and_every_handlers_write_back(app, gql, token):
    order, variant = await _unpaid_order(gql, token)
    key = f"test:handler:{secrets.token_hex(4)}"

    async def write(uow: UnitOfWork, event: OrderPaid) -> None:
        await uow.throttles.record_failure(key, POLICY, datetime.now(UTC))

    async def refuse(uow: UnitOfWork, event: OrderPaid) -> None:
        raise DomainError(ErrorCode.NOT_SUPPORTED, "The ledger is closed for the night.")

    ctx = _service_context(app, EventHandlers().add(OrderPaid, write).add(OrderPaid, refuse))
    result = await mutate(ctx, pay.confirm_payment, order_id=pk(order["id"]), amount=Decimal("40.00"), reference=key)

    assert [(e.code, e.message) for e in result.errors] == [
        (ErrorCode.NOT_SUPPORTED, "The ledger is closed for the night.")
    ]
    assert await _counter(key) is None  # the first handler's write went with the refused change
    rows = await db.fetch("SELECT status, paid_at FROM customer_order WHERE id = $1", [pk(order["id"])])
    assert (rows[0]["status"], rows[0]["paid_at"]) == ("PENDING_PAYMENT", None)
    assert await db.fetch("SELECT 1 FROM payment WHERE reference = $1", [key]) == []
    assert (await level(variant, "S04"))["reserved"] == 2
    assert isinstance(ctx.broker, RecordingBroker) and ctx.broker.sent == []  # nothing committed, nothing said
