"""An in-memory unit of work (cosmicpython's tests/unit/fakes.py): use cases run on it without a database.

`FakeDatabase` holds the rows as domain objects; `FakeUnitOfWork(db)` gives the repositories of
domain.ports over it. `atomic(work)` copies the tables first and puts the copy back when work (or
an in-transaction handler) raises, so a refused change leaves nothing behind, as a rollback would.
Only what the order use cases and their handlers touch is implemented; the rest raises.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from omnichannel.domain.catalog import PriceOverride, Product, Variant
from omnichannel.domain.coupons import AuditEvent, Coupon, CouponStatus, CouponTemplate
from omnichannel.domain.credit import SalesCredit
from omnichannel.domain.events import DomainEvent
from omnichannel.domain.geo import BoundingBox
from omnichannel.domain.inventory import MovementReason, StockLevel, StockMovement
from omnichannel.domain.locations import Location, LocationKind
from omnichannel.domain.order_aggregate import OrderAggregate
from omnichannel.domain.order_requests import OrderDraft
from omnichannel.domain.orders import (
    OPEN_STATUSES,
    Fulfillment,
    FulfillmentLine,
    FulfillmentStatus,
    Order,
    OrderStatus,
)
from omnichannel.domain.people import Member
from omnichannel.domain.points import Lot, PointsAccount, PointsEntry, Posting
from omnichannel.domain.ports import EventHandlers, IdempotencyClaim, PlacementSnapshot, StockShort, UnitOfWork
from omnichannel.domain.pricing import DiscountLine
from omnichannel.domain.promotions import Promotion
from omnichannel.domain.refunds import PaidLine, PaidOrder, Refund, RefundPlan, RefundStatus
from omnichannel.domain.report_rollups import PaidOrder as ReportedOrder
from omnichannel.domain.report_rollups import PaidOrderFacts, RollupDelta
from omnichannel.domain.reservations import Hold
from omnichannel.domain.routing import LocationStock, RoutingRules
from omnichannel.domain.sale_facts import FulfilledLine, SaleFacts
from omnichannel.domain.throttle import (
    ThrottlePolicy,
    ThrottleState,
    after_failure,
    begin,
    finish,
    must_wait,
    retry_after,
)
from omnichannel.domain.transfers import Transfer

T = TypeVar("T")


@dataclass
class FakeDatabase:
    variants: dict[int, Variant] = field(default_factory=dict)
    products: dict[int, Product] = field(default_factory=dict)
    overrides: dict[int, list[PriceOverride]] = field(default_factory=dict)
    locations: dict[int, Location] = field(default_factory=dict)
    stock: dict[tuple[int, int], StockLevel] = field(default_factory=dict)  # (location, variant)
    ledger: list[tuple[StockMovement, str]] = field(default_factory=list)
    members: dict[int, Member] = field(default_factory=dict)
    orders: dict[int, Order] = field(default_factory=dict)
    fulfillments: dict[int, Fulfillment] = field(default_factory=dict)
    lines: list[FulfillmentLine] = field(default_factory=list)
    discounts: dict[int, list[DiscountLine]] = field(default_factory=dict)
    payments: dict[str, int] = field(default_factory=dict)  # reference -> order id
    keys: dict[tuple[str, str], IdempotencyClaim] = field(default_factory=dict)
    points: list[PointsEntry] = field(default_factory=list)
    posted_keys: set[str] = field(default_factory=set)
    spend: dict[str, tuple[int, Decimal, datetime]] = field(default_factory=dict)  # key -> (member, amount, at)
    throttles: dict[str, ThrottleState] = field(default_factory=dict)
    routing_rules: RoutingRules = field(default_factory=RoutingRules)
    promotions: list[Promotion] = field(default_factory=list)
    coupons: dict[int, Coupon] = field(default_factory=dict)
    templates: dict[int, CouponTemplate] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)
    one_statement_orders: int = 0  # orders written by the single-statement path
    logged: list[DomainEvent] = field(default_factory=list)  # what the event log's writer appended
    reported: dict[int, ReportedOrder] = field(default_factory=dict)  # the report rollups' paid orders
    rollup_deltas: list[RollupDelta] = field(default_factory=list)
    closed: list[tuple[date, int, bool]] = field(default_factory=list)
    pickups: dict[int, tuple[date, int, datetime]] = field(default_factory=dict)
    waits: list[tuple[date, int, str, int]] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    credit: list[tuple[int, str, SalesCredit]] = field(default_factory=list)  # (order, cause, credit)
    counted_orders: list[int] = field(default_factory=list)  # paid orders the recommendation aggregates count
    transfers: dict[int, Transfer] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]


class _Repository:
    def __init__(self, db: Callable[[], FakeDatabase]) -> None:
        self._db = db

    @property
    def db(self) -> FakeDatabase:
        return self._db()

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"{type(self).__name__}.{name} is not faked")


class FakeOrders(_Repository):
    async def get(self, order_id: int) -> Order | None:
        return self.db.orders.get(order_id)

    async def fulfillments(self, order_id: int) -> list[Fulfillment]:
        return sorted((f for f in self.db.fulfillments.values() if f.order_id == order_id), key=lambda f: f.id)

    async def fulfillment(self, fulfillment_id: int) -> Fulfillment | None:
        return self.db.fulfillments.get(fulfillment_id)

    async def get_for_update(self, order_id: int) -> OrderAggregate | None:
        order = self.db.orders.get(order_id)
        if order is None:
            return None
        fulfillments = await self.fulfillments(order_id)
        ids = {f.id for f in fulfillments}
        return OrderAggregate(order, fulfillments, [li for li in self.db.lines if li.fulfillment_id in ids])

    async def get_for_update_by_pickup_code(self, location_id: int, code: str) -> OrderAggregate | None:
        for order in self.db.orders.values():
            at_store = order.pickup_location_id == location_id and order.pickup_code == code
            if at_store and order.paid_at is not None and order.status in OPEN_STATUSES:
                return await self.get_for_update(order.id)
        return None

    async def lock_unpaid_past_hold(self, now: datetime, limit: int) -> list[OrderAggregate]:
        due = sorted((o for o in self.db.orders.values() if o.hold_is_over(now)), key=lambda o: o.id)[:limit]
        return [a for a in [await self.get_for_update(o.id) for o in due] if a is not None]

    async def order_of_fulfillment(self, fulfillment_id: int) -> int | None:
        found = self.db.fulfillments.get(fulfillment_id)
        return found.order_id if found else None

    async def pickup_code_in_use(self, location_id: int, code: str) -> bool:
        return any(o.pickup_location_id == location_id and o.pickup_code == code for o in self.db.orders.values())

    async def open_parcels_of_member(self, member_id: int) -> list[tuple[Fulfillment, Order]]:
        return []

    async def create(
        self, draft: OrderDraft, reserved: Sequence[StockMovement], *, actor: str, idempotency_id: int | None
    ) -> tuple[Order, list[Fulfillment]]:
        order = self._write(draft)
        number = order.number
        self.db.ledger.extend((dataclasses.replace(m, reference=number), actor) for m in reserved)
        if idempotency_id is not None:
            key = next(k for k, claim in self.db.keys.items() if claim.id == idempotency_id)
            self.db.keys[key] = dataclasses.replace(self.db.keys[key], order_id=order.id)
        return order, await self.fulfillments(order.id)

    async def create_reserving_one(
        self, draft: OrderDraft, hold: Hold, *, actor: str
    ) -> tuple[Order, list[Fulfillment], StockLevel] | None:
        level = self.db.stock.get((hold.location_id, hold.variant_id))
        if level is None or level.available < hold.quantity:
            return None
        self.db.one_statement_orders += 1
        (after,) = await FakeStock(self._db).reserve([hold])
        order = self._write(draft)
        movement = StockMovement(hold.location_id, hold.variant_id, MovementReason.RESERVATION, 0, hold.quantity,
                                 after.on_hand, after.reserved, reference=order.number)  # fmt: skip
        self.db.ledger.append((movement, actor))
        return order, await self.fulfillments(order.id), after

    def _write(self, draft: OrderDraft) -> Order:
        request, placement, totals = draft.request, draft.placement, draft.totals
        order_id = self.db.next_id("order")
        order = Order(
            id=order_id,
            number=f"SO{order_id:08d}",
            channel=request.channel,
            status=OrderStatus.PENDING_PAYMENT,
            mode=request.mode,
            member_id=placement.member_id,
            placed_by=placement.placed_by,
            placed_by_staff_id=placement.placed_by_staff_id,
            placed_at_location_id=draft.placed_at_location_id,
            attributed_staff_id=placement.attributed_staff_id,
            pickup_location_id=request.pickup_location_id,
            subtotal=totals.subtotal,
            discount_total=totals.discount_total,
            total=totals.total,
            points_redeemed=draft.points_redeemed,
            points_earned=0,
            reservation_expires_at=draft.reservation_expires_at,
            pickup_code=None,
            created_at=draft.created_at,
            updated_at=draft.created_at,
            shipping_address=request.address,
        )
        self.db.orders[order_id] = order
        for shipment in draft.shipments:
            fid = self.db.next_id("fulfillment")
            self.db.fulfillments[fid] = Fulfillment(
                fid, order_id, shipment.location_id, request.mode, FulfillmentStatus.PENDING, draft.created_at,
                draft.created_at, shipment.ships_with_id,
            )  # fmt: skip
            self.db.lines.extend(
                FulfillmentLine(fid, li.variant_id, li.quantity, li.unit_price) for li in shipment.lines
            )
        return order

    async def save(self, order: OrderAggregate) -> None:
        self.db.orders[order.order.id] = order.order
        for fulfillment in order.changed_fulfillments:
            self.db.fulfillments[fulfillment.id] = fulfillment

    async def set_points_earned(self, order_id: int, points: int) -> None:
        self.db.orders[order_id] = dataclasses.replace(self.db.orders[order_id], points_earned=points)

    async def discounts(self, order_id: int) -> list[DiscountLine]:
        return list(self.db.discounts.get(order_id, []))

    async def add_discounts(self, order_id: int, discounts: Sequence[DiscountLine]) -> None:
        self.db.discounts.setdefault(order_id, []).extend(discounts)

    async def replace_discounts(self, order_id: int, discounts: Sequence[DiscountLine]) -> None:
        self.db.discounts[order_id] = list(discounts)


class FakePayments(_Repository):
    async def order_paid_with(self, reference: str) -> int | None:
        return self.db.payments.get(reference)

    async def record(self, *, order_id: int, reference: str, amount: Decimal, currency: str, actor: str) -> bool:
        if reference in self.db.payments:
            return False
        self.db.payments[reference] = order_id
        return True


class FakeStock(_Repository):
    # online orders are not capped by an allocation share here (the SQL does it: tests/api/test_online_allocation.py)
    async def reserve(self, holds: Sequence[Hold], *, online: bool = False) -> list[StockLevel]:
        levels = []
        for hold in holds:
            level = self.db.stock.get((hold.location_id, hold.variant_id))
            if level is None or level.available < hold.quantity:
                raise StockShort(hold)
            levels.append(self._put(level._replace(reserved=level.reserved + hold.quantity)))
        return levels

    async def release(self, holds: Sequence[Hold], *, online: bool = False) -> list[StockLevel]:
        return [self._put(self._held(h)._replace(reserved=self._held(h).reserved - h.quantity)) for h in holds]

    async def sell(self, holds: Sequence[Hold], *, online: bool = False, count_sale: bool = False) -> list[StockLevel]:
        sold = []
        for hold in holds:
            level = self._held(hold)
            sold.append(
                self._put(
                    level._replace(on_hand=level.on_hand - hold.quantity, reserved=level.reserved - hold.quantity)
                )
            )
        return sold

    async def add_movements(self, movements: Sequence[StockMovement], actor: str) -> None:
        self.db.ledger.extend((m, actor) for m in movements)

    async def available(self, location_id: int, variant_ids: Sequence[int], *, online: bool = False) -> dict[int, int]:
        return {v: lvl.available for (loc, v), lvl in self.db.stock.items() if loc == location_id and v in variant_ids}

    async def nearby(
        self, origin: Location, variant_ids: Sequence[int], radius_km: float
    ) -> list[tuple[Location, Mapping[int, int]]]:
        return [
            (location, await self.available(location.id, variant_ids))
            for location in self.db.locations.values()
            if location.active and location.distance_to(origin.point) <= radius_km
        ]

    def _held(self, hold: Hold) -> StockLevel:
        level = self.db.stock[(hold.location_id, hold.variant_id)]
        assert level.reserved >= hold.quantity, f"{hold} is not reserved"
        return level

    def _put(self, level: StockLevel) -> StockLevel:
        self.db.stock[(level.location_id, level.variant_id)] = level
        return level


class FakeIdempotency(_Repository):
    async def claim(self, caller: str, key: str, fingerprint: str) -> IdempotencyClaim:
        found = self.db.keys.get((caller, key))
        if found is not None:
            return dataclasses.replace(found, ours=False)
        claim = IdempotencyClaim(self.db.next_id("key"), fingerprint, None, True)
        self.db.keys[(caller, key)] = claim
        return claim

    async def lookup(self, caller: str, key: str) -> IdempotencyClaim | None:
        found = self.db.keys.get((caller, key))
        return dataclasses.replace(found, ours=False) if found else None


class FakeCatalog(_Repository):
    async def variants(self, ids: Sequence[int]) -> dict[int, Variant]:
        return {i: self.db.variants[i] for i in ids if i in self.db.variants}

    async def price_overrides(self, ids: Sequence[int]) -> dict[int, list[PriceOverride]]:
        return {i: list(self.db.overrides.get(i, [])) for i in ids}

    async def products(self, ids: Sequence[int]) -> dict[int, Product]:
        return {i: self.db.products[i] for i in ids if i in self.db.products}

    async def categories(self, variant_ids: Sequence[int]) -> dict[int, frozenset[int]]:
        """The product's one category (the fakes keep no listings or tree)."""
        found = {}
        for variant_id in variant_ids:
            product = self.db.products.get(self.db.variants[variant_id].product_id)
            found[variant_id] = frozenset([product.category_id]) if product and product.category_id else frozenset()
        return found

    async def for_placement(self, variant_ids: Sequence[int], location_id: int) -> PlacementSnapshot:
        found = PlacementSnapshot(self.db.locations.get(location_id))
        found.variants = await self.variants(variant_ids)
        found.overrides = await self.price_overrides(list(found.variants))
        found.levels = {v: lvl for (loc, v), lvl in self.db.stock.items() if loc == location_id and v in variant_ids}
        return found


