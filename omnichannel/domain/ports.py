"""Ports: what a use case may ask of storage, as Protocols, all reached through one unit of work.

A use case receives a `UnitOfWork` and touches storage only through its repositories
(`uow.orders`, `uow.stock`, `uow.coupons`, `uow.points`, `uow.idempotency` ...). Reads made before
deciding run outside any transaction (each on its own); the change itself runs in
`uow.atomic(work)`: one transaction, committed once, retried whole on a deadlock, rolled back on any
exception. persistence.uow.TortoiseUnitOfWork implements this over PostgreSQL - `uow.<name>` is the
`<Name>Store` of persistence/repositories/<name>.py (uow.orders: orders.py, uow.stock: stock.py ...);
tests/unit/fakes.py implements it in memory, so use cases are tested without a database.

Events: the domain records facts (domain.events) and the use case hands them to `uow.record`.
Before COMMIT the unit of work runs the in-transaction handlers registered for them
(`EventHandlers`, built in resolvers/in_transaction.py); after COMMIT they are in
`uow.committed`, which the mutation wrapper publishes.

Why Protocols: the dependency points from storage to the domain (cosmicpython's repository
pattern), and every method a use case relies on is written down in one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from .catalog import Category, PriceOverride, Product, Variant
from .catalogue import NewVariant
from .commission import CommissionRule, Earning, Entry, LineCommission, NewRule
from .coupons import AuditEvent, Coupon, CouponStatus, CouponTemplate, TemplateSpec
from .credit import SalesCredit
from .events import DomainEvent
from .geo import BoundingBox
from .inventory import StockLevel, StockMovement
from .locations import Location
from .members import Identity, MergeSummary, SignInCode
from .online_allocation import AllocationPolicy
from .order_aggregate import OrderAggregate
from .order_requests import OrderDraft
from .orders import Fulfillment, Order
from .people import Member
from .points import PointsAccount, PointsEntry, Posting
from .pricing import DiscountLine
from .promotions import Promotion, PromotionSpec
from .refunds import PaidOrder, PointsOutcome, Refund, RefundPlan, RefundStatus
from .report_rollups import PaidOrder as ReportedOrder
from .report_rollups import PaidOrderFacts, RollupDelta
from .reservations import Hold
from .routing import LocationStock, RoutingRules
from .sale_facts import SaleFacts
from .sales_history import Sale
from .stock_alerts import LowStockAlert
from .sync import ProductRow, ProductsApplied, Resolved, StockApplied, StockRow, SyncResult
from .throttle import ThrottlePolicy, ThrottleState
from .transfers import Transfer, TransferRequest
from .try_ons import TryOn, TryOnSource

T = TypeVar("T")
E = TypeVar("E", bound=DomainEvent)


class StockShort(Exception):
    """A reservation lost a race: the location no longer has this hold available (nothing is written)."""

    def __init__(self, hold: Hold) -> None:
        super().__init__(f"not enough stock for {hold}")
        self.hold = hold


class PickupCodeTaken(Exception):
    """Another open order at the store got the same pickup code first (draw a new one and retry)."""


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    id: int
    fingerprint: str
    order_id: int | None
    ours: bool  # True: this transaction just claimed the key and must create the order


@dataclass
class PlacementSnapshot:
    """What placing an order at one location reads first: the location, the variants, their prices
    and the location's stock of them (one round trip)."""

    location: Location | None
    variants: dict[int, Variant] = field(default_factory=dict)
    overrides: dict[int, list[PriceOverride]] = field(default_factory=dict)
    levels: dict[int, StockLevel] = field(default_factory=dict)
    online_share: float = 1.0  # the location's allocation share (domain.online_allocation)


# ---- orders and stock ------------------------------------------------------------------------------


