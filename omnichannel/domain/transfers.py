"""Transfers: stock moved between two locations, and the rules each step obeys.

A transfer is REQUESTED (its quantities held at the source: reserved), then IN_TRANSIT (shipped:
taken off the source's on hand with its hold), then RECEIVED (what arrived added to the
destination's on hand, short receipts recorded per line); or CANCELLED before it ships (the hold
released). Every stock change a step makes is a TRANSFER movement whose reference is the
transfer's number.

Repeating the step a transfer has just taken (a double click: ship an IN_TRANSIT transfer, receive
a RECEIVED one, cancel a CANCELLED one) changes nothing and answers with the transfer as it is; any
other step out of order is INVALID_TRANSITION.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from . import idempotency
from .access import Principal, Role
from .errors import AccessDenied, DomainError, DomainErrors, ErrorCode
from .events import (
    OrderStockArrived,
    StockChanged,
    TransferCancelled,
    TransferEvent,
    TransferReceived,
    TransferredLine,
    TransferRequested,
    TransferShipped,
    stock_changes,
)
from .inventory import MovementReason, StockLevel, StockMovement
from .locations import FulfillmentMode, Location
from .order_aggregate import facts_of
from .orders import Fulfillment, FulfillmentStatus, Order
from .reservations import Hold, lock_order
from .routing import Plan

MAX_LINES = 50
MAX_QUANTITY = 100_000  # units of one variant in one transfer
MAX_NOTE_LENGTH = 500
NUMBER_PREFIX = "TR"


class TransferStatus(StrEnum):
    REQUESTED = "REQUESTED"
    IN_TRANSIT = "IN_TRANSIT"
    RECEIVED = "RECEIVED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class TransferLine:
    variant_id: int
    quantity: int
    received_quantity: int | None = None  # None until received


@dataclass(frozen=True, slots=True)
class Transfer:
    id: int
    number: str
    from_location_id: int
    to_location_id: int
    status: TransferStatus
    lines: tuple[TransferLine, ...]
    requested_at: datetime
    note: str = ""
    reference: str | None = None  # what asked for it: an order number for a pickup by transfer
    shipped_at: datetime | None = None
    received_at: datetime | None = None
    cancelled_at: datetime | None = None
    online: bool = False  # it brings stock for an online order: its hold counts in the source's online holds

    @property
    def location_ids(self) -> tuple[int, int]:
        return (self.from_location_id, self.to_location_id)

    def holds(self) -> list[Hold]:
        """What it holds (or held) at the source, in lock order."""
        return lock_order(Hold(self.from_location_id, line.variant_id, line.quantity) for line in self.lines)


def number_of(transfer_id: int) -> str:
    return f"{NUMBER_PREFIX}{transfer_id:08d}"


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """A checked request: two different locations, one line per variant, quantities in range."""

    from_location_id: int
    to_location_id: int
    lines: tuple[tuple[int, int], ...]  # (variant, quantity), in the order asked
    note: str
    reference: str | None = None
    idempotency_key: str | None = None  # the caller's: the same key again answers with the first transfer
    online: bool = False  # for an online order: held within the source's online share

    def fingerprint(self) -> str:
        """A digest of what makes two requests 'the same transfer' (the key itself excluded)."""
        return idempotency.digest(
            [self.from_location_id, self.to_location_id, sorted(map(list, self.lines)), self.note]
        )


def check_same_request(stored: str | None, given: str) -> None:
    """An idempotency key names one transfer: the same key with another request is refused."""
    idempotency.check_same_request(stored, given, "transfer")


def _check_lines(lines: Sequence[tuple[int, int]], field: str) -> list[DomainError]:
    errors: list[DomainError] = []
    seen: set[int] = set()
    for i, (variant_id, quantity) in enumerate(lines):
        if quantity <= 0:
            errors.append(
                DomainError(ErrorCode.INVALID_INPUT, "Quantity must be at least 1.", [field, str(i), "quantity"])
            )
        elif quantity > MAX_QUANTITY:
            errors.append(
                DomainError(
                    ErrorCode.INVALID_INPUT, f"Quantity must be at most {MAX_QUANTITY}.", [field, str(i), "quantity"]
                )
            )
        if variant_id in seen:
            errors.append(
                DomainError(
                    ErrorCode.INVALID_INPUT,
                    "This variant is on another line already: one line per variant.",
                    [field, str(i), "variantId"],
                )
            )
        seen.add(variant_id)
    return errors


def check_request(
    from_location_id: int,
    to_location_id: int,
    lines: Sequence[tuple[int, int]],
    note: str | None,
    reference: str | None = None,
    idempotency_key: str | None = None,
) -> TransferRequest:
    """The request as it will be written, or every malformed part at once (DomainErrors)."""
    errors: list[DomainError] = []
    if from_location_id == to_location_id:
        errors.append(
            DomainError(ErrorCode.INVALID_INPUT, "A transfer goes from one location to another.", ["toStoreId"])
        )
    if not lines:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, "A transfer needs at least one line.", ["lines"]))
    elif len(lines) > MAX_LINES:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, f"At most {MAX_LINES} lines.", ["lines"]))
    else:
        errors.extend(_check_lines(lines, "lines"))
    cleaned = (note or "").strip()
    if len(cleaned) > MAX_NOTE_LENGTH:
        errors.append(
            DomainError(ErrorCode.INVALID_INPUT, f"Note must be at most {MAX_NOTE_LENGTH} characters.", ["note"])
        )
    if (bad_key := idempotency.key_error(idempotency_key)) is not None:
        errors.append(bad_key)
    if errors:
        raise DomainErrors(errors)
    return TransferRequest(from_location_id, to_location_id, tuple(lines), cleaned, reference, idempotency_key)


def check_locations(request: TransferRequest, found: Mapping[int, Location]) -> None:
    """Both locations exist and are open."""
    errors = []
    for location_id, field in ((request.from_location_id, "fromStoreId"), (request.to_location_id, "toStoreId")):
        location = found.get(location_id)
        if location is None:
            errors.append(DomainError(ErrorCode.NOT_FOUND, "No such store or warehouse.", [field]))
        elif not location.active:
            errors.append(DomainError(ErrorCode.LOCATION_INACTIVE, f"{location.name} is closed.", [field]))
    if errors:
        raise DomainErrors(errors)


# ---- who may do what -----------------------------------------------------------------------------


def _staff_at(principal: Principal, location: Location, *roles: Role) -> bool:
    return principal.role in roles and principal.works_at(location.code)


def require_requester(principal: Principal, source: Location, destination: Location) -> None:
    """Request or cancel: the store manager of either location, head office."""
    if principal.role is Role.HQ_ADMIN:
        return
    if _staff_at(principal, source, Role.STORE_MANAGER) or _staff_at(principal, destination, Role.STORE_MANAGER):
        return
    raise AccessDenied()


def require_shipper(principal: Principal, source: Location) -> None:
    """Ship: staff of the source, head office."""
    if principal.role is Role.HQ_ADMIN or _staff_at(principal, source, Role.CLERK, Role.STORE_MANAGER):
        return
    raise AccessDenied()


def require_receiver(principal: Principal, destination: Location) -> None:
    """Receive: staff of the destination, head office."""
    if principal.role is Role.HQ_ADMIN or _staff_at(principal, destination, Role.CLERK, Role.STORE_MANAGER):
        return
    raise AccessDenied()


def may_read(principal: Principal, locations: Sequence[Location]) -> bool:
    """Transfers into or out of these locations: their staff, head office and analysts."""
    if principal.role in (Role.HQ_ADMIN, Role.ANALYST):
        return True
    return any(principal.works_at(location.code) for location in locations)


# ---- steps ------------------------------------------------------------------------------------------


class Step(StrEnum):
    SHIP = "ship"
    RECEIVE = "receive"
    CANCEL = "cancel"


S = TransferStatus
FROM = {Step.SHIP: S.REQUESTED, Step.RECEIVE: S.IN_TRANSIT, Step.CANCEL: S.REQUESTED}  # the step's starting status
TO = {Step.SHIP: S.IN_TRANSIT, Step.RECEIVE: S.RECEIVED, Step.CANCEL: S.CANCELLED}  # where the step leaves it


def is_done(transfer: Transfer, step: Step) -> bool:
    """The step was taken already (a repeated click): nothing to do."""
    return transfer.status is TO[step]


def check_step(transfer: Transfer, step: Step) -> None:
    if transfer.status is not FROM[step]:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"Transfer {transfer.number} is {transfer.status.value}: it cannot {step.value} now.",
            ["transferId"],
        )


def shipped(transfer: Transfer, now: datetime) -> Transfer:
    check_step(transfer, Step.SHIP)
    return replace(transfer, status=TransferStatus.IN_TRANSIT, shipped_at=now)


def cancelled(transfer: Transfer, now: datetime) -> Transfer:
    check_step(transfer, Step.CANCEL)
    return replace(transfer, status=TransferStatus.CANCELLED, cancelled_at=now)


def received(transfer: Transfer, arrived: Sequence[tuple[int, int]] | None, now: datetime) -> Transfer:
    """RECEIVED with what arrived per line: `arrived` lists (variant, units) for some lines (others
    arrived whole); None: everything shipped arrived. More than was shipped, or a variant that was
    not on the transfer, is refused."""
    check_step(transfer, Step.RECEIVE)
    counted: dict[int, int] = {}
    if arrived is not None:
        errors: list[DomainError] = []
        shipped_of = {line.variant_id: line.quantity for line in transfer.lines}
        for i, (variant_id, quantity) in enumerate(arrived):
            where = ["lines", str(i)]
            if variant_id in counted:
                errors.append(DomainError(ErrorCode.INVALID_INPUT, "One line per variant.", [*where, "variantId"]))
            elif variant_id not in shipped_of:
                errors.append(
                    DomainError(ErrorCode.INVALID_INPUT, "This variant is not on the transfer.", [*where, "variantId"])
                )
            elif not 0 <= quantity <= shipped_of[variant_id]:
                errors.append(
                    DomainError(
                        ErrorCode.INVALID_INPUT,
                        f"Between 0 and the {shipped_of[variant_id]} shipped units arrived.",
                        [*where, "quantity"],
                    )
                )
            counted[variant_id] = quantity
        if errors:
            raise DomainErrors(errors)
    lines = tuple(
        replace(line, received_quantity=counted.get(line.variant_id, line.quantity)) for line in transfer.lines
    )
    return replace(transfer, status=TransferStatus.RECEIVED, received_at=now, lines=lines)


def receipts(transfer: Transfer) -> list[Hold]:
    """What a received transfer adds to the destination's on hand, in lock order (lines with units)."""
    return lock_order(
        Hold(transfer.to_location_id, line.variant_id, line.received_quantity or 0) for line in transfer.lines
    )