class FakeLocations(_Repository):
    async def get(self, location_id: int) -> Location | None:
        return self.db.locations.get(location_id)

    async def many(self, location_ids: Sequence[int]) -> dict[int, Location]:
        return {i: self.db.locations[i] for i in location_ids if i in self.db.locations}

    async def by_code(self, code: str) -> Location | None:
        return next((loc for loc in self.db.locations.values() if loc.code == code), None)


class FakeRouting(_Repository):
    async def rules(self) -> RoutingRules:
        return self.db.routing_rules

    async def candidate_stock(
        self, variant_ids: Sequence[int], box: BoundingBox, *, online: bool = False
    ) -> list[LocationStock]:
        network = []
        for location in sorted(self.db.locations.values(), key=lambda loc: loc.code):
            inside = (
                box.min_lat <= location.point.lat <= box.max_lat and box.min_lng <= location.point.lng <= box.max_lng
            )
            stock = {v: n for v, n in (await FakeStock(self._db).available(location.id, variant_ids)).items() if n > 0}
            if location.active and inside and stock:
                network.append(LocationStock(location, stock))
        return network


class FakePromotions(_Repository):
    async def live(self, now: datetime) -> list[Promotion]:
        return list(self.db.promotions)


class FakeMembers(_Repository):
    async def get(self, member_id: int) -> Member | None:
        return self.db.members.get(member_id)

    async def current(self, member_id: int) -> Member | None:
        member = self.db.members.get(member_id)
        while member is not None and member.merged_into_id is not None:
            member = self.db.members.get(member.merged_into_id)
        return member