class OrderRepository(Protocol):
    async def get(self, order_id: int) -> Order | None: ...
    async def fulfillments(self, order_id: int) -> list[Fulfillment]: ...
    async def fulfillment(self, fulfillment_id: int) -> Fulfillment | None: ...
    async def get_for_update(self, order_id: int) -> OrderAggregate | None:
        """The order row locked (FOR UPDATE) first, then its fulfilments and their lines."""

    async def get_for_update_by_pickup_code(self, location_id: int, code: str) -> OrderAggregate | None:
        """The open, paid pickup order at this store with this code, locked."""

    async def lock_unpaid_past_hold(self, now: datetime, limit: int) -> list[OrderAggregate]:
        """Unpaid orders whose hold is over, oldest first; rows another process is sweeping are skipped."""

    async def order_of_fulfillment(self, fulfillment_id: int) -> int | None: ...
    async def handed_over_since(self, location_id: int, code: str, since: datetime) -> bool: ...
    async def pickup_code_in_use(self, location_id: int, code: str) -> bool: ...
    async def open_parcels_of_member(self, member_id: int) -> list[tuple[Fulfillment, Order]]: ...
    async def create(
        self, draft: OrderDraft, reserved: Sequence[StockMovement], *, actor: str, idempotency_id: int | None
    ) -> tuple[Order, list[Fulfillment]]:
        """Write the order whose holds the caller just reserved (`reserved`: their RESERVATION entries)."""

    async def create_reserving_one(
        self, draft: OrderDraft, hold: Hold, *, actor: str
    ) -> tuple[Order, list[Fulfillment], StockLevel] | None:
        """Reserve the one hold and write the order in one statement (its own transaction); None when short."""

    async def save(self, order: OrderAggregate) -> None:
        """The order row and its changed fulfilments. Raises PickupCodeTaken."""

    async def set_points_earned(self, order_id: int, points: int) -> None: ...
    async def discounts(self, order_id: int) -> list[DiscountLine]: ...
    async def add_discounts(self, order_id: int, discounts: Sequence[DiscountLine]) -> None: ...
    async def replace_discounts(self, order_id: int, discounts: Sequence[DiscountLine]) -> None: ...


class PaymentRepository(Protocol):
    async def order_paid_with(self, reference: str) -> int | None: ...
    async def record(self, *, order_id: int, reference: str, amount: Decimal, currency: str, actor: str) -> bool:
        """False when the reference is already recorded."""


class StockRepository(Protocol):
    async def reserve(self, holds: Sequence[Hold], *, online: bool = False) -> list[StockLevel]:
        """Each hold in lock order, or raise StockShort naming the first that could not be covered
        (online: also within the location's online share, domain.online_allocation)."""

    async def release(self, holds: Sequence[Hold], *, online: bool = False) -> list[StockLevel]: ...
    async def sell(self, holds: Sequence[Hold], *, online: bool = False, count_sale: bool = False) -> list[StockLevel]:
        """Held units leave; counted as sold (by channel group) when `count_sale`."""

    async def sell_from_shelf(self, holds: Sequence[Hold], *, count_sale: bool = False) -> list[StockLevel]:
        """A till sale: on hand down, in lock order, while not promised to other orders (on hand -
        reserved); raise StockShort naming the first hold that could not be covered. Counted as sold
        in store when `count_sale`."""

    async def receive(self, holds: Sequence[Hold]) -> list[StockLevel]:
        """Units arrive (a transfer received): on hand goes up by each hold's quantity."""

    async def receive_held(self, holds: Sequence[Hold], *, online: bool = False) -> list[StockLevel]:
        """Units arrive for an order that waits for them there: on hand and reserved go up together
        (an online order's also count against the online share)."""

    async def add_movements(self, movements: Sequence[StockMovement], actor: str) -> None: ...
    async def lock_level(self, location_id: int, variant_id: int) -> StockLevel: ...
    async def apply(self, level: StockLevel, movement: StockMovement, actor: str) -> None: ...
    async def available(self, location_id: int, variant_ids: Sequence[int], *, online: bool = False) -> dict[int, int]:
        """What can be promised now per variant (online: what online channels may still sell)."""

    async def nearby(
        self, origin: Location, variant_ids: Sequence[int], radius_km: float
    ) -> list[tuple[Location, Mapping[int, int]]]:
        """Active locations within radius_km of origin, with what they have available of these variants."""