# ---- what the steps mean for stock --------------------------------------------------------------------

# the sign of the on-hand and reserved change of each step at the location it touches
SIGNS: dict[str, tuple[int, int]] = {
    "request": (0, 1),  # held at the source
    "cancel": (0, -1),  # hold released at the source
    "ship": (-1, -1),  # leaves the source with its hold
    "receive": (1, 0),  # arrives at the destination
    "receive_held": (1, 1),  # arrives at the destination, held there for the order that asked for it
}


@dataclass(frozen=True, slots=True)
class TransferMoves:
    movements: list[StockMovement]
    events: list[StockChanged]


def moves(
    kind: str, holds: Sequence[Hold], levels_after: Sequence[StockLevel], *, number: str, at: datetime
) -> TransferMoves:
    """TRANSFER ledger entries and StockChanged facts for holds applied in lock order."""
    on_hand_sign, reserved_sign = SIGNS[kind]
    entries = [
        StockMovement(
            hold.location_id,
            hold.variant_id,
            MovementReason.TRANSFER,
            on_hand_sign * hold.quantity,
            reserved_sign * hold.quantity,
            level.on_hand,
            level.reserved,
            note=kind,
            reference=number,
        )
        for hold, level in zip(holds, levels_after, strict=True)
    ]
    return TransferMoves(entries, stock_changes(entries, levels_after, at))