class FakeCoupons(_Repository):
    async def by_codes(self, codes: Sequence[str]) -> list[Coupon]:
        return [c for c in self.db.coupons.values() if c.code in codes]

    async def templates(self, ids: Sequence[int]) -> dict[int, CouponTemplate]:
        return {i: self.db.templates[i] for i in ids if i in self.db.templates}

    async def lock_for_order(self, order_id: int) -> list[Coupon]:
        return [c for c in self.db.coupons.values() if c.order_id == order_id]

    async def mark_used(
        self, coupon_id: int, *, now: datetime, store_id: int | None, staff_id: int | None, order_id: int | None
    ) -> bool:
        coupon = self.db.coupons[coupon_id]
        if coupon.status is not CouponStatus.ACTIVE:
            return False
        self.db.coupons[coupon_id] = dataclasses.replace(coupon, status=CouponStatus.REDEEMED, order_id=order_id)
        return True

    async def release(self, coupon_id: int, status: CouponStatus) -> bool:
        coupon = self.db.coupons[coupon_id]
        if coupon.status is not CouponStatus.REDEEMED:
            return False
        self.db.coupons[coupon_id] = dataclasses.replace(coupon, status=status, order_id=None)
        return True

    async def audit(self, events: Sequence[AuditEvent]) -> None:
        self.db.audit.extend(events)