class StockAlertRepository(Protocol):
    async def raise_alert(self, level: StockLevel, at: datetime) -> LowStockAlert | None:
        """A new open alert for the level; None when it has one open already."""

    async def resolve(self, location_id: int, variant_id: int, at: datetime) -> bool: ...
    async def set_safety_stock(self, location_id: int, variant_id: int, safety_stock: int) -> StockLevel: ...


class AllocationRepository(Protocol):
    async def lock(self, location_id: int) -> AllocationPolicy: ...
    async def save(
        self, policy: AllocationPolicy, actor: str, *, decided_on: date | None = None
    ) -> AllocationPolicy: ...
    async def claim_due(self, today: date, limit: int) -> list[AllocationPolicy]: ...
    async def units_sold(self, location_id: int, since: date) -> tuple[int, int]: ...


class IdempotencyRepository(Protocol):
    async def claim(self, caller: str, key: str, fingerprint: str) -> IdempotencyClaim: ...
    async def lookup(self, caller: str, key: str) -> IdempotencyClaim | None: ...
    async def forget_older_than(self, cutoff: datetime) -> None: ...


class CatalogRepository(Protocol):
    async def variants(self, ids: Sequence[int]) -> dict[int, Variant]: ...
    async def price_overrides(self, ids: Sequence[int]) -> dict[int, list[PriceOverride]]: ...
    async def products(self, ids: Sequence[int]) -> dict[int, Product]: ...
    async def categories(self, variant_ids: Sequence[int]) -> dict[int, frozenset[int]]:
        """Each variant's categories (every one its product is listed in) and their ancestors."""

    async def for_placement(self, variant_ids: Sequence[int], location_id: int) -> PlacementSnapshot: ...


class CategoryRepository(Protocol):
    async def create(self, name: str, parent_id: int | None) -> Category:
        """A new category; raises NAME_TAKEN when the name is in use."""

    async def missing(self, ids: Sequence[int]) -> list[int]:
        """The ids of these that name no category, in the order given."""


class ProductRepository(Protocol):
    async def taken_codes(self, skus: Sequence[str], barcodes: Sequence[str]) -> tuple[set[str], set[str]]:
        """Which of these SKUs and barcodes belong to a variant already."""

    async def create(
        self, *, title: str, description: str | None, category_ids: Sequence[int], variants: Sequence[NewVariant]
    ) -> Product:
        """A new active product with its listings and variants; raises SKU_TAKEN / BARCODE_TAKEN on a race."""

    async def get_for_update(self, product_id: int) -> Product | None: ...

    async def update(
        self,
        product_id: int,
        *,
        title: str | None,
        description: str | None,
        set_description: bool,
        category_ids: Sequence[int] | None,
        active: bool | None,
    ) -> Product:
        """Change what is given (None: unchanged; category_ids replaces the listings)."""

    async def add_variant(self, product_id: int, variant: NewVariant) -> Variant: ...


class PriceRepository(Protocol):
    async def lock_variant(self, variant_id: int) -> Variant | None:
        """The variant, locked until commit (price changes of one variant queue)."""

    async def set_list_price(self, variant_id: int, amount: Decimal) -> None: ...

    async def set_override(self, override: PriceOverride) -> None:
        """An override of this scope and window replaces the one there was; other windows stay."""


class SyncRepository(Protocol):
    async def claim(self, kind: str, batch_id: str, actor: str) -> SyncResult | None:
        """None when this transaction now owns the batch id; else the batch's first result (a copy
        arriving while the first is being applied waits for it)."""

    async def finish(self, kind: str, result: SyncResult) -> None: ...

    async def resolve_stock_rows(self, rows: Sequence[tuple[int, StockRow]]) -> Resolved: ...

    async def apply_counts(self, counts: Sequence[tuple[int, int, int]], *, reference: str, actor: str) -> StockApplied:
        """(location id, variant id, counted on hand) per level: levels set, SYNC movements written."""

    async def apply_products(self, rows: Sequence[tuple[int, ProductRow]]) -> ProductsApplied: ...