FACTS: dict[TransferStatus, type[TransferEvent]] = {
    TransferStatus.REQUESTED: TransferRequested,
    TransferStatus.IN_TRANSIT: TransferShipped,
    TransferStatus.RECEIVED: TransferReceived,
    TransferStatus.CANCELLED: TransferCancelled,
}


def fact(transfer: Transfer, at: datetime) -> TransferEvent:
    """The fact of the step that brought the transfer to its status."""
    return FACTS[transfer.status](
        transfer_id=transfer.id,
        number=transfer.number,
        from_location_id=transfer.from_location_id,
        to_location_id=transfer.to_location_id,
        status=transfer.status.value,
        lines=tuple(TransferredLine(line.variant_id, line.quantity, line.received_quantity) for line in transfer.lines),
        reference=transfer.reference,
        at=at,
    )


# ---- pickup by transfer: an order's stock coming into its pickup store ---------------------------------


@dataclass(frozen=True, slots=True)
class PickupByTransfer:
    """What a feasible PICKUP plan means for placement: the holds at the pickup store, and one
    transfer into it per other location the plan takes stock from."""

    holds: list[Hold]
    transfers: list[TransferRequest]


def pickup_by_transfer(plan: Plan, pickup_location_id: int) -> PickupByTransfer:
    """Placement does exactly what the plan says (shipments at the store itself are held there)."""
    holds: list[Hold] = []
    requests: list[TransferRequest] = []
    for shipment in plan.shipments:
        lines = [(line.variant_id, line.quantity) for line in shipment.lines]
        if shipment.transfer_to is None:
            assert shipment.location.id == pickup_location_id
            holds.extend(Hold(pickup_location_id, variant_id, quantity) for variant_id, quantity in lines)
        else:
            assert shipment.transfer_to.id == pickup_location_id
            note = f"for a pickup at {shipment.transfer_to.code}"
            requests.append(TransferRequest(shipment.location.id, pickup_location_id, tuple(lines), note))
    return PickupByTransfer(lock_order(holds), requests)