class FakePoints(_Repository):
    async def lock_account(self, member_id: int) -> PointsAccount | None:
        member = self.db.members.get(member_id)
        if member is None:
            return None
        lots = [e for e in self.db.points if e.member_id == member_id and e.remaining > 0]
        return PointsAccount(
            member_id, member.points_balance, tuple(Lot(e.id, e.remaining, e.expires_at) for e in lots)
        )

    async def posted(self, key: str) -> bool:
        return key in self.db.posted_keys

    async def post(self, member_id: int, posting: Posting, *, now: datetime, actor: str) -> int:
        entry, entry_id = posting.entry, self.db.next_id("points")
        if entry.key is not None:
            assert entry.key not in self.db.posted_keys, "the unique index on points_entry.key"
            self.db.posted_keys.add(entry.key)
        self.db.points.append(
            PointsEntry(
                entry_id,
                member_id,
                entry.kind,
                entry.points,
                entry.reason,
                entry.order_id,
                now,
                entry.expires_at,
                max(entry.points, 0),
            )
        )
        remaining = dict(posting.lot_updates)
        self.db.points = [dataclasses.replace(e, remaining=remaining.get(e.id, e.remaining)) for e in self.db.points]
        member = self.db.members[member_id]
        self.db.members[member_id] = dataclasses.replace(member, points_balance=posting.balance_after)
        return entry_id

    async def order_entries(self, order_id: int) -> list[PointsEntry]:
        return [e for e in self.db.points if e.order_id == order_id]

    async def spend_since(self, member_id: int, since: datetime) -> Decimal:
        return sum((a for m, a, at in self.db.spend.values() if m == member_id and at >= since), Decimal(0))

    async def record_spend(self, member_id: int, order_id: int | None, amount: Decimal, key: str, at: datetime) -> bool:
        if key in self.db.spend:
            return False
        self.db.spend[key] = (member_id, amount, at)
        return True

    async def reverse_spend(self, key: str, reverse_key: str, at: datetime) -> bool:
        if key not in self.db.spend or reverse_key in self.db.spend:
            return False
        member_id, amount, _ = self.db.spend[key]
        self.db.spend[reverse_key] = (member_id, -amount, at)
        return True