class LocationRepository(Protocol):
    async def get(self, location_id: int) -> Location | None: ...
    async def many(self, location_ids: Sequence[int]) -> dict[int, Location]: ...
    async def by_code(self, code: str) -> Location | None: ...


class RoutingRepository(Protocol):
    async def rules(self) -> RoutingRules: ...
    async def lock_rules(self) -> RoutingRules: ...
    async def save_rules(self, rules: RoutingRules, actor: str) -> None: ...
    async def candidate_stock(
        self, variant_ids: Sequence[int], box: BoundingBox, *, online: bool = False
    ) -> list[LocationStock]: ...


class PromotionRepository(Protocol):
    async def live(self, now: datetime) -> list[Promotion]: ...
    async def by_ids(self, ids: Sequence[int]) -> dict[int, Promotion]: ...
    async def create(self, spec: PromotionSpec, actor: str) -> Promotion: ...
    async def end(self, promotion_id: int) -> Promotion | None: ...


# ---- members and loyalty ---------------------------------------------------------------------------


class MemberRepository(Protocol):
    async def get(self, member_id: int) -> Member | None: ...
    async def current(self, member_id: int) -> Member | None:
        """The member this id is now: itself, or the survivor it was merged into."""

    async def lock(self, member_ids: Sequence[int]) -> dict[int, Member]: ...
    async def lock_current(self, member_id: int) -> Member | None: ...
    async def by_identity(self, identity: Identity) -> Member | None: ...
    async def create(self, phone: str) -> Member: ...
    async def link(self, member_id: int, identity: Identity) -> int: ...
    async def merge(self, survivor: Member, duplicate: Member, *, now: datetime, actor: str) -> MergeSummary: ...
    async def lock_phone(self, phone: str) -> None: ...
    async def recent_codes(self, phone: str, since: datetime) -> list[SignInCode]: ...
    async def add_code(self, phone: str, code_hash: str, now: datetime, expires_at: datetime) -> None: ...
    async def latest_code(self, phone: str) -> SignInCode | None: ...
    async def count_wrong_attempt(self, code_id: int) -> None: ...
    async def use_code(self, code_id: int, now: datetime) -> bool: ...


class CouponRepository(Protocol):
    async def by_codes(self, codes: Sequence[str]) -> list[Coupon]: ...
    async def templates(self, ids: Sequence[int]) -> dict[int, CouponTemplate]: ...
    async def template(self, template_id: int) -> CouponTemplate | None: ...
    async def create_template(self, spec: TemplateSpec, actor: str) -> CouponTemplate: ...
    async def end_template(self, template_id: int) -> CouponTemplate | None: ...
    async def held(self, member_id: int, template_id: int) -> int: ...
    async def take_one(self, template_id: int) -> bool: ...
    async def issue(self, template: CouponTemplate, member_id: int, now: datetime) -> Coupon: ...
    async def lock_by_code(self, code: str) -> Coupon | None: ...
    async def lock_by_codes(self, codes: Sequence[str]) -> list[Coupon]: ...
    async def lock_by_ids(self, ids: Sequence[int]) -> list[Coupon]: ...
    async def lock_for_order(self, order_id: int) -> list[Coupon]: ...
    async def mark_used(
        self, coupon_id: int, *, now: datetime, store_id: int | None, staff_id: int | None, order_id: int | None
    ) -> bool: ...
    async def release(self, coupon_id: int, status: CouponStatus) -> bool: ...
    async def void(self, coupon_id: int) -> bool: ...
    async def member_coupon_ids(self, member_id: int) -> list[tuple[int, int]]: ...
    async def audit(self, events: Sequence[AuditEvent]) -> None:
        """Append to the audit trail (outside a transaction: on its own, so a refusal is never lost)."""


