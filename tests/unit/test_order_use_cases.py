"""The order use cases on the in-memory unit of work: placement, payment, cancellation, their facts.

No database: these pin what each use case decides, writes and records; tests/api runs the same use
cases over HTTP against PostgreSQL (concurrency, SQL, locks).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from omnichannel.domain.access import Principal, Role
from omnichannel.domain.catalog import Product, SalesChannel, Variant
from omnichannel.domain.errors import DomainError, DomainErrors, ErrorCode
from omnichannel.domain.events import (
    EventLine,
    OrderCancelled,
    OrderExpired,
    OrderPaid,
    OrderPlaced,
    RefundRequested,
    StockChanged,
)
from omnichannel.domain.geo import GeoPoint
from omnichannel.domain.inventory import StockLevel
from omnichannel.domain.locations import FulfillmentMode, Location, LocationKind
from omnichannel.domain.order_requests import OrderRequest, RequestedLine
from omnichannel.domain.orders import Address, Canceller, OrderStatus
from omnichannel.domain.people import Member
from omnichannel.domain.ports import EventHandlers, UnitOfWork
from omnichannel.domain.reservations import OutOfStock
from omnichannel.resolvers.context import Context, Services
from omnichannel.resolvers.in_transaction import handlers_for
from omnichannel.resolvers.orders import cancel, pay, place
from omnichannel.security import TokenService
from omnichannel.subscriptions.broker import InMemoryBroker
from tests.unit.fakes import FakeDatabase, FakeUnitOfWork

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
PICKUP = frozenset({FulfillmentMode.PICKUP, FulfillmentMode.EXPRESS})
S1, S2, W1 = 1, 2, 3  # two stores a kilometre apart, a warehouse
TEA, CUP = 11, 12
MEMBER = 7


def world() -> FakeDatabase:
    db = FakeDatabase()
    for location in (
        Location(S1, "S01", "People's Square", LocationKind.STORE, GeoPoint(31.2328, 121.4737), PICKUP),
        Location(S2, "S02", "Nanjing Road", LocationKind.STORE, GeoPoint(31.2350, 121.4830), PICKUP),
        Location(W1, "W01", "Warehouse", LocationKind.REGIONAL_WAREHOUSE, GeoPoint(31.30, 121.50),
                 frozenset({FulfillmentMode.EXPRESS})),
    ):  # fmt: skip
        db.locations[location.id] = location
    db.products[1] = Product(1, "Tea", None, None)
    db.variants[TEA] = Variant(TEA, 1, "TEA-1", None, "Green tea", Decimal("38.50"))
    db.variants[CUP] = Variant(CUP, 1, "CUP-1", None, "Tea cup", Decimal("12.00"))
    db.stock[(S1, TEA)] = StockLevel(S1, TEA, on_hand=5)
    db.stock[(S2, TEA)] = StockLevel(S2, TEA, on_hand=9)
    db.stock[(S1, CUP)] = StockLevel(S1, CUP, on_hand=2)
    db.stock[(W1, CUP)] = StockLevel(W1, CUP, on_hand=100)
    db.members[MEMBER] = Member(MEMBER, "M0007", None, None)
    return db


def context(role: Role = Role.MEMBER, handlers: EventHandlers | None = None, **principal: object) -> Context:
    services = Services(broker=InMemoryBroker(), tokens=TokenService("x" * 32), clock=lambda: NOW)
    if handlers is not None:
        services.handlers = handlers
    who = {"member_id": MEMBER, "subject": "M0007"} if role is Role.MEMBER else {"subject": f"{role.value.lower()}"}
    return Context(services=services, principal=Principal(role=role, **{**who, **principal}))  # type: ignore[arg-type]


def pickup(*lines: tuple[int, int], store: int = S1, key: str | None = None) -> OrderRequest:
    return OrderRequest(
        channel=SalesChannel.MINI_PROGRAM,
        lines=tuple(RequestedLine(v, q) for v, q in lines),
        mode=FulfillmentMode.PICKUP,
        pickup_location_id=store,
        idempotency_key=key,
    )


async def test_a_pickup_order_holds_its_stock_and_records_what_consumers_need():
    db = world()
    uow = FakeUnitOfWork(db)
    order = await place.place_order(context(), uow, pickup((TEA, 2), (CUP, 1)))

    assert order.status is OrderStatus.PENDING_PAYMENT and order.total.amount == Decimal("89.00")
    assert db.stock[(S1, TEA)].reserved == 2 and db.stock[(S1, CUP)].reserved == 1
    assert {(m.variant_id, m.reserved_delta, m.reference) for m, _ in db.ledger} == {
        (TEA, 2, order.number),
        (CUP, 1, order.number),
    }
    *stock, placed = uow.committed
    assert [(e.variant_id, e.reserved, e.reserved_delta, e.reason) for e in stock if isinstance(e, StockChanged)] == [
        (TEA, 2, 2, "RESERVATION"),
        (CUP, 1, 1, "RESERVATION"),
    ]
    assert isinstance(placed, OrderPlaced)
    assert (placed.order_id, placed.number, placed.member_id, placed.channel) == (
        order.id,
        order.number,
        MEMBER,
        SalesChannel.MINI_PROGRAM,
    )
    assert placed.location_ids == (S1,) and placed.pickup_location_id == S1 and placed.at == NOW
    assert placed.lines == (EventLine(S1, TEA, 2, Decimal("38.50")), EventLine(S1, CUP, 1, Decimal("12.00")))
    assert (placed.subtotal, placed.discount_total, placed.total) == (Decimal("89.00"), Decimal("0"), Decimal("89.00"))
    assert placed.reservation_expires_at == NOW + timedelta(seconds=900)
    assert uow.transactions == 1  # two holds: the transactional path


async def test_one_hold_is_one_statement_unless_a_handler_waits_for_the_order():
    db = world()
    uow = FakeUnitOfWork(db)
    await place.place_order(context(), uow, pickup((TEA, 1)))
    assert (db.one_statement_orders, uow.transactions) == (1, 0)
    assert [type(e) for e in uow.committed] == [StockChanged, OrderPlaced]

    seen: list[tuple[OrderPlaced, int]] = []

    async def count_sale(tx: UnitOfWork, event: OrderPlaced) -> None:
        seen.append((event, db.stock[(S1, TEA)].reserved))  # runs inside the placing transaction

    uow = FakeUnitOfWork(db, EventHandlers().add(OrderPlaced, count_sale))
    order = await place.place_order(context(), uow, pickup((TEA, 1)))
    assert (db.one_statement_orders, uow.transactions) == (1, 1)
    assert [(e.order_id, reserved) for e, reserved in seen] == [(order.id, 2)]


async def test_a_handler_that_refuses_rolls_the_whole_order_back():
    db = world()

    async def refuse(tx: UnitOfWork, event: OrderPlaced) -> None:
        raise DomainError(ErrorCode.NOT_SUPPORTED, "no orders today")

    uow = FakeUnitOfWork(db, EventHandlers().add(OrderPlaced, refuse))
    with pytest.raises(DomainError) as refused:
        await place.place_order(context(), uow, pickup((TEA, 2)))
    assert refused.value.code is ErrorCode.NOT_SUPPORTED
    assert db.orders == {} and db.ledger == [] and db.stock[(S1, TEA)].reserved == 0 and uow.committed == []


async def test_short_lines_are_refused_naming_stores_that_have_them():
    db = world()
    uow = FakeUnitOfWork(db)
    with pytest.raises(DomainErrors) as refused:
        await place.place_order(context(), uow, pickup((TEA, 7), (CUP, 1)))
    (short,) = refused.value.errors
    assert isinstance(short, OutOfStock) and short.code is ErrorCode.OUT_OF_STOCK and short.field == ["lines", "0"]
    assert "Nanjing Road" in short.message and short.alternatives == ()  # S02 has the tea but not the cup
    assert db.orders == {} and uow.committed == []


async def test_an_idempotency_key_returns_the_one_order():
    db = world()
    first = await place.place_order(context(), FakeUnitOfWork(db), pickup((TEA, 1), key="k-1"))
    again = await place.place_order(context(), FakeUnitOfWork(db), pickup((TEA, 1), key="k-1"))
    assert again == first and len(db.orders) == 1 and db.stock[(S1, TEA)].reserved == 1
    with pytest.raises(DomainError) as reused:
        await place.place_order(context(), FakeUnitOfWork(db), pickup((TEA, 2), key="k-1"))
    assert reused.value.code is ErrorCode.IDEMPOTENCY_KEY_REUSED


async def test_a_delivery_is_routed_and_priced_on_the_same_path():
    db = world()
    uow = FakeUnitOfWork(db)
    address = Address("Li Lei", "13800138000", "1 Road", "Shanghai", GeoPoint(31.31, 121.51))
    request = OrderRequest(
        channel=SalesChannel.APP, lines=(RequestedLine(CUP, 3),), mode=FulfillmentMode.EXPRESS, address=address
    )
    order = await place.place_order(context(), uow, request)
    placed = uow.committed[-1]
    assert isinstance(placed, OrderPlaced) and placed.order_id == order.id
    assert placed.lines == (EventLine(W1, CUP, 3, Decimal("12.00")),) and placed.location_ids == (W1,)
    assert db.stock[(W1, CUP)].reserved == 3


async def test_payment_records_order_paid_and_the_loyalty_handler_credits_points():
    db = world()
    ctx = context()
    order = await place.place_order(ctx, FakeUnitOfWork(db), pickup((TEA, 2)))
    service = context(Role.SERVICE)
    uow = FakeUnitOfWork(db, handlers_for(loyalty_rules=service.services.loyalty, store_credit_share=Decimal("0.3")))
    paid = await pay.confirm_payment(service, uow, order_id=order.id, amount=Decimal("77.00"), reference="pay-1")

    assert paid.status is OrderStatus.CONFIRMED and paid.pickup_code is not None and paid.points_earned == 77
    (event,) = uow.committed
    assert isinstance(event, OrderPaid) and (event.amount, event.reference) == (Decimal("77.00"), "pay-1")
    assert event.lines == (EventLine(S1, TEA, 2, Decimal("38.50")),) and event.status is OrderStatus.CONFIRMED
    assert db.members[MEMBER].points_balance == 77
    # the store floor's books in the same transaction: an online order collected at S1 credits it 30%
    assert [(o, cause, c.location_id, c.amount) for o, cause, c in db.credit] == [
        (order.id, "paid", S1, Decimal("23.10")),
        (order.id, "paid", None, Decimal("53.90")),
    ]
    assert db.counted_orders == [order.id]

    again = FakeUnitOfWork(db, handlers_for(loyalty_rules=service.services.loyalty, store_credit_share=Decimal("0.3")))
    assert await pay.confirm_payment(service, again, order_id=order.id, amount=Decimal("77.00"), reference="pay-1")
    assert again.committed == [] and db.members[MEMBER].points_balance == 77  # the same reference: nothing new


async def test_paying_after_the_hold_expires_the_order_and_refuses():
    db = world()
    order = await place.place_order(context(), FakeUnitOfWork(db), pickup((TEA, 2)))
    late = context(Role.SERVICE)
    late.services.clock = lambda: NOW + timedelta(hours=1)
    uow = FakeUnitOfWork(db)
    with pytest.raises(DomainError) as refused:
        await pay.confirm_payment(late, uow, order_id=order.id, amount=Decimal("77.00"), reference="late")
    assert refused.value.code is ErrorCode.ORDER_EXPIRED
    assert db.orders[order.id].status is OrderStatus.EXPIRED and db.stock[(S1, TEA)].reserved == 0
    assert [type(e) for e in uow.committed] == [StockChanged, OrderExpired]  # committed, then refused


async def test_cancelling_releases_the_stock_and_says_what_a_refund_owes():
    db = world()
    ctx = context()
    order = await place.place_order(ctx, FakeUnitOfWork(db), pickup((TEA, 2)))
    service = context(Role.SERVICE)
    await pay.confirm_payment(service, FakeUnitOfWork(db), order_id=order.id, amount=Decimal("77.00"), reference="p")
    uow = FakeUnitOfWork(db)
    cancelled = await cancel.cancel_order(ctx, uow, order_id=order.id, reason=" changed my mind ")

    assert cancelled.status is OrderStatus.CANCELLED and db.stock[(S1, TEA)] == StockLevel(S1, TEA, on_hand=5)
    released, event, refund = uow.committed
    assert isinstance(released, StockChanged) and (released.reason, released.reserved_delta) == ("RELEASE", -2)
    assert isinstance(event, OrderCancelled) and event.cancelled_by is Canceller.MEMBER
    assert (event.amount_paid, event.total, event.reason) == (Decimal("77.00"), Decimal("77.00"), "changed my mind")
    # paid: the money goes back too, as a PENDING whole refund (the points came back with the cancellation)
    assert isinstance(refund, RefundRequested) and (refund.amount, refund.whole) == (Decimal("77.00"), True)
    assert (refund.points_returned, refund.points_reversed, refund.reason) == (0, 0, "changed my mind")


async def test_a_member_cannot_cancel_someone_elses_order():
    db = world()
    order = await place.place_order(context(), FakeUnitOfWork(db), pickup((TEA, 1)))
    db.members[8] = Member(8, "M0008", None, None)
    with pytest.raises(DomainError) as refused:  # another member's order does not exist for them
        await cancel.cancel_order(context(member_id=8), FakeUnitOfWork(db), order_id=order.id, reason=None)
    assert refused.value.code is ErrorCode.NOT_FOUND
    assert db.orders[order.id].status is OrderStatus.PENDING_PAYMENT