class FakeThrottles(_Repository):
    async def state(self, key: str) -> ThrottleState | None:
        return self.db.throttles.get(key)

    async def record_failure(self, key: str, policy: ThrottlePolicy, now: datetime) -> ThrottleState:
        self.db.throttles[key] = after_failure(self.db.throttles.get(key), policy, now)
        return self.db.throttles[key]

    async def begin_attempt(
        self, keys: Sequence[tuple[str, ThrottlePolicy]], clock: Callable[[], datetime], *, wait_up_to: float = 0
    ) -> int:
        now = clock()
        states = {key: self.db.throttles.get(key) or ThrottleState(0, now, None) for key, _ in keys}
        wait = retry_after(states, now)
        if wait or any(must_wait(states[key], policy, now) for key, policy in keys):
            return wait or 1
        self.db.throttles.update({key: begin(states[key], policy, now) for key, policy in keys})
        return 0

    async def finish_attempt(self, keys: Sequence[tuple[str, ThrottlePolicy]], now: datetime, *, wrong: bool) -> None:
        self.db.throttles.update(
            {key: finish(self.db.throttles[key], policy, now, wrong=wrong) for key, policy in keys}
        )


class FakeEventLog(_Repository):
    async def append(self, events: Sequence[DomainEvent]) -> None:
        self.db.logged.extend(events)


class FakeTransfers(_Repository):
    """Transfers in memory; orders asking for none is all the order use cases need."""

    async def for_reference(self, reference: str) -> list[Transfer]:
        return [t for t in self.db.transfers.values() if t.reference == reference]