class PointsRepository(Protocol):
    async def lock_account(self, member_id: int) -> PointsAccount | None: ...
    async def posted(self, key: str) -> bool: ...
    async def post(self, member_id: int, posting: Posting, *, now: datetime, actor: str) -> int: ...
    async def order_entries(self, order_id: int) -> list[PointsEntry]: ...
    async def spend_since(self, member_id: int, since: datetime) -> Decimal: ...
    async def record_spend(
        self, member_id: int, order_id: int | None, amount: Decimal, key: str, at: datetime
    ) -> bool: ...
    async def reverse_spend(self, key: str, reverse_key: str, at: datetime) -> bool: ...
    async def lock_due_members(self, now: datetime, limit: int) -> list[int]: ...


class ThrottleRepository(Protocol):
    async def state(self, key: str) -> ThrottleState | None: ...
    async def record_failure(self, key: str, policy: ThrottlePolicy, now: datetime) -> ThrottleState:
        """Count one failure (row-locked); outside a transaction it commits at once."""

    async def clear(self, key: str) -> None: ...
    async def lock(self, keys: Sequence[str], now: datetime) -> dict[str, ThrottleState]: ...
    async def save(self, states: Mapping[str, ThrottleState]) -> None: ...
    async def begin_attempt(
        self, keys: Sequence[tuple[str, ThrottlePolicy]], clock: Callable[[], datetime], *, wait_up_to: float = ...
    ) -> int:
        """Check and count an attempt before trying a secret: 0 to go ahead, else the seconds to wait."""

    async def finish_attempt(self, keys: Sequence[tuple[str, ThrottlePolicy]], now: datetime, *, wrong: bool) -> None:
        """End an attempt begun; a wrong one counts as a failure of every key."""


class TryOnRepository(Protocol):
    async def last_seen(self, member_id: int, variant_ids: Sequence[int], since: datetime) -> dict[int, datetime]: ...
    async def add(
        self,
        member_id: int,
        location_id: int,
        variant_ids: Sequence[int],
        source: TryOnSource,
        staff_id: int | None,
        now: datetime,
    ) -> None: ...
    async def latest(self, member_id: int, variant_ids: Sequence[int]) -> list[TryOn]: ...


class CommissionRuleRepository(Protocol):
    async def create(self, rule: NewRule, *, actor: str, now: datetime) -> CommissionRule: ...
    async def end(self, rule_id: int, now: datetime) -> CommissionRule | None: ...
    async def missing_categories(self, ids: Sequence[int]) -> list[int]: ...


# ---- the store floor's bookkeeping of a sale (resolvers/floor_bookkeeping.py) ----------------------


class SaleFactsRepository(Protocol):
    async def facts(self, order_id: int) -> SaleFacts | None: ...
    async def store_locations(self, location_ids: Sequence[int]) -> set[int]:
        """Which of these locations are stores (the others are regional warehouses)."""

    async def categories(self, variant_ids: Sequence[int]) -> dict[int, frozenset[int]]:
        """Each variant's categories and their ancestors (a rule for Tops covers T-shirts)."""


class SalesCreditRepository(Protocol):
    async def store_share_used(self, order_id: int) -> Decimal | None:
        """The store share the order's split was made with at payment (None: not booked as paid)."""

    async def current(self, order_id: int) -> list[SalesCredit]: ...
    async def record(
        self, order_id: int, credits: Sequence[SalesCredit], *, store_share: Decimal, reference: str, at: datetime
    ) -> None:
        """Write these credits (a party already written for this cause is left as it is)."""


class CommissionRepository(Protocol):
    async def rules(self) -> list[CommissionRule]: ...
    async def earned(
        self, *, staff_id: int, location_id: int | None, order_id: int, earning: Earning, reference: str, at: datetime
    ) -> bool:
        """The EARNED entry and its lines; False when the order has one already."""

    async def of_order(self, order_id: int) -> list[Entry]:
        """The order's entries, locked, oldest first."""

    async def lines_of(self, entry_id: int) -> list[LineCommission]: ...
    async def reversed(
        self, *, entry: Entry, amount: Decimal, sales: Decimal, reference: str, at: datetime
    ) -> bool: ...


class PurchaseCountRepository(Protocol):
    """The recommendation aggregates (what members bought, bought together, best sellers by category)."""

    async def count_paid_order(self, order_id: int, member_id: int | None, paid_at: datetime) -> None: ...
    async def uncount_paid_order(self, order_id: int, member_id: int | None) -> None: ...