def not_yet_at_pickup(order_transfers: Sequence[Transfer]) -> dict[int, int]:
    """Units per variant an order's transfers have not brought to the pickup store yet (requested or
    in transit): what the order does not hold there yet."""
    missing: dict[int, int] = {}
    for transfer in order_transfers:
        if transfer.status in (TransferStatus.REQUESTED, TransferStatus.IN_TRANSIT):
            for line in transfer.lines:
                missing[line.variant_id] = missing.get(line.variant_id, 0) + line.quantity
    return missing


def held_at_pickup(holds: Sequence[Hold], missing: Mapping[int, int], pickup_location_id: int) -> list[Hold]:
    """An order's holds less what its transfers have not brought to the pickup store yet."""
    left = dict(missing)
    kept = []
    for hold in holds:
        quantity = hold.quantity
        if hold.location_id == pickup_location_id and left.get(hold.variant_id):
            taken = min(quantity, left[hold.variant_id])
            left[hold.variant_id] -= taken
            quantity -= taken
        if quantity > 0:
            kept.append(Hold(hold.location_id, hold.variant_id, quantity))
    return kept


def shortfall(transfer: Transfer) -> list[Hold]:
    """A received transfer's short lines, as holds at the destination (what an order still lacks there)."""
    return lock_order(
        Hold(transfer.to_location_id, line.variant_id, line.quantity - (line.received_quantity or 0))
        for line in transfer.lines
        if line.received_quantity is not None and line.received_quantity < line.quantity
    )


def waiting_for(order_transfers: Sequence[Transfer]) -> list[str]:
    """Numbers of an order's transfers still on their way (the fulfilment waits for them)."""
    return [t.number for t in order_transfers if t.status in (TransferStatus.REQUESTED, TransferStatus.IN_TRANSIT)]


def check_arrived(order_transfers: Sequence[Transfer]) -> None:
    """A pickup waits (PENDING) until every transfer bringing its stock was received."""
    waiting = waiting_for(order_transfers)
    if waiting:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            f"The order waits for transfer {', '.join(waiting)} to arrive at the pickup store.",
            ["fulfillmentId"],
        )


def may_wait_for_transfer(fulfillment: Fulfillment) -> bool:
    """Only a pickup not yet started can be waiting for a transfer its order asked for."""
    return fulfillment.mode is FulfillmentMode.PICKUP and fulfillment.status is FulfillmentStatus.PENDING


def arrived_for_order(
    order: Order, fulfillments: Sequence[Fulfillment], transfer: Transfer, at: datetime
) -> OrderStockArrived:
    """The fact that tells the pickup store's feed (and the event log) a transfer its order waits for is in."""
    return OrderStockArrived(
        **facts_of(order, fulfillments, at),
        transfer_id=transfer.id,
        transfer_number=transfer.number,
        location_id=transfer.to_location_id,
    )