class FakeReports(_Repository):
    """The report rollups in memory: what each paid order added, and every delta applied."""

    async def paid_order_facts(self, order_id: int, location_ids: Sequence[int]) -> PaidOrderFacts | None:
        order = self.db.orders.get(order_id)
        if order is None:
            return None
        return PaidOrderFacts(order.points_redeemed, frozenset(location_ids), ())

    async def open_paid_order(self, order: ReportedOrder) -> bool:
        if order.order_id in self.db.reported:
            return False
        self.db.reported[order.order_id] = order
        return True

    async def paid_order_for_update(self, order_id: int) -> ReportedOrder | None:
        return self.db.reported.get(order_id)

    async def save_paid_order(self, order: ReportedOrder) -> None:
        self.db.reported[order.order_id] = order

    async def apply(self, delta: RollupDelta, *, order_id: int) -> None:
        self.db.rollup_deltas.append(delta)

    async def count_closed(self, day: date, location_ids: Sequence[int], *, expired: bool) -> None:
        self.db.closed.extend((day, loc, expired) for loc in location_ids)

    async def pickup_ready(
        self, *, order_id: int, fulfillment_id: int, location_id: int, at: datetime
    ) -> tuple[date, datetime] | None:
        order = self.db.reported.get(order_id)
        if order is None or fulfillment_id in self.db.pickups:
            return None
        self.db.pickups[fulfillment_id] = (order.day, location_id, at)
        return order.day, order.paid_at

    async def pickup_collected(self, fulfillment_id: int, at: datetime) -> tuple[date, int, datetime] | None:
        return self.db.pickups.pop(fulfillment_id, None)

    async def add_wait(self, day: date, location_id: int, kind: str, bucket: int) -> None:
        self.db.waits.append((day, location_id, kind, bucket))


class FakeRefunds(_Repository):
    """Refunds in memory: the order's lines are its fulfilment lines merged by variant and price."""

    def _lines(self, order_id: int) -> list[PaidLine]:
        fulfillments = {f.id for f in self.db.fulfillments.values() if f.order_id == order_id}
        merged: dict[tuple[int, Decimal], int] = {}
        for line in self.db.lines:
            if line.fulfillment_id in fulfillments:
                key = (line.variant_id, line.unit_price.amount)
                merged[key] = merged.get(key, 0) + line.quantity
        return [PaidLine(n, v, q, price * q) for n, ((v, price), q) in enumerate(merged.items(), start=1)]

    async def paid_order(self, order_id: int) -> PaidOrder | None:
        order = self.db.orders.get(order_id)
        if order is None:
            return None
        return PaidOrder(
            order_id, order.paid_at is not None, order.total.amount, order.points_redeemed, order.points_earned,
            tuple(self._lines(order_id)),
        )  # fmt: skip

    async def of_order(self, order_id: int) -> list[Refund]:
        return [r for r in self.db.refunds if r.order_id == order_id]

    async def create(
        self,
        *,
        order_id: int,
        plan: RefundPlan,
        currency: str,
        reason: str,
        restock_location_id: int | None,
        actor: str,
        now: datetime,
    ) -> Refund:
        refund = Refund(
            self.db.next_id("refund"), order_id, RefundStatus.PENDING, plan.amount, currency, plan.points_returned,
            plan.points_reversed, 0, reason, plan.lines, restock_location_id, None, now, None,
        )  # fmt: skip
        self.db.refunds.append(refund)
        return refund

    async def skus(self, variant_ids: Sequence[int]) -> dict[int, str]:
        return {v: self.db.variants[v].sku for v in variant_ids if v in self.db.variants}

    async def points_moved(self, order_id: int) -> tuple[int, int]:
        done = [r for r in self.db.refunds if r.order_id == order_id and r.status is RefundStatus.SUCCEEDED]
        return sum(r.points_returned for r in done), sum(r.points_reversed + r.points_shortfall for r in done)