# ---- the unit of work --------------------------------------------------------------------------------


class EventLogRepository(Protocol):
    async def append(self, events: Sequence[DomainEvent]) -> None:
        """Write the facts the event log keeps (domain.event_log) in the open transaction."""


class ReportRollupRepository(Protocol):
    """The dashboards' rollups (domain.report_rollups), written in the transaction of each fact."""

    async def paid_order_facts(self, order_id: int, location_ids: Sequence[int]) -> PaidOrderFacts | None: ...
    async def open_paid_order(self, order: ReportedOrder) -> bool:
        """Keep what the order adds; False when its payment was counted already (nothing written)."""

    async def paid_order_for_update(self, order_id: int) -> ReportedOrder | None: ...
    async def save_paid_order(self, order: ReportedOrder) -> None: ...
    async def apply(self, delta: RollupDelta, *, order_id: int) -> None: ...
    async def count_closed(self, day: date, location_ids: Sequence[int], *, expired: bool) -> None: ...
    async def pickup_ready(
        self, *, order_id: int, fulfillment_id: int, location_id: int, at: datetime
    ) -> tuple[date, datetime] | None:
        """Note the pickup ready (once); its order's payment day and moment, None if not new or not paid."""

    async def pickup_collected(self, fulfillment_id: int, at: datetime) -> tuple[date, int, datetime] | None:
        """Note it collected (once): its payment day, location and ready moment; None if not noted ready."""

    async def add_wait(self, day: date, location_id: int, kind: str, bucket: int) -> None: ...


class RefundRepository(Protocol):
    async def paid_order(self, order_id: int) -> PaidOrder | None: ...
    async def of_order(self, order_id: int) -> list[Refund]: ...
    async def order_of(self, refund_id: int) -> int | None: ...
    async def lock(self, refund_id: int) -> Refund | None: ...
    async def with_reference(self, reference: str) -> int | None: ...
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
    ) -> Refund: ...
    async def complete(
        self,
        refund_id: int,
        *,
        status: RefundStatus,
        reference: str,
        points: PointsOutcome,
        now: datetime,
    ) -> Refund: ...
    async def skus(self, variant_ids: Sequence[int]) -> dict[int, str]: ...
    async def points_moved(self, order_id: int) -> tuple[int, int]:
        """What SUCCEEDED refunds of the order settled in points: (given back, taken back or found short)."""


class TransferRepository(Protocol):
    async def get(self, transfer_id: int) -> Transfer | None: ...
    async def lock(self, transfer_id: int) -> Transfer | None:
        """The transfer row locked until commit (concurrent steps on it queue)."""

    async def for_reference(self, reference: str) -> list[Transfer]:
        """Transfers asked for by this reference (an order number), locked, oldest first."""

    async def requested_with_key(self, actor: str, key: str) -> tuple[Transfer, str | None] | None:
        """The transfer (and its request's fingerprint) asked for with this key; waits for a concurrent
        request with the same key to end first."""

    async def order_waits(self, number: str) -> int | None:
        """The id of the open order with this number (placed or paid, not handed over or closed); None
        when there is none."""

    async def create(self, request: TransferRequest, *, actor: str, now: datetime) -> Transfer: ...
    async def save(self, transfer: Transfer) -> None: ...


class SalesRepository(Protocol):
    async def add(self, sales: Sequence[Sale]) -> None:
        """Add units sold to their level's day (in the transaction of the step that sold them)."""