class FakeSaleFacts(_Repository):
    async def facts(self, order_id: int) -> SaleFacts | None:
        order = self.db.orders.get(order_id)
        if order is None:
            return None
        location_of = {f.id: f.location_id for f in self.db.fulfillments.values() if f.order_id == order_id}
        lines = tuple(
            FulfilledLine(location_of[li.fulfillment_id], li.variant_id, li.quantity, li.unit_price.amount)
            for li in self.db.lines
            if li.fulfillment_id in location_of
        )
        return SaleFacts(
            order.id,
            order.channel,
            order.member_id,
            order.placed_at_location_id,
            order.attributed_staff_id,
            order.total.amount,
            lines,
        )

    async def store_locations(self, location_ids: Sequence[int]) -> set[int]:
        return {i for i in location_ids if i in self.db.locations and self.db.locations[i].kind is LocationKind.STORE}


class FakeSalesCredit(_Repository):
    async def store_share_used(self, order_id: int) -> Decimal | None:
        return next((Decimal("0.3") for o, cause, _ in self.db.credit if o == order_id and cause == "paid"), None)

    async def current(self, order_id: int) -> list[SalesCredit]:
        amounts: dict[int | None, Decimal] = {}
        for o, _, c in self.db.credit:
            if o == order_id:
                amounts[c.location_id] = amounts.get(c.location_id, Decimal(0)) + c.amount
        return [SalesCredit(loc, Decimal(0), a) for loc, a in amounts.items()]

    async def record(
        self, order_id: int, credits: Sequence[SalesCredit], *, store_share: Decimal, reference: str, at: datetime
    ) -> None:
        self.db.credit.extend((order_id, reference, c) for c in credits)


class FakePurchaseCounts(_Repository):
    async def count_paid_order(self, order_id: int, member_id: int | None, paid_at: datetime) -> None:
        self.db.counted_orders.append(order_id)

    async def uncount_paid_order(self, order_id: int, member_id: int | None) -> None:
        self.db.counted_orders.remove(order_id)


class FakeUnitOfWork:
    """domain.ports.UnitOfWork over a FakeDatabase; `atomic` rolls the tables back on any exception."""

    def __init__(self, db: FakeDatabase, handlers: EventHandlers | None = None) -> None:
        self._database = db
        self._handlers = handlers if handlers is not None else EventHandlers()
        self._pending: list[DomainEvent] | None = None
        self.committed: list[DomainEvent] = []
        self.transactions = 0  # committed atomic() calls
        current = self._current
        self.orders = FakeOrders(current)
        self.payments = FakePayments(current)
        self.stock = FakeStock(current)
        self.idempotency = FakeIdempotency(current)
        self.catalog = FakeCatalog(current)
        self.categories = _Repository(current)  # not faked: no order use case reaches them
        self.products = _Repository(current)
        self.prices = _Repository(current)
        self.sync = _Repository(current)
        self.locations = FakeLocations(current)
        self.routing = FakeRouting(current)
        self.promotions = FakePromotions(current)
        self.members = FakeMembers(current)
        self.coupons = FakeCoupons(current)
        self.points = FakePoints(current)
        self.throttles = FakeThrottles(current)
        self.try_ons = _Repository(current)  # not faked: no order use case reaches them
        self.commission_rules = _Repository(current)
        self.refunds = FakeRefunds(current)
        self.event_log = FakeEventLog(current)
        self.sale_facts = FakeSaleFacts(current)
        self.sales_credit = FakeSalesCredit(current)
        self.commission = _Repository(current)  # not faked: the fake orders are not attributed to clerks
        self.purchase_counts = FakePurchaseCounts(current)
        self.stock_alerts = _Repository(current)  # not faked: the alert handler is tested on PostgreSQL
        self.allocation = _Repository(current)
        self.transfers = FakeTransfers(current)
        self.reports = FakeReports(current)

    def _current(self) -> FakeDatabase:
        return self._database

    def record(self, *events: DomainEvent) -> None:
        if self._pending is not None:
            self._pending.extend(events)
            return
        assert not any(self._handlers.waits_for(e) for e in events), "handlers wait for events outside a transaction"
        self.committed.extend(events)

    def handles(self, *event_types: type[DomainEvent]) -> bool:
        return self._handlers.handles(*event_types)

    async def atomic(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        assert self._pending is None, "atomic() inside atomic()"
        before = copy.deepcopy(self._database.__dict__)
        pending: list[DomainEvent] = []
        self._pending = pending
        try:
            result = await work(self)
            await self._handlers.run(self, pending)
        except BaseException:
            self._database.__dict__.update(before)  # the rollback
            raise
        finally:
            self._pending = None
        self.committed.extend(pending)
        self.transactions += 1
        return result