class UnitOfWork(Protocol):
    orders: OrderRepository
    payments: PaymentRepository
    stock: StockRepository
    idempotency: IdempotencyRepository
    catalog: CatalogRepository
    categories: CategoryRepository
    products: ProductRepository
    prices: PriceRepository
    sync: SyncRepository
    locations: LocationRepository
    routing: RoutingRepository
    promotions: PromotionRepository
    members: MemberRepository
    coupons: CouponRepository
    points: PointsRepository
    throttles: ThrottleRepository
    try_ons: TryOnRepository
    commission_rules: CommissionRuleRepository
    refunds: RefundRepository
    transfers: TransferRepository
    sales: SalesRepository
    event_log: EventLogRepository
    sale_facts: SaleFactsRepository
    sales_credit: SalesCreditRepository
    commission: CommissionRepository
    purchase_counts: PurchaseCountRepository
    stock_alerts: StockAlertRepository
    allocation: AllocationRepository
    reports: ReportRollupRepository
    committed: list[DomainEvent]  # the events of every transaction of this unit that committed, in order

    async def atomic(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run work in one transaction: record's handlers run before COMMIT; any exception rolls back
        (and drops what was recorded); a deadlock or serialization failure runs work again."""

    def record(self, *events: DomainEvent) -> None:
        """Inside atomic(): facts of this change. Outside (the one-statement placement, already
        committed): straight to `committed`; refused when handlers wait for them."""

    def handles(self, *event_types: type[DomainEvent]) -> bool:
        """Whether an in-transaction handler is registered for any of these event types (handlers
        added `quiet_above_safety_stock` not counted: see EventHandlers.add)."""


Handler = Callable[[UnitOfWork, Any], Awaitable[None]]


class EventHandlers:
    """In-transaction handlers by event type (a handler for a base class hears its subclasses).

    Handlers run in the order they were added, for each event in the order it was recorded; events
    a handler records are handled in turn. A handler raising rolls the whole change back (a
    DomainError reaches the caller as a userError).
    """

    MAX_EVENTS = 50_000  # a handler recording events in a loop is a bug (a bulk sync records up to 10,000)

    def __init__(self) -> None:
        self._by_type: dict[type[DomainEvent], list[Handler]] = {}
        self._quiet: set[int] = set()  # id() of handlers with nothing to do above the safety stock
        self._last: list[Callable[[UnitOfWork, Sequence[DomainEvent]], Awaitable[None]]] = []

    def add_last(self, handler: Callable[[UnitOfWork, Sequence[DomainEvent]], Awaitable[None]]) -> EventHandlers:
        """A handler of all the facts of a change at once, after every per-type handler (so it sees the
        facts they recorded too): the event log's writer. `handles` does not count it - the
        one-statement order placement writes the log in its own statement."""
        self._last.append(handler)
        return self

    def add(
        self,
        event_type: type[E],
        handler: Callable[[UnitOfWork, E], Awaitable[None]],
        *,
        quiet_above_safety_stock: bool = False,
    ) -> EventHandlers:
        """`quiet_above_safety_stock`: a StockChanged handler with nothing to do for a reservation that
        leaves its level above its safety stock (the low-stock alerts); `handles` does not count it, so
        the one-statement order placement, which reserves only while that holds, stays available."""
        self._by_type.setdefault(event_type, []).append(handler)
        if quiet_above_safety_stock:
            self._quiet.add(id(handler))
        return self

    def for_event(self, event: DomainEvent) -> list[Handler]:
        found: list[Handler] = []
        for cls in type(event).__mro__:
            found.extend(self._by_type.get(cls, ()))
        return found

    def waits_for(self, event: DomainEvent) -> bool:
        """Whether a handler counted by `handles` would run for this event."""
        return any(id(h) not in self._quiet for h in self.for_event(event))

    def handles(self, *event_types: type[DomainEvent]) -> bool:
        return any(
            issubclass(t, registered) and any(id(h) not in self._quiet for h in handlers)
            for t in event_types
            for registered, handlers in self._by_type.items()
        )

    async def run(self, uow: UnitOfWork, pending: list[DomainEvent]) -> None:
        """Handle every event of `pending`, including those the handlers append to it."""
        index = 0
        while index < len(pending):
            if index >= self.MAX_EVENTS:
                raise RuntimeError("in-transaction handlers recorded events without end")
            for handler in self.for_event(pending[index]):
                await handler(uow, pending[index])
            index += 1
        if pending:
            for last in self._last:
                await last(uow, pending)


NO_HANDLERS = EventHandlers()
